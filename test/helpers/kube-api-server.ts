/**
 * TEST STAND-IN for the Kubernetes API server. It is NOT a Kubernetes API server.
 *
 * An in-process HTTPS server that imitates the wire behaviour of kube-apiserver closely
 * enough for cleat's online code paths (VM onboarding, canary traffic shifting) to be
 * tested without a cluster:
 *   - TLS with a CA generated at start by the openssl CLI (SAN IP 127.0.0.1), a kubeconfig written to a temp dir;
 *   - bearer-token authentication (401 `Status`), a configurable RBAC deny list (403 `Status`);
 *   - get / list (labelSelector, fieldSelector on metadata.name|namespace) / create / update /
 *     patch (JSON Patch RFC 6902, merge patch RFC 7386) / delete, with a single monotonically
 *     increasing resourceVersion, uid and creationTimestamp, and `Status` errors shaped the
 *     way k8s.io/apimachinery builds them (NotFound, AlreadyExists, Conflict, Invalid, ...);
 *   - the TokenRequest subresource issuing real ES256-signed service-account JWTs, and a
 *     TokenReview-like `verifyToken()` that rejects tokens whose bound object is gone.
 *
 * Deliberate simplifications (documented in docs/kube.md): no watch, no server-side apply,
 * strategic merge patch on built-in kinds is treated as a JSON merge patch, namespace deletion
 * is immediate (no Terminating phase), no admission/validation beyond what is listed here.
 */
import {createHash, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, verify, type KeyObject} from 'node:crypto'
import {execFile} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {dump} from 'js-yaml'
import {promisify} from 'node:util'

const execFileAsync = promisify(execFile)

// ---------------------------------------------------------------------------------------------
// Types

export type Json = null | boolean | number | string | Json[] | {[k: string]: Json}
export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: {
    name: string
    namespace?: string
    uid?: string
    resourceVersion?: string
    creationTimestamp?: string
    generation?: number
    labels?: Record<string, string>
    annotations?: Record<string, string>
    generateName?: string
    [k: string]: unknown
  }
  [k: string]: unknown
}

export interface ResourceDef {
  group: string
  /** Versions served; the first is the storage/preferred version. */
  versions: string[]
  plural: string
  kind: string
  namespaced: boolean
  /** Built-in kinds omit apiVersion/kind on list items and reject no patch types; custom resources keep them. */
  custom: boolean
}

export const RESOURCES: readonly ResourceDef[] = [
  {group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace', namespaced: false, custom: false},
  {group: '', versions: ['v1'], plural: 'configmaps', kind: 'ConfigMap', namespaced: true, custom: false},
  {group: '', versions: ['v1'], plural: 'secrets', kind: 'Secret', namespaced: true, custom: false},
  {group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true, custom: false},
  {group: '', versions: ['v1'], plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, custom: false},
  {group: '', versions: ['v1'], plural: 'pods', kind: 'Pod', namespaced: true, custom: false},
  {group: 'coordination.k8s.io', versions: ['v1'], plural: 'leases', kind: 'Lease', namespaced: true, custom: false},
  ...(['virtualservices:VirtualService', 'destinationrules:DestinationRule', 'workloadentries:WorkloadEntry', 'workloadgroups:WorkloadGroup'].map((s) => {
    const [plural, kind] = s.split(':') as [string, string]
    return {group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural, kind, namespaced: true, custom: true}
  })),
]

/** A rule of the RBAC deny list. Every given field must match; omitted fields match anything. */
export interface DenyRule {
  verb?: string | string[]
  /** Plural resource name, e.g. `configmaps`, or `serviceaccounts/token` for the TokenRequest subresource. */
  resource?: string
  group?: string
  namespace?: string
  name?: string
  /** User name as authenticated (see `users`). */
  user?: string
}

/**
 * Makes the next matching request(s) slow and/or fail: with `delayMs` the answer is held back that
 * long (a hung API server when larger than the client's timeout); with `code` the request fails with
 * a Status of that code instead of being served.
 */
export interface FaultRule extends Omit<DenyRule, 'user'> {
  code?: number
  delayMs?: number
  reason?: string
  message?: string
  /** How many requests to fail; default 1. `Infinity` for all. */
  times?: number
}

export interface RequestRecord {
  seq: number
  method: string
  path: string
  query: Record<string, string>
  /** Kubernetes verb: get, list, create, update, patch, delete (or 'discovery' / 'unknown'). */
  verb: string
  group: string
  resource: string
  subresource?: string
  namespace?: string
  name?: string
  contentType?: string
  user?: string
  body?: unknown
  status: number
}

export interface TokenReviewResult {
  authenticated: boolean
  error?: string
  user?: {username: string; uid: string; groups: string[]; extra?: Record<string, string[]>}
  audiences?: string[]
  claims?: Record<string, unknown>
}

export interface KubeApiServerOptions {
  /** Extra namespaces to create at start (default, kube-system, kube-public, istio-system and `other` always exist). */
  namespaces?: string[]
  /** Objects to seed at start (same as calling state.put for each). */
  objects?: KubeObject[]
  /** Issuer of service-account tokens (default https://kubernetes.default.svc.cluster.local). */
  issuer?: string
  /** Default audiences of tokens when a TokenRequest gives none (default [issuer]). */
  apiAudiences?: string[]
}

export interface KubeState {
  /** Current value of the global resourceVersion counter. */
  readonly resourceVersion: number
  /** A deep copy of a stored object, or undefined. `resource` is `plural` or `plural.group` (as kubectl spells it). */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined
  /** Deep copies of stored objects, sorted by namespace then name. */
  list(resource: string, namespace?: string): KubeObject[]
  /**
   * Seeds or overwrites an object directly (no auth, not logged). The resource is inferred from
   * apiVersion + kind. Fills uid / creationTimestamp when missing and always assigns a new
   * resourceVersion. Creates the namespace if needed. Returns a copy of what was stored.
   */
  put(obj: KubeObject): KubeObject
  /** Removes an object directly; returns whether it existed. */
  delete(resource: string, namespace: string | undefined, name: string): boolean
}

export interface KubeApiServer {
  url: string
  caPem: string
  /** Bearer token of the `test` user (context `test`). */
  token: string
  /** Bearer token of the `other` user (context `other`). */
  otherToken: string
  /** User names the two tokens authenticate as. */
  users: {test: string; other: string}
  kubeconfigPath: string
  tmpDir: string
  issuer: string
  /** PEM (SPKI) of the key that signs service-account tokens. */
  serviceAccountPublicKeyPem: string
  state: KubeState
  /** Every API request seen, in order (after authentication). */
  requests: RequestRecord[]
  /** Requests with a write verb (create, update, patch, delete), optionally filtered. */
  writes(filter?: Partial<Pick<RequestRecord, 'verb' | 'resource' | 'namespace' | 'name' | 'group'>>): RequestRecord[]
  clearRequests(): void
  setRbacDeny(rules: DenyRule[]): void
  injectFault(rule: FaultRule): void
  clearFaults(): void
  /** TokenReview-like check of a service-account token issued by this server. */
  verifyToken(token: string, opts?: {audiences?: string[]}): TokenReviewResult
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Status objects, shaped as k8s.io/apimachinery/pkg/api/errors builds them.

interface StatusDetails {name?: string; group?: string; kind?: string; uid?: string; causes?: {reason?: string; message?: string; field?: string}[]; retryAfterSeconds?: number}

class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusDetails) {
    super(message)
  }
  toStatus(): Record<string, unknown> {
    const s: Record<string, unknown> = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason}
    if (this.details) s.details = stripEmpty(this.details)
    s.code = this.code
    if (this.reason === '') delete s.reason
    return s
  }
}

