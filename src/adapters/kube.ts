/**
 * Thin adapter over @kubernetes/client-node 1.x (promise API, object-parameter style).
 *
 * Core code depends on the `KubeClient` interface only (import it with `import type`), so it can
 * be faked in unit tests or backed by the in-process test API server (test/helpers/kube-api-server.ts).
 * Every API failure is turned into a `KubeApiError` carrying the HTTP status and the Kubernetes
 * `Status.reason`; transport failures (connection refused, DNS, TLS) become a `KubeApiError` with
 * `status: 0`. This module reads no environment variables: the CLI layer resolves KUBECONFIG or
 * ~/.kube/config and passes the path in.
 */
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderMiddleware,
  setHeaderOptions,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type RequestContext,
  type V1ConfigMap,
  type V1Lease,
  type V1Secret,
  type V1Service,
  type V1ServiceAccount,
} from '@kubernetes/client-node'

export type {V1ConfigMap, V1Lease, V1Secret, V1Service, V1ServiceAccount} from '@kubernetes/client-node'

/** A Kubernetes object as plain JSON (custom resources are returned as parsed JSON, no model classes). */
export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata?: {
    name?: string
    namespace?: string
    uid?: string
    resourceVersion?: string
    generation?: number
    labels?: Record<string, string>
    annotations?: Record<string, string>
    [k: string]: unknown
  }
  [k: string]: unknown
}

/** One RFC 6902 operation. */
export type JsonPatchOperation =
  | {op: 'add' | 'replace' | 'test'; path: string; value: unknown}
  | {op: 'remove'; path: string}
  | {op: 'move' | 'copy'; from: string; path: string}

export interface CustomObjectRef {
  group: string
  version: string
  plural: string
  namespace: string
  name: string
}

export interface ServiceAccountTokenRequest {
  audiences: string[]
  expirationSeconds: number
  /** Binds the token to a Secret: deleting that Secret invalidates the token. */
  boundSecret?: {name: string; uid: string}
}

export interface ServiceAccountToken {
  token: string
  expirationTimestamp: Date
}

/**
 * Well-known Status reasons (metav1.StatusReason). `ConnectionFailed`, `TLSError`, `Timeout` and
 * `InvalidKubeconfig` are also produced locally with status 0, when no HTTP answer was received.
 */
export type KubeErrorReason =
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'Unknown'
  | 'ConnectionFailed'
  | 'TLSError'
  | 'Timeout'
  | 'InvalidKubeconfig'
  | (string & {})

export class KubeApiError extends Error {
  /** HTTP status code, or 0 when no HTTP response was received. */
  readonly status: number
  readonly reason: KubeErrorReason
  /** `Status.details` as sent by the server, when present. */
  readonly details?: {name?: string; group?: string; kind?: string; uid?: string; causes?: {reason?: string; message?: string; field?: string}[]}
  constructor(status: number, reason: KubeErrorReason, message: string, details?: KubeApiError['details'], options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'KubeApiError'
    this.status = status
    this.reason = reason
    if (details) this.details = details
  }
}

export function isKubeApiError(e: unknown, status?: number): e is KubeApiError {
  return e instanceof KubeApiError && (status === undefined || e.status === status)
}

/** The port core code uses to talk to a cluster. */
export interface KubeClient {
  /** Server URL of the selected context (for messages). */
  readonly server: string
  /** Namespace of the selected context, `default` when unset. */
  readonly defaultNamespace: string
  readonly contextName: string

  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap>
  getSecret(namespace: string, name: string): Promise<V1Secret>
  createSecret(namespace: string, secret: V1Secret): Promise<V1Secret>
  deleteSecret(namespace: string, name: string): Promise<void>
  getService(namespace: string, name: string): Promise<V1Service>
  listServices(namespace: string, labelSelector?: string): Promise<V1Service[]>
  getServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount>
  createServiceAccountToken(namespace: string, serviceAccount: string, req: ServiceAccountTokenRequest): Promise<ServiceAccountToken>

