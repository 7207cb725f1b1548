/**
 * Indexes over an Inventory, built once per inventory and shared by every analyzer, so that no
 * analyzer scans all resources per resource (maps by namespace, host and label).
 */
import {ISTIO_GROUP_OF, type Inventory, type ServiceInfo, type Workload} from '../model/inventory.js'
import {isObj, specOf, type Obj, type Resource, stringMap} from '../model/resource.js'
import {exportScope, type ExportScope, resolveHost, wildcardKeys} from './hosts.js'

export interface MeshService {
  info: ServiceInfo
  /** Fully qualified host (Service) or the host as written (ServiceEntry). */
  host: string
  namespace: string
  scope: ExportScope
  /** Service port numbers (Service `port`, ServiceEntry `number`). */
  ports: number[]
  fromServiceEntry: boolean
  /** The workloads behind it: Service selector or ServiceEntry workloadSelector; undefined when empty. */
  selector: Record<string, string> | undefined
}

export interface MeshIndex {
  inventory: Inventory
  /** Resources of a kind (Istio kinds only when their group matches). */
  kind(kind: string): readonly Resource[]
  ns(r: Resource): string
  /** Resolve a host written in namespace `ns`. */
  fqdn(host: string, ns: string): string
  /** Services (exact host or covering wildcard ServiceEntry) visible from `fromNs` (shared: do not mutate). */
  servicesFor(host: string, fromNs: string | null): readonly MeshService[]
  /** All services by exact host (no visibility filter). */
  readonly servicesByHost: ReadonlyMap<string, readonly MeshService[]>
  /** Gateways by `namespace/name`. */
  readonly gateways: ReadonlyMap<string, Resource>
  /** DestinationRules by resolved host (as written after resolution, wildcards kept). */
  readonly destinationRulesByHost: ReadonlyMap<string, readonly Resource[]>
  /** exportTo scope of a DestinationRule, VirtualService or ServiceEntry (computed once). */
  scopeOf(r: Resource): ExportScope
  /** Workloads matching every selector label, in `ns` (or anywhere when ns is null); shared: do not mutate. */
  selectWorkloads(selector: Record<string, string>, ns: string | null): readonly Workload[]
  workloadsIn(ns: string): readonly Workload[]
  /** True when some workload carries the label `key` (any value). */
  hasWorkloadLabel(key: string): boolean
  /** Resources by kind and `namespace/name` (Secrets, Namespaces, ...). */
  byName(kind: string, namespace: string, name: string): Resource | undefined
  /** Namespaces that exist as Namespace objects or hold any resource. */
  namespaces: ReadonlySet<string>
  /** `selector.matchLabels` of a security policy (AuthorizationPolicy, PeerAuthentication, ...), computed once. */
  policySelector(r: Resource): Record<string, string> | undefined
  /** A value derived from the inventory, computed on first use and shared by every analyzer. */
  memo<T>(key: string, make: () => T): T
}

const cache = new WeakMap<Inventory, MeshIndex>()

export function meshIndex(inv: Inventory): MeshIndex {
  let idx = cache.get(inv)
  if (!idx) {
    idx = new Index(inv)
    cache.set(inv, idx)
  }
  return idx
}


const NO_SERVICES: readonly MeshService[] = []
const NO_RESOURCES: readonly Resource[] = []
const NO_WORKLOADS: readonly Workload[] = []

/** label key → value → workloads (in inventory order). */
type LabelIndex = Map<string, Map<string, Workload[]>>

function labelIndexOf(workloads: readonly Workload[]): LabelIndex {
  const index: LabelIndex = new Map()
  for (const w of workloads) {
    const labels = w.labels
    for (const k of Object.keys(labels)) {
      const v = labels[k]!
      let byValue = index.get(k)
      if (!byValue) index.set(k, (byValue = new Map()))
      const list = byValue.get(v)
      if (list) list.push(w)
      else byValue.set(v, [w])
    }
  }
  return index
}

/**
 * Every part is built on first use, so analyzers that find nothing to check (no Gateways, no
 * selectors, ...) cost nothing beyond their own scan.
 */