function stripEmpty(d: StatusDetails): StatusDetails {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(d)) if (v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) out[k] = v
  return out as StatusDetails
}

/** `configmaps` or `virtualservices.networking.istio.io` (GroupResource.String()). */
function grString(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource
}

const errs = {
  notFound: (group: string, resource: string, name: string) =>
    new StatusError(404, 'NotFound', `${grString(group, resource)} "${name}" not found`, {name, group, kind: resource}),
  alreadyExists: (group: string, resource: string, name: string) =>
    new StatusError(409, 'AlreadyExists', `${grString(group, resource)} "${name}" already exists`, {name, group, kind: resource}),
  conflict: (group: string, resource: string, name: string, why: string) =>
    new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${grString(group, resource)} "${name}": ${why}`, {name, group, kind: resource}),
  modified: (group: string, resource: string, name: string) =>
    errs.conflict(group, resource, name, 'the object has been modified; please apply your changes to the latest version and try again'),
  badRequest: (message: string) => new StatusError(400, 'BadRequest', message),
  invalid: (group: string, kind: string, name: string, causes: {field: string; message: string; reason?: string}[]) =>
    new StatusError(
      422,
      'Invalid',
      `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      {name, group, kind, causes: causes.map((c) => ({reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field}))},
    ),
  forbidden: (group: string, resource: string, name: string | undefined, message: string) =>
    new StatusError(403, 'Forbidden', name ? `${grString(group, resource)} "${name}" is forbidden: ${message}` : `${grString(group, resource)} is forbidden: ${message}`, {name, group, kind: resource}),
  unauthorized: () => new StatusError(401, 'Unauthorized', 'Unauthorized'),
  methodNotAllowed: () => new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  unsupportedMediaType: (ct: string) => new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${ct || 'none'})`),
  /** What the API server answers when a JSON Patch cannot be applied (including a failed `test`). */
  patchNotApplicable: () => new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}),
}

// ---------------------------------------------------------------------------------------------
// JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386)

function clone<T>(v: T): T {
  return structuredClone(v)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]))
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const ak = Object.keys(ao)
  const bk = Object.keys(bo)
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]))
}

class PatchApplyError extends Error {}
class PatchDecodeError extends Error {}

function parsePointer(p: string): string[] {
  if (p === '') return []
  if (!p.startsWith('/')) throw new PatchApplyError(`invalid JSON pointer ${JSON.stringify(p)}`)
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function arrayIndex(arr: unknown[], tok: string, forAdd: boolean): number {
  if (forAdd && tok === '-') return arr.length
  if (!/^(0|[1-9][0-9]*)$/.test(tok)) throw new PatchApplyError(`invalid array index ${JSON.stringify(tok)}`)
  const i = Number(tok)
  if (forAdd ? i > arr.length : i >= arr.length) throw new PatchApplyError(`array index ${i} out of bounds`)
  return i
}

function resolveParent(doc: unknown, tokens: string[], op: string, path: string): unknown {
  let cur = doc
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false)]
    else if (cur !== null && typeof cur === 'object' && Object.hasOwn(cur, t)) cur = (cur as Record<string, unknown>)[t]
    else throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
  }
  if (cur === null || typeof cur !== 'object') throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
  return cur
}

function getAt(doc: unknown, path: string, op: string): unknown {
  const tokens = parsePointer(path)
  if (tokens.length === 0) return doc
  const parent = resolveParent(doc, tokens, op, path)
  const last = tokens[tokens.length - 1]!
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false)]
  if (!Object.hasOwn(parent as object, last)) throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
  return (parent as Record<string, unknown>)[last]
}

function removeAt(doc: unknown, path: string, op: string): {doc: unknown; removed: unknown} {
  const tokens = parsePointer(path)
  if (tokens.length === 0) throw new PatchApplyError(`${op} operation does not apply: cannot remove the whole document`)
  const parent = resolveParent(doc, tokens, op, path)
  const last = tokens[tokens.length - 1]!
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last, false)
    return {doc, removed: parent.splice(i, 1)[0]}
  }
  if (!Object.hasOwn(parent as object, last)) throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
  const removed = (parent as Record<string, unknown>)[last]
  delete (parent as Record<string, unknown>)[last]
  return {doc, removed}
}

function addAt(doc: unknown, path: string, value: unknown, op: string, replace = false): unknown {
  const tokens = parsePointer(path)
  if (tokens.length === 0) return value
  const parent = resolveParent(doc, tokens, op, path)
  const last = tokens[tokens.length - 1]!
  if (Array.isArray(parent)) {
    if (replace) parent[arrayIndex(parent, last, false)] = value
    else parent.splice(arrayIndex(parent, last, true), 0, value)
  } else {
    if (replace && !Object.hasOwn(parent as object, last)) throw new PatchApplyError(`replace operation does not apply: doc is missing key: ${path}`)
    ;(parent as Record<string, unknown>)[last] = value
  }
  return doc
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test'
  path: string
  from?: string
  value?: unknown
}

function decodeJsonPatch(body: unknown): JsonPatchOp[] {
  if (!Array.isArray(body)) throw new PatchDecodeError('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
  for (const op of body) {
    if (op === null || typeof op !== 'object') throw new PatchDecodeError('json: cannot unmarshal into jsonpatch.Operation')
    const o = op as Record<string, unknown>
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(String(o.op))) throw new PatchDecodeError(`Unexpected kind: ${String(o.op)}`)
    if (typeof o.path !== 'string') throw new PatchDecodeError(`${String(o.op)} operation missing path`)
    if ((o.op === 'move' || o.op === 'copy') && typeof o.from !== 'string') throw new PatchDecodeError(`${String(o.op)} operation missing from`)
    if ((o.op === 'add' || o.op === 'replace' || o.op === 'test') && !Object.hasOwn(o, 'value')) throw new PatchDecodeError(`${String(o.op)} operation missing value`)
  }
  return body as JsonPatchOp[]
}

/** Applies RFC 6902 operations to a copy of `doc`; throws PatchApplyError, leaving `doc` untouched. */
export function applyJsonPatch<T>(doc: T, ops: JsonPatchOp[]): T {
  let out: unknown = clone(doc)
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        out = addAt(out, op.path, clone(op.value), 'add')
        break
      case 'remove':
        out = removeAt(out, op.path, 'remove').doc
        break
      case 'replace':
        getAt(out, op.path, 'replace')
        out = addAt(out, op.path, clone(op.value), 'replace', true)
        break
      case 'move': {
        if (op.path.startsWith(op.from! + '/')) throw new PatchApplyError('move operation does not apply: cannot move into a child of the source')
        const r = removeAt(out, op.from!, 'move')
        out = addAt(r.doc, op.path, r.removed, 'move')
        break
      }
      case 'copy':
        out = addAt(out, op.path, clone(getAt(out, op.from!, 'copy')), 'copy')
        break
      case 'test': {
        // As in the json-patch library the API server uses (evanphx/json-patch v4): the parent must
        // exist; a missing member compares equal to `null`, so `{op: test, value: null}` asserts absence.
        const tokens = parsePointer(op.path)
        let actual: unknown = null
        if (tokens.length === 0) actual = out
        else {
          const parent = resolveParent(out, tokens, 'test', op.path)
          const last = tokens[tokens.length - 1]!
          if (Array.isArray(parent)) actual = parent[arrayIndex(parent, last, false)]
          else if (Object.hasOwn(parent as object, last)) actual = (parent as Record<string, unknown>)[last]
        }
        if (!deepEqual(actual, op.value)) throw new PatchApplyError(`testing value ${op.path} failed: test failed`)
        break
      }
    }
  }
  return out as T
}

/** RFC 7386. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch)
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? clone(target as Record<string, unknown>) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = applyMergePatch(out[k], v)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Label selectors

type Requirement = {key: string; op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists'; values: string[]}

function splitTopLevel(s: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur.trim() !== '') parts.push(cur)
  return parts.map((p) => p.trim()).filter((p) => p !== '')
}

export function parseLabelSelector(sel: string): Requirement[] {
  const reqs: Requirement[] = []
  for (const part of splitTopLevel(sel)) {
    let m: RegExpMatchArray | null
    if ((m = part.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      reqs.push({key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '')})
    } else if ((m = part.match(/^([\w./-]+)\s*(!=|==|=)\s*([\w.-]*)$/))) {
      reqs.push({key: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]!]})
    } else if ((m = part.match(/^!\s*([\w./-]+)$/))) {
      reqs.push({key: m[1]!, op: 'notexists', values: []})
    } else if ((m = part.match(/^([\w./-]+)$/))) {
      reqs.push({key: m[1]!, op: 'exists', values: []})
    } else {
      throw errs.badRequest(`unable to parse requirement: ${JSON.stringify(part)}`)
    }
  }
  return reqs
}

function matchesLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {}
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key)
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.values[0]
      case 'neq':
        return !has || l[r.key] !== r.values[0]
      case 'in':
        return has && r.values.includes(l[r.key]!)
      case 'notin':
        return !has || !r.values.includes(l[r.key]!)
      case 'exists':
        return has
      case 'notexists':
        return !has
    }
  })
}

function matchesFields(sel: string, obj: KubeObject): boolean {
  for (const part of splitTopLevel(sel)) {
    const m = part.match(/^([\w.]+)\s*(!=|==|=)\s*(.*)$/)
    if (!m) throw errs.badRequest(`invalid field selector: ${JSON.stringify(part)}`)
    const field = m[1]!
    let actual: string | undefined
    if (field === 'metadata.name') actual = obj.metadata.name
    else if (field === 'metadata.namespace') actual = obj.metadata.namespace ?? ''
    else throw errs.badRequest(`field label not supported: ${field}`)
    const eq = actual === m[3]
    if (m[2] === '!=' ? eq : !eq) return false
  }
  return true
}

// ---------------------------------------------------------------------------------------------
// TLS material

/** CA + server certificate (ECDSA P-256, SAN IP 127.0.0.1 and DNS localhost) made with the real openssl CLI. */
async function makeTlsMaterial(dir: string): Promise<{caPem: string; certPem: string; keyPem: string}> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-sha256']
  const ca = join(dir, 'ca.crt')
  const caKey = join(dir, 'ca.key')
  const crt = join(dir, 'apiserver.crt')
  const key = join(dir, 'apiserver.key')
  await execFileAsync('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', ca, '-subj', '/CN=cleat-test-kube-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'])
  await execFileAsync('openssl', ['req', '-x509', ...ec, '-keyout', key, '-out', crt, '-subj', '/CN=kube-apiserver', '-CA', ca, '-CAkey', caKey,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', '-addext', 'extendedKeyUsage=serverAuth'])
  const [caPem, certPem, keyPem] = await Promise.all([readFile(ca, 'utf8'), readFile(crt, 'utf8'), readFile(key, 'utf8')])
  await rm(caKey)
  return {caPem, certPem, keyPem}
}

// ---------------------------------------------------------------------------------------------
// JWT (ES256, as kube-apiserver issues with an ECDSA service-account key)

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url')

function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const header = {alg: 'ES256', kid}
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`
  const sig = sign('sha256', Buffer.from(input), {key, dsaEncoding: 'ieee-p1363'})
  return `${input}.${b64u(sig)}`
}