  getCustomObject(ref: CustomObjectRef): Promise<KubeObject>
  /** LIST in one namespace; items as returned (custom-resource items keep apiVersion/kind). */
  listCustomObjects(ref: Omit<CustomObjectRef, 'name'>, labelSelector?: string): Promise<KubeObject[]>
  deleteCustomObject(ref: CustomObjectRef): Promise<void>
  createCustomObject(ref: Omit<CustomObjectRef, 'name'>, body: KubeObject): Promise<KubeObject>
  /** PUT; fails with 409 Conflict when body.metadata.resourceVersion is stale. */
  replaceCustomObject(ref: CustomObjectRef, body: KubeObject): Promise<KubeObject>
  /** PATCH with Content-Type application/json-patch+json; a failed `test` op fails the whole patch (422). */
  patchCustomObjectJson(ref: CustomObjectRef, ops: JsonPatchOperation[]): Promise<KubeObject>

  getLease(namespace: string, name: string): Promise<V1Lease>
  createLease(namespace: string, lease: V1Lease): Promise<V1Lease>
  /** PUT; fails with 409 Conflict when lease.metadata.resourceVersion is stale. */
  replaceLease(namespace: string, name: string, lease: V1Lease): Promise<V1Lease>
  deleteLease(namespace: string, name: string): Promise<void>
}

export interface CreateKubeClientOptions {
  /** Path of the kubeconfig file; the CLI resolves it with `resolveKubeconfigPath`. Required in practice. */
  kubeconfigPath?: string
  /** Context to use instead of current-context. */
  context?: string
  /** Give up on a request after this many milliseconds (default 30 000): KubeApiError(0, 'Timeout'). */
  timeoutMs?: number
}

const USER_AGENT = 'cleat'
const DEFAULT_TIMEOUT_MS = 30_000

/**
 * The kubeconfig path kubectl would use: the first entry of KUBECONFIG (split on the platform's
 * path delimiter), else `<home>/.kube/config`. Pure: the CLI passes `process.env.KUBECONFIG`, `os.homedir()`.
 * (kubectl merges all KUBECONFIG entries; cleat reads only the first.)
 */
export function resolveKubeconfigPath(kubeconfigEnv: string | undefined, homeDir: string, pathDelimiter = ':'): string {
  const first = (kubeconfigEnv ?? '').split(pathDelimiter).find((p) => p.trim() !== '')
  return first ?? `${homeDir.replace(/[\\/]+$/, '')}/.kube/config`
}

// ---------------------------------------------------------------------------------------------

const TRANSPORT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
}

function findCode(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 4) return undefined
  const o = e as {code?: unknown; errno?: unknown; cause?: unknown}
  if (typeof o.code === 'string') return o.code
  return findCode(o.cause, depth + 1)
}

function parseStatusBody(body: unknown): {reason?: string; message?: string; details?: KubeApiError['details']} | undefined {
  let b: unknown = body
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body)
    } catch {
      return body.trim() ? {message: body.trim()} : undefined
    }
  }
  if (b && typeof b === 'object' && (b as {kind?: unknown}).kind === 'Status') {
    const s = b as {reason?: string; message?: string; details?: KubeApiError['details']}
    return {reason: s.reason, message: s.message, details: s.details}
  }
  return undefined
}

const DEFAULT_REASON: Record<number, KubeErrorReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
}

