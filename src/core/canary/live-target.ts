import {dump} from 'js-yaml'
import {InputError} from '../errors.js'
import {isObj} from '../model/resource.js'
import {CasConflict, LockHeldError} from './errors.js'
import {encodeState, rawStateOf} from './state.js'
import type {CanaryTarget, TargetSnapshot, TargetWrite} from './target.js'
import {STATE_ANNOTATION, type Obj} from './types.js'

/** JSON Pointer token escaping (RFC 6901). */
export function escapeToken(t: string): string {
  return t.replaceAll('~', '~0').replaceAll('/', '~1')
}

type PatchOp = {op: 'add' | 'replace' | 'test'; path: string; value: unknown} | {op: 'remove'; path: string}

interface ObjRef {
  group: string
  version: string
  plural: string
  namespace: string
  name: string
}

interface LeaseLike {
  metadata?: {name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>}
  spec?: {holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: Date | string; renewTime?: Date | string; leaseTransitions?: number}
}

/** What live mode needs from a Kubernetes client (src/adapters/kube.ts's KubeClient has it). */
export interface LiveKubeApi {
  getCustomObject(ref: ObjRef): Promise<Obj>
  patchCustomObjectJson(ref: ObjRef, ops: PatchOp[]): Promise<Obj>
  listCustomObjects?(ref: Omit<ObjRef, 'name'>): Promise<Obj[]>
  getLease(namespace: string, name: string): Promise<LeaseLike>
  createLease(namespace: string, lease: LeaseLike): Promise<LeaseLike>
  replaceLease(namespace: string, name: string, lease: LeaseLike): Promise<LeaseLike>
  deleteLease(namespace: string, name: string): Promise<void>
}

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && typeof (e as {status?: unknown}).status === 'number' ? (e as {status: number}).status : undefined
}

const RBAC_HINT = 'cleat needs get and patch on virtualservices, list on destinationrules (networking.istio.io) and get, create and update on leases (coordination.k8s.io) in the namespace'

/** Kubernetes client errors that are not a compare-and-swap loss become clear input errors (exit 65). */
function kubeFailure(e: unknown): never {
  const st = statusOf(e)
  const reason = typeof e === 'object' && e !== null ? (e as {reason?: unknown}).reason : undefined
  if (st === undefined || typeof reason !== 'string') throw e
  const msg = (e as Error).message
  if (st === 401) throw new InputError(msg, ['check the credentials of the kubeconfig context'])
  if (st === 403) throw new InputError(msg, [RBAC_HINT])
  if (st === 0) throw new InputError(msg, ['check --context / --kubeconfig and that the API server is reachable'])
  throw new InputError(msg)
}

export interface LiveTargetOptions {
  namespace: string
  name: string
  /** Istio API version to use (v1 by default). */
  version?: string
  /** DestinationRule names to read when the client cannot list (default: the VS name). */
  destinationRuleNames?: string[]
  now(): number
}

/**
 * Live mode: the VirtualService in a cluster. Every write is one JSON Patch whose `test` operations
 * check the current weights and the state annotation (field-level compare-and-swap), so no other
 * field is touched and a concurrent edit fails the whole patch. The run lock is also a Lease.
 */
export class LiveTarget implements CanaryTarget {
  readonly mode = 'live' as const
  private count = 0
  private last: Obj | null = null
  private lease: LeaseLike | null = null
  constructor(
    private readonly api: LiveKubeApi,
    private readonly opts: LiveTargetOptions,
  ) {}

  private ref(): ObjRef {
    return {group: 'networking.istio.io', version: this.opts.version ?? 'v1', plural: 'virtualservices', namespace: this.opts.namespace, name: this.opts.name}
  }

  describe(): string {
    return `virtualservice ${this.opts.namespace}/${this.opts.name}`
  }

  writes(): number {
    return this.count
  }

  leaseName(): string {
    return `canary-${this.opts.name}`.slice(0, 253)
  }

  async read(): Promise<TargetSnapshot> {
    let vs: Obj
    try {
      vs = await this.api.getCustomObject(this.ref())
    } catch (e) {
      if (statusOf(e) === 404) throw new InputError(`${this.describe()} does not exist`)
      kubeFailure(e)
    }
    this.last = vs
    return {vs, namespace: this.opts.namespace, name: this.opts.name, rawState: rawStateOf(vs)}
  }

  /** The object as last read or written, when its state annotation is the expected one (saves a GET per write). */
  private lastIf(rawState: string | null): Obj | null {
    return this.last && rawStateOf(this.last) === rawState ? this.last : null
  }

  async destinationRules(): Promise<Obj[]> {
    const base = {group: 'networking.istio.io', version: this.opts.version ?? 'v1', plural: 'destinationrules', namespace: this.opts.namespace}
    if (this.api.listCustomObjects) return this.api.listCustomObjects(base).catch(kubeFailure)
    const out: Obj[] = []
    for (const name of this.opts.destinationRuleNames ?? [this.opts.name]) {
      try {
        out.push(await this.api.getCustomObject({...base, name}))
      } catch (e) {
        if (statusOf(e) !== 404) throw e
      }
    }
    return out
  }