// ---------------------------------------------------------------------------------------------
// The server

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete'])

function findResource(group: string, version: string | undefined, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.plural === plural && (version === undefined || r.versions.includes(version)))
}

function resourceFromKey(key: string): ResourceDef {
  const dot = key.indexOf('.')
  const plural = dot < 0 ? key : key.slice(0, dot)
  const group = dot < 0 ? '' : key.slice(dot + 1)
  const def = findResource(group, undefined, plural)
  if (!def) throw new Error(`kube test server: unknown resource ${key}`)
  return def
}

function resourceFromObject(obj: KubeObject): ResourceDef {
  const apiVersion = obj.apiVersion ?? ''
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion]
  const def = RESOURCES.find((r) => r.group === group && r.kind === obj.kind && r.versions.includes(version))
  if (!def) throw new Error(`kube test server: unsupported apiVersion/kind ${apiVersion}/${String(obj.kind)}`)
  return def
}

function apiVersionOf(def: ResourceDef, version?: string): string {
  const v = version ?? def.versions[0]!
  return def.group ? `${def.group}/${v}` : v
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function randomSuffix(n: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  let s = ''
  for (const b of randomBytes(n)) s += alphabet[b % alphabet.length]
  return s
}

interface Parsed {
  def?: ResourceDef
  version?: string
  namespace?: string
  name?: string
  subresource?: string
  discovery?: unknown
}

export async function startKubeApiServer(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'cleat-kube-'))
  const tls = await makeTlsMaterial(tmpDir)
  const token = `test-${randomBytes(16).toString('hex')}`
  const otherToken = `other-${randomBytes(16).toString('hex')}`
  const users = {test: 'cleat-tester', other: 'other-tester'}
  const staticTokens = new Map([
    [token, users.test],
    [otherToken, users.other],
  ])
  const issuer = opts.issuer ?? 'https://kubernetes.default.svc.cluster.local'
  const apiAudiences = opts.apiAudiences ?? [issuer]
  const saKeys = generateKeyPairSync('ec', {namedCurve: 'P-256'})
  const saPublicDer = saKeys.publicKey.export({format: 'der', type: 'spki'})
  const kid = b64u(createHash('sha256').update(saPublicDer).digest())
  const serviceAccountPublicKeyPem = saKeys.publicKey.export({format: 'pem', type: 'spki'}).toString()

  // ---- storage
  let rv = 0
  const store = new Map<string, KubeObject>()
  const keyOf = (def: ResourceDef, ns: string | undefined, name: string) => `${def.group}/${def.plural}/${def.namespaced ? ns ?? '' : ''}/${name}`
  let denyRules: DenyRule[] = []
  let faults: (FaultRule & {left: number})[] = []
  const requests: RequestRecord[] = []
  let seq = 0

  const nsDef = findResource('', 'v1', 'namespaces')!

  function stamp(def: ResourceDef, obj: KubeObject, existing?: KubeObject): KubeObject {
    obj.apiVersion = apiVersionOf(def)
    obj.kind = def.kind
    obj.metadata.uid = existing?.metadata.uid ?? obj.metadata.uid ?? randomUUID()
    obj.metadata.creationTimestamp = existing?.metadata.creationTimestamp ?? obj.metadata.creationTimestamp ?? nowIso()
    if (def.custom) {
      const specOf = (o: KubeObject) => JSON.stringify({...o, metadata: undefined, status: undefined})
      obj.metadata.generation = existing ? (existing.metadata.generation ?? 1) + (specOf(existing) === specOf(obj) ? 0 : 1) : 1
    }
    if (def.plural === 'namespaces') obj.status = {phase: 'Active'}
    obj.metadata.resourceVersion = String(++rv)
    return obj
  }

  function ensureNamespace(name: string) {
    const k = keyOf(nsDef, undefined, name)
    if (!store.has(k)) store.set(k, stamp(nsDef, {metadata: {name, labels: {'kubernetes.io/metadata.name': name}}}))
  }
  for (const ns of ['default', 'kube-system', 'kube-public', 'istio-system', 'other', ...(opts.namespaces ?? [])]) ensureNamespace(ns)

  const state: KubeState = {
    get resourceVersion() {
      return rv
    },
    get(resource, namespace, name) {
      const def = resourceFromKey(resource)
      const o = store.get(keyOf(def, namespace, name))
      return o ? objectView(def, undefined, o) : undefined
    },
    list(resource, namespace) {
      const def = resourceFromKey(resource)
      return sortedItems(def, namespace).map((o) => objectView(def, undefined, o))
    },
    put(obj) {
      const def = resourceFromObject(obj)
      const o = clone(obj)
      if (def.namespaced) {
        o.metadata.namespace ??= 'default'
        ensureNamespace(o.metadata.namespace)
      }
      const k = keyOf(def, o.metadata.namespace, o.metadata.name)
      stamp(def, o, store.get(k))
      store.set(k, o)
      return objectView(def, undefined, o)
    },
    delete(resource, namespace, name) {
      const def = resourceFromKey(resource)
      const existed = store.delete(keyOf(def, namespace, name))
      if (existed) ++rv
      return existed
    },
  }
  for (const o of opts.objects ?? []) state.put(o)

  function sortedItems(def: ResourceDef, namespace: string | undefined): KubeObject[] {
    const prefix = def.namespaced && namespace !== undefined ? `${def.group}/${def.plural}/${namespace}/` : `${def.group}/${def.plural}/`
    return [...store.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v)
  }

  // ---- tokens
  function verifyToken(tok: string, vopts: {audiences?: string[]} = {}): TokenReviewResult {
    const fail = (error: string): TokenReviewResult => ({authenticated: false, error})
    const parts = tok.split('.')
    if (parts.length !== 3) return fail('token is not a JWT')
    let header: Record<string, unknown>
    let claims: Record<string, unknown>
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'))
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'))
    } catch {
      return fail('token is malformed')
    }
    if (header.alg !== 'ES256') return fail(`unexpected signing algorithm ${String(header.alg)}`)
    let ok = false
    try {
      ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), {key: createPublicKey(serviceAccountPublicKeyPem), dsaEncoding: 'ieee-p1363'}, Buffer.from(parts[2]!, 'base64url'))
    } catch {
      ok = false
    }
    if (!ok) return fail('invalid signature')
    if (claims.iss !== issuer) return fail('token issuer is not trusted')
    const now = Math.floor(Date.now() / 1000)
    if (typeof claims.exp !== 'number' || now > claims.exp) return fail('token has expired')
    if (typeof claims.nbf === 'number' && now < claims.nbf) return fail('token is not valid yet')
    const aud = Array.isArray(claims.aud) ? (claims.aud as string[]) : typeof claims.aud === 'string' ? [claims.aud] : []
    const wanted = vopts.audiences ?? apiAudiences
    const audiences = aud.filter((a) => wanted.includes(a))
    if (audiences.length === 0) return fail('token audiences ' + JSON.stringify(aud) + ' is invalid for the target audiences ' + JSON.stringify(wanted))
    const k8s = claims['kubernetes.io'] as {namespace: string; serviceaccount: {name: string; uid: string}; secret?: {name: string; uid: string}; pod?: {name: string; uid: string}} | undefined
    if (!k8s || typeof k8s.namespace !== 'string' || typeof k8s.serviceaccount?.name !== 'string') return fail('token has no kubernetes.io claims')
    const sa = store.get(keyOf(findResource('', 'v1', 'serviceaccounts')!, k8s.namespace, k8s.serviceaccount.name))
    // Same checks and messages as kube-apiserver's service-account token validator.
    if (!sa) return fail(`serviceaccount "${k8s.serviceaccount.name}" not found`)
    if (sa.metadata.uid !== k8s.serviceaccount.uid) return fail(`service account UID (${String(sa.metadata.uid)}) does not match claim (${k8s.serviceaccount.uid})`)
    for (const [what, ref] of [
      ['secret', k8s.secret],
      ['pod', k8s.pod],
    ] as const) {
      if (!ref) continue
      const obj = store.get(keyOf(findResource('', 'v1', `${what}s`)!, k8s.namespace, ref.name))
      if (!obj) return fail('service account token has been invalidated')
      if (obj.metadata.uid !== ref.uid) return fail(`${what} UID (${String(obj.metadata.uid)}) does not match service account ${what} ref claim (${ref.uid})`)
    }
    const extra: Record<string, string[]> = {}
    if (k8s.pod) extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name]
    if (k8s.pod) extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid]
    if (typeof claims.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`]
    return {
      authenticated: true,
      user: {
        username: `system:serviceaccount:${k8s.namespace}:${k8s.serviceaccount.name}`,
        uid: k8s.serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s.namespace}`, 'system:authenticated'],
        ...(Object.keys(extra).length ? {extra} : {}),
      },
      audiences,
      claims,
    }
  }

  function tokenRequest(ns: string, saName: string, body: Record<string, unknown>): {code: number; body: unknown} {
    const saDef = findResource('', 'v1', 'serviceaccounts')!
    const sa = store.get(keyOf(saDef, ns, saName))
    if (!sa) throw errs.notFound('', 'serviceaccounts', saName)
    if (body.kind !== undefined && body.kind !== 'TokenRequest') throw errs.badRequest(`TokenRequest in version "v1" cannot be handled as a ${String(body.kind)}`)
    const spec = (body.spec ?? {}) as {audiences?: string[]; expirationSeconds?: number; boundObjectRef?: {kind?: string; apiVersion?: string; name?: string; uid?: string}}
    const expirationSeconds = spec.expirationSeconds ?? 3600
    const causes: {field: string; message: string}[] = []
    if (expirationSeconds < 600) causes.push({field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`})
    if (expirationSeconds > 2 ** 32) causes.push({field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`})
    if (causes.length) throw errs.invalid('authentication.k8s.io', 'TokenRequest', saName, causes)
    const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : apiAudiences
    const k8s: Record<string, unknown> = {namespace: ns, serviceaccount: {name: saName, uid: sa.metadata.uid}}
    const ref = spec.boundObjectRef
    if (ref) {
      const apiVersion = ref.apiVersion ?? ''
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : ''
      let plural: 'secrets' | 'pods'
      if (group === '' && ref.kind === 'Secret') plural = 'secrets'
      else if (group === '' && ref.kind === 'Pod') plural = 'pods'
      else {
        const version = apiVersion.includes('/') ? apiVersion.split('/')[1]! : apiVersion
        throw errs.badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${String(ref.kind ?? '')}`)
      }
      const target = store.get(keyOf(findResource('', 'v1', plural)!, ns, ref.name ?? ''))
      if (!target) throw errs.notFound('', plural, ref.name ?? '')
      if (plural === 'pods') {
        const podSa = ((target.spec ?? {}) as {serviceAccountName?: string}).serviceAccountName
        if (podSa !== saName) throw errs.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`)
      }
      if (ref.uid && ref.uid !== target.metadata.uid) {
        throw errs.conflict('', String(ref.kind), ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`)
      }
      k8s[plural === 'secrets' ? 'secret' : 'pod'] = {name: target.metadata.name, uid: target.metadata.uid}
    }
    const iat = Math.floor(Date.now() / 1000)
    const exp = iat + expirationSeconds
    const claims = {aud: audiences, exp, iat, iss: issuer, jti: randomUUID(), 'kubernetes.io': k8s, nbf: iat, sub: `system:serviceaccount:${ns}:${saName}`}
    const jwt = signJwt(claims, saKeys.privateKey, kid)
    return {
      code: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {name: saName, namespace: ns, creationTimestamp: null},
        spec: {audiences, expirationSeconds, boundObjectRef: ref ?? null},
        status: {token: jwt, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')},
      },
    }
  }

  // ---- request handling
  function parsePath(path: string): Parsed {
    const seg = path.split('/').filter((s) => s !== '').map(decodeURIComponent)
    if (seg.length === 0) return {discovery: {paths: ['/api', '/api/v1', '/apis', '/version', ...[...new Set(RESOURCES.filter((r) => r.group).map((r) => `/apis/${r.group}`))]]}}
    if (seg[0] === 'version' && seg.length === 1) return {discovery: {major: '1', minor: '33', gitVersion: 'v1.33.0-cleat-test', platform: 'linux/amd64'}}
    let group: string
    let version: string | undefined
    let rest: string[]
    if (seg[0] === 'api') {
      if (seg.length === 1) return {discovery: {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1'}]}}
      group = ''
      version = seg[1]
      rest = seg.slice(2)
    } else if (seg[0] === 'apis') {
      if (seg.length === 1) {
        const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))]
        return {
          discovery: {
            kind: 'APIGroupList',
            apiVersion: 'v1',
            groups: groups.map((g) => {
              const versions = RESOURCES.find((r) => r.group === g)!.versions
              return {name: g, versions: versions.map((v) => ({groupVersion: `${g}/${v}`, version: v})), preferredVersion: {groupVersion: `${g}/${versions[0]}`, version: versions[0]}}
            }),
          },
        }
      }
      if (seg.length < 3) throw errs.notFound('', '', '')
      group = seg[1]!
      version = seg[2]
      rest = seg.slice(3)
    } else {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {})
    }
    if (rest.length === 0) {
      return {
        discovery: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: group ? `${group}/${version}` : version,
          resources: RESOURCES.filter((r) => r.group === group && r.versions.includes(version!)).map((r) => ({
            name: r.plural,
            singularName: r.kind.toLowerCase(),
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
          })),
        },
      }
    }
    let namespace: string | undefined
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]
      rest = rest.slice(2)
    }
    const def = findResource(group, version, rest[0]!)
    if (!def) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {})
    if (def.plural === 'namespaces') return {def, version, name: rest[1], subresource: rest[2]}
    if (rest.length > 3) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {})
    return {def, version, namespace, name: rest[1], subresource: rest[2]}
  }

  function verbOf(method: string, p: Parsed): string {
    switch (method) {
      case 'GET':
        return p.name === undefined ? 'list' : 'get'
      case 'POST':
        return 'create'
      case 'PUT':
        return 'update'
      case 'PATCH':
        return 'patch'
      case 'DELETE':
        return p.name === undefined ? 'deletecollection' : 'delete'
      default:
        return 'unknown'
    }
  }

  function ruleMatches(r: Omit<DenyRule, 'user'> & {user?: string}, verb: string, p: Parsed, user: string): boolean {
    const resource = p.def ? p.def.plural + (p.subresource ? `/${p.subresource}` : '') : ''
    const verbs = r.verb === undefined ? undefined : Array.isArray(r.verb) ? r.verb : [r.verb]
    return (
      (verbs === undefined || verbs.includes(verb)) &&
      (r.resource === undefined || r.resource === resource) &&
      (r.group === undefined || r.group === (p.def?.group ?? '')) &&
      (r.namespace === undefined || r.namespace === p.namespace) &&
      (r.name === undefined || r.name === p.name) &&
      (r.user === undefined || r.user === user)
    )
  }

  function forbiddenMessage(user: string, verb: string, p: Parsed): string {
    const def = p.def!
    const res = def.plural + (p.subresource ? `/${p.subresource}` : '')
    const scope = p.namespace !== undefined ? ` in the namespace "${p.namespace}"` : ' at the cluster scope'
    return `User "${user}" cannot ${verb} resource "${res}" in API group "${def.group}"${scope}`
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }

  function objectView(def: ResourceDef, version: string | undefined, o: KubeObject): KubeObject {
    const {apiVersion: _a, kind: _k, metadata, ...rest} = clone(o)
    return {apiVersion: apiVersionOf(def, version), kind: def.kind, metadata, ...rest}
  }

  function handleResource(method: string, verb: string, p: Parsed, query: URLSearchParams, body: unknown, contentType: string): {code: number; body: unknown} {
    const def = p.def!
    const ns = def.namespaced ? p.namespace : undefined
    if (def.namespaced && ns === undefined && verb !== 'list') throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {})
    if (p.subresource !== undefined) {
      if (def.plural === 'serviceaccounts' && p.subresource === 'token' && method === 'POST') return tokenRequest(ns!, p.name!, (body ?? {}) as Record<string, unknown>)
      if (p.subresource === 'status' && def.custom === false && ['GET', 'PUT', 'PATCH'].includes(method)) {
        // status subresource handled as the main resource for simplicity
      } else throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {})
    }
    const key = (name: string) => keyOf(def, ns, name)
    switch (verb) {
      case 'get': {
        const o = store.get(key(p.name!))
        if (!o) throw errs.notFound(def.group, def.plural, p.name!)
        return {code: 200, body: objectView(def, p.version, o)}
      }
      case 'list': {
        const ls = query.get('labelSelector')
        const fs = query.get('fieldSelector')
        const reqs = ls ? parseLabelSelector(ls) : []
        let items = sortedItems(def, ns).filter((o) => matchesLabels(reqs, o.metadata.labels))
        if (fs) items = items.filter((o) => matchesFields(fs, o))
        return {
          code: 200,
          body: {
            kind: `${def.kind}List`,
            apiVersion: apiVersionOf(def, p.version),
            metadata: {resourceVersion: String(rv)},
            items: items.map((o) => {
              const c = objectView(def, p.version, o)
              if (!def.custom) {
                delete c.apiVersion
                delete c.kind
              }
              return c
            }),
          },
        }
      }
      case 'create': {
        if (p.name !== undefined) throw methodNotAllowed()
        const obj = asObject(body)
        checkKind(def, obj, p.version)
        obj.metadata ??= {name: ''}
        if (def.namespaced) {
          if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== ns) {
            throw errs.badRequest('the namespace of the provided object does not match the namespace sent on the request')
          }
          obj.metadata.namespace = ns
        }
        if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomSuffix(5)
        if (!obj.metadata.name) throw errs.invalid(def.group, def.kind, '', [{field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired'}])
        validateName(def, obj.metadata.name)
        if (def.namespaced && !store.has(keyOf(nsDef, undefined, ns!))) throw errs.notFound('', 'namespaces', ns!)
        if (store.has(key(obj.metadata.name))) throw errs.alreadyExists(def.group, def.plural, obj.metadata.name)
        delete obj.metadata.resourceVersion
        delete obj.metadata.uid
        delete obj.metadata.creationTimestamp
        stamp(def, obj)
        store.set(key(obj.metadata.name), obj)
        return {code: 201, body: objectView(def, p.version, obj)}
      }
      case 'update': {
        const obj = asObject(body)
        checkKind(def, obj, p.version)
        obj.metadata ??= {name: ''}
        if (obj.metadata.name !== p.name) throw errs.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${p.name})`)
        if (def.namespaced) {
          if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== ns) {
            throw errs.badRequest('the namespace of the provided object does not match the namespace sent on the request')
          }
          obj.metadata.namespace = ns
        }
        return writeUpdate(def, p, ns, obj)
      }
      case 'patch': {
        const existing = store.get(key(p.name!))
        if (!existing) throw errs.notFound(def.group, def.plural, p.name!)
        const ct = contentType.split(';')[0]!.trim().toLowerCase()
        let patched: KubeObject
        if (ct === 'application/json-patch+json') {
          let ops: JsonPatchOp[]
          try {
            ops = decodeJsonPatch(body)
          } catch (e) {
            throw errs.badRequest((e as Error).message)
          }
          try {
            patched = applyJsonPatch(objectView(def, p.version, existing), ops)
          } catch (e) {
            if (e instanceof PatchApplyError) throw errs.patchNotApplicable()
            throw e
          }
        } else if (ct === 'application/merge-patch+json' || (ct === 'application/strategic-merge-patch+json' && !def.custom)) {
          if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errs.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}')
          patched = applyMergePatch(objectView(def, p.version, existing), body) as KubeObject
        } else {
          throw errs.unsupportedMediaType(ct)
        }
        if (patched === null || typeof patched !== 'object' || Array.isArray(patched) || typeof patched.metadata !== 'object' || patched.metadata === null) {
          throw errs.badRequest('the patched object is not a Kubernetes object')
        }
        checkKind(def, patched, p.version)
        if (patched.metadata.name !== p.name) throw errs.badRequest(`the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${p.name})`)
        if (patched.metadata.uid !== undefined && patched.metadata.uid !== '' && patched.metadata.uid !== existing.metadata.uid) {
          throw errs.conflict(def.group, def.plural, p.name!, `Precondition failed: UID in precondition: ${String(patched.metadata.uid)}, UID in object meta: ${String(existing.metadata.uid)}`)
        }
        return writeUpdate(def, p, ns, patched, true)
      }
      case 'delete': {
        const k = key(p.name!)
        const existing = store.get(k)
        if (!existing) throw errs.notFound(def.group, def.plural, p.name!)
        const pre = ((body ?? {}) as {preconditions?: {uid?: string; resourceVersion?: string}}).preconditions
        if (pre?.uid && pre.uid !== existing.metadata.uid) {
          throw errs.conflict(def.group, def.plural, p.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(existing.metadata.uid)}`)
        }
        if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
          throw errs.conflict(def.group, def.plural, p.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${String(existing.metadata.resourceVersion)}`)
        }
        store.delete(k)
        ++rv
        if (def.plural === 'namespaces') {
          for (const sk of [...store.keys()]) {
            const [g, pl, n] = sk.split('/')
            const d = findResource(g!, undefined, pl!)
            if (d?.namespaced && n === p.name) store.delete(sk)
          }
          const view = objectView(def, p.version, existing)
          view.status = {phase: 'Terminating'}
          return {code: 200, body: view}
        }
        // Kinds whose registry sets ReturnDeletedObject answer with the object; the others (and custom resources) with a Success Status.
        if (['services', 'serviceaccounts', 'pods'].includes(def.plural)) return {code: 200, body: objectView(def, p.version, existing)}
        return {
          code: 200,
          body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: stripEmpty({name: p.name, group: def.group, kind: def.plural, uid: existing.metadata.uid})},
        }
      }
      default:
        throw methodNotAllowed()
    }
  }

  function writeUpdate(def: ResourceDef, p: Parsed, ns: string | undefined, obj: KubeObject, isPatch = false): {code: number; body: unknown} {
    const k = keyOf(def, ns, p.name!)
    const existing = store.get(k)
    if (!existing) throw errs.notFound(def.group, def.plural, p.name!)
    const sentRv = obj.metadata.resourceVersion
    if (sentRv !== undefined && sentRv !== '' && sentRv !== existing.metadata.resourceVersion) throw errs.modified(def.group, def.plural, p.name!)
    if (!isPatch && obj.metadata.uid && obj.metadata.uid !== existing.metadata.uid) {
      throw errs.conflict(def.group, def.plural, p.name!, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${String(existing.metadata.uid)}`)
    }
    const next = clone(obj)
    // Like the real server: a write that changes nothing does not bump the resourceVersion.
    const comparable = (o: KubeObject) => JSON.stringify({...o, apiVersion: undefined, metadata: {...o.metadata, resourceVersion: undefined, generation: undefined}})
    const probe = clone(next)
    probe.apiVersion = existing.apiVersion
    probe.kind = existing.kind
    probe.metadata.uid = existing.metadata.uid
    probe.metadata.creationTimestamp = existing.metadata.creationTimestamp
    if (comparable(probe) === comparable(existing)) return {code: 200, body: objectView(def, p.version, existing)}
    stamp(def, next, existing)
    store.set(k, next)
    return {code: 200, body: objectView(def, p.version, next)}
  }

  function methodNotAllowed() {
    return errs.methodNotAllowed()
  }

  function asObject(body: unknown): KubeObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errs.badRequest('Object \'Kind\' is missing in request body')
    return body as KubeObject
  }

  function checkKind(def: ResourceDef, obj: KubeObject, version: string | undefined) {
    const expected = apiVersionOf(def, version)
    if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== expected) {
      throw errs.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`)
    }
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== def.kind) {
      throw errs.badRequest(`${def.kind} in version "${def.versions[0]}" cannot be handled as a ${obj.kind}: the object provided is unrecognized`)
    }
  }

  function validateName(def: ResourceDef, name: string) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      throw errs.invalid(def.group, def.kind, name, [
        {field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`},
      ])
    }
  }

  function send(res: ServerResponse, code: number, body: unknown) {
    const text = JSON.stringify(body)
    res.writeHead(code, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Audit-Id': randomUUID()})
    res.end(text)
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const method = (req.method ?? 'GET').toUpperCase()
    const raw = await readBody(req)
    // Authentication
    const auth = req.headers.authorization ?? ''
    const m = auth.match(/^Bearer\s+(.+)$/i)
    let user: string | undefined
    if (m) {
      const t = m[1]!.trim()
      user = staticTokens.get(t)
      if (!user && t.split('.').length === 3) {
        const r = verifyToken(t)
        if (r.authenticated) user = r.user!.username
      }
    }
    if (!user) return send(res, 401, errs.unauthorized().toStatus())

    const record: RequestRecord = {seq: ++seq, method, path: url.pathname, query: Object.fromEntries(url.searchParams), verb: 'unknown', group: '', resource: '', user, status: 0}
    if (req.headers['content-type']) record.contentType = String(req.headers['content-type'])
    requests.push(record)
    try {
      let body: unknown
      if (raw !== '') {
        try {
          body = JSON.parse(raw)
        } catch (e) {
          throw errs.badRequest(`the body of the request could not be decoded: ${(e as Error).message}`)
        } finally {
          record.body = body
        }
      }
      const p = parsePath(url.pathname)
      if (p.discovery !== undefined) {
        record.verb = 'discovery'
        if (method !== 'GET') throw methodNotAllowed()
        record.status = 200
        return send(res, 200, p.discovery)
      }
      const verb = verbOf(method, p)
      Object.assign(record, {verb, group: p.def!.group, resource: p.def!.plural})
      if (p.subresource) record.subresource = p.subresource
      if (p.namespace !== undefined) record.namespace = p.namespace
      if (p.name !== undefined) record.name = p.name
      // Authorization (deny list), then fault injection
      if (denyRules.some((r) => ruleMatches(r, verb, p, user!))) {
        // The prefix names the resource without the subresource; the sentence after it names both.
        throw errs.forbidden(p.def!.group, p.def!.plural, p.name, forbiddenMessage(user, verb, p))
      }
      const fault = faults.find((f) => f.left > 0 && ruleMatches(f, verb, p, user!))
      if (fault) {
        fault.left--
        faults = faults.filter((f) => f.left > 0)
        if (fault.delayMs) await sleep(fault.delayMs)
        if (closed) return
        if (fault.code !== undefined) {
          throw new StatusError(fault.code, fault.reason ?? (fault.code >= 500 ? 'InternalError' : ''), fault.message ?? `injected failure (${fault.code})`, {})
        }
      }
      const out = handleResource(method, verb, p, url.searchParams, body, String(req.headers['content-type'] ?? ''))
      record.status = out.code
      send(res, out.code, out.body)
    } catch (e) {
      const se = e instanceof StatusError ? e : new StatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`, {})
      record.status = se.code
      send(res, se.code, se.toStatus())
    }
  }

  // ---- listen
  let closed = false
  const timers = new Set<NodeJS.Timeout>()
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t)
        resolve()
      }, ms)
      timers.add(t)
    })
  }
  const sockets = new Set<Socket>()
  const server: Server = createServer({key: tls.keyPem, cert: tls.certPem}, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, new StatusError(500, 'InternalError', String(e)).toStatus())
      else res.destroy()
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `https://127.0.0.1:${port}`

  const caData = Buffer.from(tls.caPem).toString('base64')
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': 'test',
    clusters: [{name: 'cleat-test', cluster: {server: url, 'certificate-authority-data': caData}}],
    users: [
      {name: 'test-user', user: {token}},
      {name: 'other-user', user: {token: otherToken}},
    ],
    contexts: [
      {name: 'test', context: {cluster: 'cleat-test', user: 'test-user', namespace: 'default'}},
      {name: 'other', context: {cluster: 'cleat-test', user: 'other-user', namespace: 'other'}},
    ],
  }
  const kubeconfigPath = join(tmpDir, 'kubeconfig')
  await writeFile(kubeconfigPath, dump(kubeconfig), {mode: 0o600})

  return {
    url,
    caPem: tls.caPem,
    token,
    otherToken,
    users,
    kubeconfigPath,
    tmpDir,
    issuer,
    serviceAccountPublicKeyPem,
    state,
    requests,
    writes(filter = {}) {
      return requests.filter(
        (r) => WRITE_VERBS.has(r.verb) && Object.entries(filter).every(([k, v]) => v === undefined || (r as unknown as Record<string, unknown>)[k] === v),
      )
    },
    clearRequests() {
      requests.length = 0
    },
    setRbacDeny(rules) {
      denyRules = [...rules]
    },
    injectFault(rule) {
      faults.push({...rule, left: rule.times ?? 1})
    },
    clearFaults() {
      faults = []
    },
    verifyToken,
    async close() {
      if (closed) return
      closed = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const s of sockets) s.destroy()
      })
      await rm(tmpDir, {recursive: true, force: true})
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Child-process mode, for plain-JS end-to-end tests that cannot import TypeScript:
//
//   const child = fork('test/helpers/kube-api-server.ts', ['--serve'], {execArgv: ['--import', 'tsx']})
//   child.once('message', (ready) => …)   // {type: 'ready', url, caPem, token, otherToken, users, kubeconfigPath, tmpDir, issuer}
//   child.send({id: 1, op: 'put', args: [obj]}); child.on('message', ({id, ok, result, error}) => …)
//
// ops: get, list, put, delete (state), setRbacDeny, injectFault, clearFaults, requests, writes,
// clearRequests, verifyToken, resourceVersion, close (stops the server and exits). Without an IPC
// channel the ready message is printed to stdout as one JSON line, and SIGTERM/SIGINT close it.