class Index implements MeshIndex {
  readonly namespaces: ReadonlySet<string>
  private readonly domainSuffix: string
  private readonly kinds = new Map<string, readonly Resource[]>()
  private services?: Map<string, MeshService[]>
  /** Some service host is a wildcard (otherwise wildcard lookups cannot find anything). */
  private serviceWildcards = false
  private gatewayMap?: Map<string, Resource>
  private drsByHost?: Map<string, Resource[]>
  private byNs?: Map<string, Workload[]>
  private globalLabels?: LabelIndex
  private readonly nsLabels = new Map<string, Map<string, Map<string, readonly Workload[]>>>()
  private readonly selections = new Map<string, Workload[]>()
  private readonly scopes = new Map<Resource, ExportScope>()
  private readonly named = new Map<string, Map<string, Resource>>()
  private readonly memos = new Map<string, unknown>()
  private readonly fqdns = new Map<string, Map<string, string>>()
  private readonly policySelectors = new Map<Resource, Record<string, string> | undefined>()

  constructor(readonly inventory: Inventory) {
    this.namespaces = inventory.namespaces
    this.domainSuffix = inventory.domainSuffix
  }

  kind(k: string): readonly Resource[] {
    let list = this.kinds.get(k)
    if (!list) {
      const group = Object.prototype.hasOwnProperty.call(ISTIO_GROUP_OF, k) ? ISTIO_GROUP_OF[k] : undefined
      const prefiltered = group ? this.inventory.istioByKind : undefined
      if (prefiltered) list = prefiltered.get(k) ?? NO_RESOURCES
      else {
        const all = this.inventory.byKind.get(k) ?? NO_RESOURCES
        list = group ? all.filter((r) => r.apiVersion.startsWith(group)) : all
      }
      this.kinds.set(k, list)
    }
    return list
  }

  ns(r: Resource): string {
    return r.namespace ?? 'default'
  }

  fqdn(host: string, n: string): string {
    // Short names are resolved once per namespace: the same (flat, already hashed) string comes back,
    // which keeps the host lookups that follow cheap.
    if (host.includes('.')) return host
    let byHost = this.fqdns.get(n)
    if (!byHost) this.fqdns.set(n, (byHost = new Map()))
    let fq = byHost.get(host)
    if (fq === undefined) byHost.set(host, (fq = resolveHost(host, n, this.domainSuffix)))
    return fq
  }

  get servicesByHost(): ReadonlyMap<string, readonly MeshService[]> {
    return this.servicesMap()
  }

  private servicesMap(): Map<string, MeshService[]> {
    if (this.services) return this.services
    const services = new Map<string, MeshService[]>()
    for (const info of this.inventory.services) {
      const fromSE = info.resource.kind === 'ServiceEntry'
      const exportTo = fromSE ? stringList(specOf(info.resource).exportTo) : serviceExportTo(info.resource)
      // ServiceEntry hosts are resolved like any other host (a short name lives in the entry's namespace).
      const host = fromSE ? this.fqdn(info.host, info.namespace) : info.host
      const svc: MeshService = {
        info,
        host,
        namespace: info.namespace,
        scope: exportScope(exportTo, info.namespace),
        ports: info.ports.map((p) => p.port).filter((p) => Number.isFinite(p)),
        fromServiceEntry: fromSE,
        selector: hasKeys(info.selector) ? info.selector : undefined,
      }
      push(services, host, svc)
      if (host.startsWith('*')) this.serviceWildcards = true
    }
    return (this.services = services)
  }

  servicesFor(host: string, fromNs: string | null): readonly MeshService[] {
    const exact = this.servicesMap().get(host)
    if (exact) {
      if (fromNs === null) return exact
      // The exact list itself when every service is visible (the usual case), else the visible ones.
      let out: MeshService[] | undefined
      for (let i = 0; i < exact.length; i++) {
        const s = exact[i]!
        if (s.scope.visibleIn(fromNs)) out?.push(s)
        else out ??= exact.slice(0, i)
      }
      const visible = out ?? exact
      if (visible.length > 0) return visible
    }
    if (!this.serviceWildcards) return NO_SERVICES
    const out: MeshService[] = []
    for (const key of wildcardKeys(host)) {
      if (key === host) continue
      for (const s of this.services!.get(key) ?? []) if (s.fromServiceEntry && (fromNs === null || s.scope.visibleIn(fromNs))) out.push(s)
    }
    return out
  }