/** Translates anything thrown by client-node into a KubeApiError. */
export function toKubeApiError(e: unknown, server: string, what: string): KubeApiError {
  if (e instanceof KubeApiError) return e
  if (e instanceof ApiException) {
    const status = Number(e.code)
    const parsed = parseStatusBody(e.body)
    const reason = parsed?.reason || DEFAULT_REASON[status] || 'Unknown'
    const message = parsed?.message || (status === 401 ? 'Unauthorized' : `HTTP ${status}`)
    return new KubeApiError(status, reason, `${what}: ${message}`, parsed?.details, {cause: e})
  }
  const code = findCode(e)
  if (code && TRANSPORT_CODES[code]) {
    return new KubeApiError(0, 'ConnectionFailed', `${what}: cannot reach the Kubernetes API server at ${server} (${TRANSPORT_CODES[code]})`, undefined, {cause: e})
  }
  if (code && /CERT|SSL|TLS|SELF_SIGNED|ERR_TLS/i.test(code)) {
    return new KubeApiError(0, 'TLSError', `${what}: TLS verification of ${server} failed (${code})`, undefined, {cause: e})
  }
  const msg = e instanceof Error ? e.message : String(e)
  return new KubeApiError(0, 'ConnectionFailed', `${what}: request to ${server} failed: ${msg}`, undefined, {cause: e})
}

function loadKubeConfig(opts: CreateKubeClientOptions): KubeConfig {
  const kc = new KubeConfig()
  try {
    if (!opts.kubeconfigPath) throw new Error('no kubeconfig path given')
    kc.loadFromFile(opts.kubeconfigPath)
  } catch (e) {
    const code = findCode(e)
    const where = opts.kubeconfigPath ?? 'the default location'
    const why = code === 'ENOENT' ? 'file not found' : e instanceof Error ? e.message : String(e)
    throw new KubeApiError(0, 'InvalidKubeconfig', `cannot load kubeconfig from ${where}: ${why}`, undefined, {cause: e})
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name)
      throw new KubeApiError(0, 'InvalidKubeconfig', `context "${opts.context}" not found in kubeconfig (known: ${known.join(', ') || 'none'})`)
    }
    kc.setCurrentContext(opts.context)
  }
  const cluster = kc.getCurrentCluster()
  if (!cluster || !cluster.server) {
    throw new KubeApiError(0, 'InvalidKubeconfig', `kubeconfig context "${kc.getCurrentContext() || '(none)'}" has no cluster with a server URL`)
  }
  return kc
}