async function serveAsChildProcess(): Promise<void> {
  const srv = await startKubeApiServer()
  const ready = {
    type: 'ready',
    url: srv.url,
    caPem: srv.caPem,
    token: srv.token,
    otherToken: srv.otherToken,
    users: srv.users,
    kubeconfigPath: srv.kubeconfigPath,
    tmpDir: srv.tmpDir,
    issuer: srv.issuer,
  }
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await srv.close()
    process.disconnect?.()
  }
  process.once('SIGTERM', () => void stop())
  process.once('SIGINT', () => void stop())
  if (!process.send) {
    process.stdout.write(JSON.stringify(ready) + '\n')
    return
  }
  process.on('disconnect', () => void stop())
  const ops: Record<string, (...args: never[]) => unknown> = {
    get: (r: string, ns: string | undefined, n: string) => srv.state.get(r, ns, n) ?? null,
    list: (r: string, ns?: string) => srv.state.list(r, ns),
    put: (o: KubeObject) => srv.state.put(o),
    delete: (r: string, ns: string | undefined, n: string) => srv.state.delete(r, ns, n),
    resourceVersion: () => srv.state.resourceVersion,
    setRbacDeny: (rules: DenyRule[]) => srv.setRbacDeny(rules),
    injectFault: (rule: FaultRule) => srv.injectFault(rule),
    clearFaults: () => srv.clearFaults(),
    requests: () => srv.requests,
    writes: (f?: Parameters<KubeApiServer['writes']>[0]) => srv.writes(f),
    clearRequests: () => srv.clearRequests(),
    verifyToken: (t: string, o?: {audiences?: string[]}) => srv.verifyToken(t, o),
  }
  process.on('message', (m: {id?: unknown; op?: string; args?: unknown[]}) => {
    if (m.op === 'close') {
      void stop().then(() => undefined)
      return
    }
    const fn = m.op ? ops[m.op] : undefined
    try {
      if (!fn) throw new Error(`unknown op ${String(m.op)}`)
      const result = (fn as (...a: unknown[]) => unknown)(...(m.args ?? []))
      process.send!({id: m.id, ok: true, result: result === undefined ? null : result})
    } catch (e) {
      process.send!({id: m.id, ok: false, error: (e as Error).message})
    }
  })
  process.send(ready)
}

if (process.argv.includes('--serve') && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveAsChildProcess().catch((e: unknown) => {
    process.stderr.write(`kube test server failed to start: ${(e as Error).message}\n`)
    process.exitCode = 1
  })
}
