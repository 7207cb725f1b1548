import {isIP} from 'node:net'
import {UsageError} from '../errors.js'
import type {WorkloadRef} from '../mtls/effective.js'

/** Marks an attribute as "any value" (the graph asks whether a rule can match at all). */
export const ANY = Symbol('any')
export type Any = typeof ANY
/** A request attribute: a value, null when the request does not carry it, or ANY. */
export type Val<T> = T | null | Any

/** A request as Istio's authorization engine on the destination sees it. */
export interface AuthzRequest {
  /** The destination workload (namespace and labels). */
  to: WorkloadRef
  /** Peer identity from mTLS, `<trust-domain>/ns/<ns>/sa/<sa>`; null for plaintext. */
  principal: Val<string>
  /** Namespace of the peer identity; null for plaintext. */
  namespace: Val<string>
  /** True when the connection is not mutual TLS (no peer identity). */
  plaintext: boolean
  /** A plain TCP connection: no HTTP attributes at all. */
  tcp: boolean
  sourceIp: Val<string>
  remoteIp: Val<string>
  destinationIp: Val<string>
  method: Val<string>
  path: Val<string>
  host: Val<string>
  port: Val<number>
  sni: Val<string>
  /** Header names in lower case. */
  headers: Record<string, string> | Any
  /** JWT identity `<iss>/<sub>`. */
  requestPrincipal: Val<string>
  /** JWT claims (nested objects; a repeated claim is a list). */
  claims: Record<string, unknown> | Any
}

/** The request as written by a user: the `authz check` flags, or one case of a `--cases` file. */
export interface RequestInput {
  toNamespace: string
  toLabels: Record<string, string>
  fromPrincipal?: string
  fromNamespace?: string
  plaintext?: boolean
  tcp?: boolean
  sourceIp?: string
  remoteIp?: string
  destinationIp?: string
  method?: string
  path?: string
  host?: string
  port?: number
  sni?: string
  headers?: Record<string, string>
  requestPrincipal?: string
  jwtClaims?: Record<string, string | string[]>
}

export interface RequestOptions {
  trustDomain?: string
}

/** Notes about assumptions made while building the request (shown by --explain). */
export interface BuiltRequest {
  request: AuthzRequest
  notes: string[]
}

/**
 * Turn user input into a request. HTTP requests default to `GET /`; without --from-principal or
 * --from-namespace the request is plaintext (no peer identity). Throws UsageError on bad values.
 */