/** Creates a KubeClient from a kubeconfig file. Throws KubeApiError(0, 'InvalidKubeconfig') on a bad file or context. */
export function createKubeClient(opts: CreateKubeClientOptions = {}): KubeClient {
  const kc = loadKubeConfig(opts)
  const server = kc.getCurrentCluster()!.server
  const contextName = kc.getCurrentContext()
  const defaultNamespace = kc.getContextObject(contextName)?.namespace || 'default'
  const core = kc.makeApiClient(CoreV1Api)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const coordination = kc.makeApiClient(CoordinationV1Api)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS

  /**
   * Runs one API call with per-request options: a User-Agent header, plus a hook that remembers the
   * request's https.Agent (client-node creates one per request) so a timeout can destroy its socket
   * instead of leaving it open. Any failure becomes a KubeApiError.
   */
  async function call<T>(what: string, fn: (o: ConfigurationOptions<ObservableMiddleware>) => Promise<T>): Promise<T> {
    let agent: {destroy(): void} | undefined
    const ua = setHeaderMiddleware('User-Agent', USER_AGENT)
    const capture: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        agent = ctx.getAgent()
        return ua.pre(ctx)
      },
      post: (res) => ua.post(res),
    }
    const o: ConfigurationOptions<ObservableMiddleware> = {middleware: [capture], middlewareMergeStrategy: 'append'}
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        agent?.destroy()
        reject(new KubeApiError(0, 'Timeout', `${what}: no answer from the Kubernetes API server at ${server} within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([fn(o), timeout])
    } catch (e) {
      throw toKubeApiError(e, server, what)
    } finally {
      clearTimeout(timer)
    }
  }
  const jsonPatch = (o: ConfigurationOptions<ObservableMiddleware>) => setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, o)
  const nsName = (kind: string, namespace: string, name: string) => `${kind} ${namespace}/${name}`
  const crName = (r: Omit<CustomObjectRef, 'name'> & {name?: string}) => `${r.plural}.${r.group} ${r.namespace}/${r.name ?? ''}`.replace(/\/$/, '')

  return {
    server,
    defaultNamespace,
    contextName,
    getConfigMap: (namespace, name) => call(`get configmap ${namespace}/${name}`, (o) => core.readNamespacedConfigMap({namespace, name}, o)),
    getSecret: (namespace, name) => call(`get ${nsName('secret', namespace, name)}`, (o) => core.readNamespacedSecret({namespace, name}, o)),
    createSecret: (namespace, body) => call(`create ${nsName('secret', namespace, body.metadata?.name ?? '')}`, (o) => core.createNamespacedSecret({namespace, body}, o)),
    deleteSecret: (namespace, name) =>
      call(`delete ${nsName('secret', namespace, name)}`, async (o) => {
        await core.deleteNamespacedSecret({namespace, name}, o)
      }),
    getService: (namespace, name) => call(`get ${nsName('service', namespace, name)}`, (o) => core.readNamespacedService({namespace, name}, o)),
    listServices: (namespace, labelSelector) =>
      call(`list services in ${namespace}`, async (o) => (await core.listNamespacedService(labelSelector ? {namespace, labelSelector} : {namespace}, o)).items),
    getServiceAccount: (namespace, name) => call(`get ${nsName('serviceaccount', namespace, name)}`, (o) => core.readNamespacedServiceAccount({namespace, name}, o)),
    createServiceAccountToken: (namespace, sa, req) =>
      call(`request token for ${nsName('serviceaccount', namespace, sa)}`, async (o) => {
        const res = await core.createNamespacedServiceAccountToken({
          namespace,
          name: sa,
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: {
              audiences: req.audiences,
              expirationSeconds: req.expirationSeconds,
              ...(req.boundSecret ? {boundObjectRef: {apiVersion: 'v1', kind: 'Secret', name: req.boundSecret.name, uid: req.boundSecret.uid}} : {}),
            },
          },
        }, o)
        if (!res.status?.token) throw new KubeApiError(500, 'InternalError', 'TokenRequest returned no token')
        return {token: res.status.token, expirationTimestamp: new Date(res.status.expirationTimestamp)}
      }),
    getCustomObject: (r) => call(`get ${crName(r)}`, (o) => custom.getNamespacedCustomObject(r, o) as Promise<KubeObject>),
    listCustomObjects: (r, labelSelector) =>
      call(`list ${r.plural}.${r.group} in ${r.namespace}`, async (o) => {
        const list = (await custom.listNamespacedCustomObject(labelSelector ? {...r, labelSelector} : {...r}, o)) as {items?: KubeObject[]}
        return list.items ?? []
      }),
    deleteCustomObject: (r) =>
      call(`delete ${crName(r)}`, async (o) => {
        await custom.deleteNamespacedCustomObject(r, o)
      }),
    createCustomObject: (r, body) =>
      call(`create ${crName({...r, name: body.metadata?.name})}`, (o) => custom.createNamespacedCustomObject({...r, body}, o) as Promise<KubeObject>),
    replaceCustomObject: (r, body) => call(`replace ${crName(r)}`, (o) => custom.replaceNamespacedCustomObject({...r, body}, o) as Promise<KubeObject>),
    patchCustomObjectJson: (r, ops) =>
      call(`patch ${crName(r)}`, (o) => custom.patchNamespacedCustomObject({...r, body: ops}, jsonPatch(o)) as Promise<KubeObject>),
    getLease: (namespace, name) => call(`get ${nsName('lease', namespace, name)}`, (o) => coordination.readNamespacedLease({namespace, name}, o)),
    createLease: (namespace, body) => call(`create ${nsName('lease', namespace, body.metadata?.name ?? '')}`, (o) => coordination.createNamespacedLease({namespace, body}, o)),
    replaceLease: (namespace, name, body) => call(`replace ${nsName('lease', namespace, name)}`, (o) => coordination.replaceNamespacedLease({namespace, name, body}, o)),
    deleteLease: (namespace, name) =>
      call(`delete ${nsName('lease', namespace, name)}`, async (o) => {
        await coordination.deleteNamespacedLease({namespace, name}, o)
      }),
  }
}