  get gateways(): ReadonlyMap<string, Resource> {
    if (!this.gatewayMap) {
      const gateways = new Map<string, Resource>()
      for (const g of this.kind('Gateway')) if (g.name) gateways.set(`${this.ns(g)}/${g.name}`, g)
      this.gatewayMap = gateways
    }
    return this.gatewayMap
  }

  get destinationRulesByHost(): ReadonlyMap<string, readonly Resource[]> {
    if (!this.drsByHost) {
      const byHost = new Map<string, Resource[]>()
      for (const dr of this.kind('DestinationRule')) {
        const host = specOf(dr).host
        if (typeof host === 'string') push(byHost, this.fqdn(host, this.ns(dr)), dr)
      }
      this.drsByHost = byHost
    }
    return this.drsByHost
  }

  scopeOf(r: Resource): ExportScope {
    let sc = this.scopes.get(r)
    if (!sc) this.scopes.set(r, (sc = exportScope(stringList(specOf(r).exportTo), this.ns(r))))
    return sc
  }

  workloadsIn(n: string): readonly Workload[] {
    if (!this.byNs) {
      const byNs = new Map<string, Workload[]>()
      for (const w of this.inventory.workloads) push(byNs, w.namespace, w)
      this.byNs = byNs
    }
    return this.byNs.get(n) ?? NO_WORKLOADS
  }

  /** Workloads with label k=v, anywhere (ns null) or in one namespace (memoized per namespace on demand). */
  private labeled(n: string | null, k: string, v: string): readonly Workload[] {
    const all = (this.globalLabels ??= labelIndexOf(this.inventory.workloads)).get(k)?.get(v) ?? NO_WORKLOADS
    if (n === null) return all
    let byKey = this.nsLabels.get(n)
    if (!byKey) this.nsLabels.set(n, (byKey = new Map()))
    let byValue = byKey.get(k)
    if (!byValue) byKey.set(k, (byValue = new Map()))
    let list = byValue.get(v)
    if (!list) {
      // (the global list is in inventory order, so is the namespace's part of it)
      let inNs = 0
      for (const w of all) if (w.namespace === n) inNs++
      list = inNs === all.length ? all : inNs === 0 ? NO_WORKLOADS : all.filter((w) => w.namespace === n)
      byValue.set(v, list)
    }
    return list
  }

  hasWorkloadLabel(key: string): boolean {
    return (this.globalLabels ??= labelIndexOf(this.inventory.workloads)).has(key)
  }

  selectWorkloads(selector: Record<string, string>, n: string | null): readonly Workload[] {
    const keys = Object.keys(selector)
    if (keys.length === 0) return n === null ? this.inventory.workloads : this.workloadsIn(n)
    if (keys.length === 1) {
      const v = selector[keys[0]!]
      if (typeof v === 'string') return this.labeled(n, keys[0]!, v)
    }
    // Several labels: start from the shortest label list (each list is memoized).
    let candidates: readonly Workload[] = this.labeledOrNone(n, keys[0]!, selector[keys[0]!])
    for (let i = 1; i < keys.length && candidates.length > 0; i++) {
      const list = this.labeledOrNone(n, keys[i]!, selector[keys[i]!])
      if (list.length < candidates.length) candidates = list
    }
    if (candidates.length === 0) return NO_WORKLOADS
    // A short list is filtered at once; a long one is filtered once per distinct selector (policies share selectors).
    if (candidates.length <= SHORT_SELECTION) return candidates.filter((w) => matchesAll(w.labels, selector, keys))
    const key = `${n ?? ''}\u0001${keys.map((k) => `${k}\u0000${selector[k]}`).sort().join('\u0001')}`
    const memo = this.selections.get(key)
    if (memo) return memo
    const out = candidates.filter((w) => matchesAll(w.labels, selector, keys))
    this.selections.set(key, out)
    return out
  }