export function buildRequest(input: RequestInput, opts: RequestOptions = {}): BuiltRequest {
  const td = opts.trustDomain ?? 'cluster.local'
  const notes: string[] = []
  if (input.plaintext && (input.fromPrincipal || input.fromNamespace)) throw new UsageError('--plaintext cannot be combined with --from-principal or --from-namespace (a plaintext request has no peer identity)')
  if (!input.toNamespace) throw new UsageError('the destination namespace is required (--to-namespace)')
  let principal: string | null = null
  let namespace: string | null = null
  if (input.fromPrincipal) {
    principal = input.fromPrincipal.replace(/^spiffe:\/\//, '')
    const m = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal)
    if (!m) throw new UsageError(`--from-principal '${input.fromPrincipal}' is not <trust-domain>/ns/<namespace>/sa/<service-account>`)
    namespace = m[2]!
    if (input.fromNamespace && input.fromNamespace !== namespace) throw new UsageError(`--from-namespace ${input.fromNamespace} contradicts the namespace of --from-principal (${namespace})`)
  } else if (input.fromNamespace) {
    namespace = input.fromNamespace
    principal = `${td}/ns/${namespace}/sa/default`
    notes.push(`only the source namespace was given: the peer identity is assumed to be ${principal}`)
  } else if (!input.plaintext) {
    notes.push('no source identity given (--from-principal, --from-namespace): evaluated as a plaintext request')
  }
  const plaintext = principal === null
  for (const [flag, v] of [['source-ip', input.sourceIp], ['remote-ip', input.remoteIp], ['destination-ip', input.destinationIp]] as const) {
    if (v !== undefined && isIP(v) === 0) throw new UsageError(`--${flag} '${v}' is not an IP address`)
  }
  if (input.port !== undefined && !(Number.isInteger(input.port) && input.port >= 0 && input.port <= 65535)) throw new UsageError(`--port ${input.port} is not a port number (0-65535)`)
  const tcp = input.tcp ?? false
  if (tcp && (input.method || input.path || input.host || input.headers && Object.keys(input.headers).length || input.requestPrincipal || input.jwtClaims && Object.keys(input.jwtClaims).length)) {
    throw new UsageError('--tcp requests carry no HTTP attributes: drop --method, --path, --host, --header, --request-principal and --jwt-claim')
  }
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v
  if (input.host !== undefined && headers.host === undefined) headers.host = input.host
  const claims = buildClaims(input.jwtClaims ?? {})
  let requestPrincipal: string | null = input.requestPrincipal ?? null
  if (requestPrincipal !== null) {
    const cut = requestPrincipal.lastIndexOf('/')
    if (cut <= 0 || cut === requestPrincipal.length - 1) throw new UsageError(`--request-principal '${requestPrincipal}' is not <issuer>/<subject>`)
    claims.iss ??= requestPrincipal.slice(0, cut)
    claims.sub ??= requestPrincipal.slice(cut + 1)
  } else if (typeof claims.iss === 'string' && typeof claims.sub === 'string') {
    requestPrincipal = `${claims.iss}/${claims.sub}`
  }
  if (Object.keys(claims).length > 0 && requestPrincipal === null) notes.push('JWT claims without iss and sub: the request has no request principal')
  let method: string | null = null
  let path: string | null = null
  if (!tcp) {
    method = (input.method ?? 'GET').toUpperCase()
    path = input.path ?? '/'
    if (!path.startsWith('/')) throw new UsageError(`--path '${path}' must start with /`)
    const defaulted = [input.method === undefined ? `--method (${method})` : '', input.path === undefined ? `--path (${path})` : ''].filter(Boolean)
    if (defaulted.length > 0) notes.push(`no ${defaulted.join(' or ')} given: using the default`)
  }
  const request: AuthzRequest = {
    to: {namespace: input.toNamespace, labels: {...input.toLabels}},
    principal,
    namespace: plaintext ? null : namespace,
    plaintext,
    tcp,
    sourceIp: input.sourceIp ?? null,
    remoteIp: input.remoteIp ?? input.sourceIp ?? null,
    destinationIp: input.destinationIp ?? null,
    method,
    path,
    host: tcp ? null : (input.host ?? headers.host ?? null),
    port: input.port ?? null,
    sni: input.sni ?? null,
    headers: tcp ? {} : headers,
    requestPrincipal: tcp ? null : requestPrincipal,
    claims: tcp ? {} : claims,
  }
  return {request, notes}
}

/** `a=1`, `nested[key]=v`; a repeated key becomes a list. */
function buildClaims(flat: Record<string, string | string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(flat)) {
    const path = claimPath(key)
    let node = out
    for (const seg of path.slice(0, -1)) {
      const next = node[seg]
      node = (next !== null && typeof next === 'object' && !Array.isArray(next) ? next : (node[seg] = {})) as Record<string, unknown>
    }
    node[path[path.length - 1]!] = value
  }
  return out
}

/** `groups` → [groups]; `a[b][c]` → [a, b, c]. */
export function claimPath(key: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]+\])*)$/.exec(key)
  if (!m) return [key]
  const rest = [...m[2]!.matchAll(/\[([^[\]]+)\]/g)].map((x) => x[1]!)
  return [m[1]!, ...rest]
}

/** Parse repeated `key=value` flag values. */
export function parseKeyValues(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const v of values ?? []) {
    const i = v.indexOf('=')
    if (i <= 0) throw new UsageError(`--${flag} '${v}' is not key=value`)
    out[v.slice(0, i)] = v.slice(i + 1)
  }
  return out
}

/** Like parseKeyValues, but a repeated key collects a list (JWT claims such as groups). */
export function parseMultiKeyValues(values: readonly string[] | undefined, flag: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const v of values ?? []) {
    const i = v.indexOf('=')
    if (i <= 0) throw new UsageError(`--${flag} '${v}' is not key=value`)
    const k = v.slice(0, i)
    const val = v.slice(i + 1)
    const prev = out[k]
    out[k] = prev === undefined ? val : Array.isArray(prev) ? [...prev, val] : [prev, val]
  }
  return out
}