  async write(w: TargetWrite): Promise<void> {
    const base = this.lastIf(w.expectRawState) ?? (await this.read()).vs
    const snap = {vs: base}
    const ann = isObj(snap.vs.metadata) && isObj((snap.vs.metadata as Obj).annotations) ? ((snap.vs.metadata as Obj).annotations as Obj) : null
    const annPath = `/metadata/annotations/${escapeToken(STATE_ANNOTATION)}`
    const ops: PatchOp[] = []
    for (const e of w.expectWeights) ops.push({op: 'test', path: `/spec/http/${w.routeIndex}/route/${e.destIndex}/weight`, value: e.value})
    // The state CAS: test the annotation value, or (when absent) test the annotations map as read.
    if (w.expectRawState !== null) ops.push({op: 'test', path: annPath, value: w.expectRawState})
    // kube-apiserver's JSON Patch treats `test` with null as "absent", so this also guards an `add` of the map.
    else ops.push({op: 'test', path: '/metadata/annotations', value: ann ?? null})
    for (const s of w.setWeights) ops.push({op: 'replace', path: `/spec/http/${w.routeIndex}/route/${s.destIndex}/weight`, value: s.value})
    if (w.setState) {
      const value = encodeState(w.setState)
      if (!ann) ops.push({op: 'add', path: '/metadata/annotations', value: {[STATE_ANNOTATION]: value}})
      else ops.push({op: w.expectRawState === null ? 'add' : 'replace', path: annPath, value})
    } else if (w.expectRawState !== null) {
      if (w.removeAnnotationsMap && ann && Object.keys(ann).length === 1) ops.push({op: 'remove', path: '/metadata/annotations'})
      else ops.push({op: 'remove', path: annPath})
    }
    try {
      this.last = await this.api.patchCustomObjectJson(this.ref(), ops)
    } catch (e) {
      this.last = null
      const st = statusOf(e)
      if (st === 422 || st === 409) throw new CasConflict(`the VirtualService changed since it was read (${(e as Error).message})`)
      kubeFailure(e)
    }
    this.count++
  }

  async acquireLease(holder: string, ttlSeconds: number, force: boolean): Promise<void> {
    const ns = this.opts.namespace
    const name = this.leaseName()
    const now = new Date(this.opts.now())
    const spec = {holderIdentity: holder, leaseDurationSeconds: Math.ceil(ttlSeconds), acquireTime: now, renewTime: now}
    // Renewing our own Lease: replace the copy we hold (a 409 means someone else touched it).
    if (this.lease?.spec?.holderIdentity === holder) {
      try {
        this.lease = await this.api.replaceLease(ns, name, {metadata: this.lease.metadata, spec: {...this.lease.spec, leaseDurationSeconds: Math.ceil(ttlSeconds), renewTime: now}})
        return
      } catch (e) {
        if (statusOf(e) !== 409) throw e
        this.lease = null
      }
    }
    let current: LeaseLike | null = null
    try {
      current = await this.api.getLease(ns, name)
    } catch (e) {
      if (statusOf(e) !== 404) kubeFailure(e)
    }
    if (!current) {
      try {
        this.lease = await this.api.createLease(ns, {metadata: {name, namespace: ns, labels: {'app.kubernetes.io/managed-by': 'cleat'}}, spec: {...spec, leaseTransitions: 0}})
        return
      } catch (e) {
        if (statusOf(e) === 409) throw new LockHeldError(`another run created the Lease ${ns}/${name} at the same time`)
        kubeFailure(e)
      }
    }
    const h = current.spec?.holderIdentity
    const renew = current.spec?.renewTime ? new Date(current.spec.renewTime).getTime() : 0
    const expires = renew + (current.spec?.leaseDurationSeconds ?? 0) * 1000
    if (h && h !== holder) {
      if (expires > this.opts.now()) throw new LockHeldError(`the Lease ${ns}/${name} is held by ${h} until ${new Date(expires).toISOString()}`)
      if (!force) throw new LockHeldError(`the Lease ${ns}/${name} of ${h} expired at ${new Date(expires).toISOString()}`, ['take it over with --force-unlock'])
    }
    try {
      this.lease = await this.api.replaceLease(ns, name, {
        metadata: {...current.metadata, name, namespace: ns},
        spec: {...spec, leaseTransitions: (current.spec?.leaseTransitions ?? 0) + (h === holder ? 0 : 1)},
      })
    } catch (e) {
      if (statusOf(e) === 409) throw new LockHeldError(`another run took the Lease ${ns}/${name} at the same time`)
      kubeFailure(e)
    }
  }

  async releaseLease(holder: string): Promise<void> {
    const ns = this.opts.namespace
    const name = this.leaseName()
    const release = (l: LeaseLike) => this.api.replaceLease(ns, name, {metadata: l.metadata, spec: {...l.spec, holderIdentity: undefined, leaseDurationSeconds: undefined}})
    if (this.lease?.spec?.holderIdentity === holder) {
      const ok = await release(this.lease).then(() => true, () => false)
      this.lease = null
      if (ok) return
    }
    let current: LeaseLike
    try {
      current = await this.api.getLease(ns, name)
    } catch {
      return
    }
    if (current.spec?.holderIdentity !== holder) return
    await release(current).catch(() => undefined)
  }

  async preview(routeIndex: number, set: {destIndex: number; value: number}[]): Promise<string> {
    const {vs} = await this.read()
    const copy = structuredClone(vs)
    const meta = isObj(copy.metadata) ? copy.metadata : {}
    for (const k of ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp']) delete meta[k]
    const dests = ((((copy.spec as Obj).http as Obj[])[routeIndex]!.route as Obj[]) ?? [])
    for (const s of set) dests[s.destIndex]!.weight = s.value
    return dump(copy, {noRefs: true, lineWidth: -1})
  }
}