  private labeledOrNone(n: string | null, k: string, v: unknown): readonly Workload[] {
    return typeof v === 'string' ? this.labeled(n, k, v) : NO_WORKLOADS
  }

  // Lookups by name, built per kind on first use (only a few kinds are looked up by name).
  byName(k: string, n: string, name: string): Resource | undefined {
    let m = this.named.get(k)
    if (!m) {
      m = new Map()
      for (const r of this.inventory.byKind.get(k) ?? []) if (r.name) m.set(`${k === 'Namespace' || k === 'Node' ? '' : this.ns(r)}\u0000${r.name}`, r)
      this.named.set(k, m)
    }
    return m.get(`${k === 'Namespace' || k === 'Node' ? '' : n}\u0000${name}`)
  }

  policySelector(r: Resource): Record<string, string> | undefined {
    if (this.policySelectors.has(r)) return this.policySelectors.get(r)
    const sel = matchLabels(specOf(r), 'selector')
    this.policySelectors.set(r, sel)
    return sel
  }

  memo<T>(key: string, make: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T
    const v = make()
    this.memos.set(key, v)
    return v
  }
}

/** Selections from at most this many candidate workloads are not memoized (filtering them is cheaper). */
const SHORT_SELECTION = 16

function matchesAll(labels: Record<string, string>, selector: Record<string, string>, keys: readonly string[]): boolean {
  for (const k of keys) if (labels[k] !== selector[k]) return false
  return true
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}

function serviceExportTo(r: Resource): string[] | undefined {
  const a = r.annotations['networking.istio.io/exportTo']
  return a === undefined ? undefined : a.split(',').map((s) => s.trim()).filter(Boolean)
}

/** The strings of an array (the array itself when it holds only strings: do not mutate), or undefined. */
export function stringList(v: unknown): readonly string[] | undefined {
  if (!Array.isArray(v)) return undefined
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return v.filter((x): x is string => typeof x === 'string')
  return v as string[]
}

export {stringMap}

const NO_OBJS: readonly Obj[] = []

/** The objects of an array (the array itself when it holds only objects: do not mutate), else none. */
export function objList(v: unknown): readonly Obj[] {
  if (!Array.isArray(v)) return NO_OBJS
  for (let i = 0; i < v.length; i++) if (!isObj(v[i])) return v.filter(isObj)
  return v as Obj[]
}

export function asObj(v: unknown): Obj {
  return isObj(v) ? v : {}
}

/** `selector.matchLabels` (security kinds) or `workloadSelector.labels` (Sidecar, DR). */
export function matchLabels(spec: Obj, field: 'selector' | 'workloadSelector'): Record<string, string> | undefined {
  const sel = spec[field]
  if (!isObj(sel)) return undefined
  return stringMap(field === 'selector' ? sel.matchLabels : sel.labels)
}

/** True when the object has an own enumerable key (`Object.keys(o).length > 0` without the array). */
export function hasKeys(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true
  return false
}

export function labelText(sel: Record<string, string>): string {
  const keys = Object.keys(sel)
  if (keys.length === 1) return `${keys[0]!}=${sel[keys[0]!]!}`
  return Object.entries(sel)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}

/** A short list of names for messages: the first few, then "and others" (bounded memory and text). */
export class NameList {
  private readonly names = new Set<string>()
  private more = false
  constructor(private readonly max = 5) {}

  add(name: string): void {
    if (this.names.has(name)) return
    if (this.names.size < this.max) this.names.add(name)
    else this.more = true
  }

  get size(): number {
    return this.names.size
  }

  /** True once the list shows its maximum and knows there are more: adding changes nothing. */
  get full(): boolean {
    return this.more
  }

  toString(): string {
    return [...this.names].sort().join(', ') + (this.more ? ' and others' : '')
  }
}
