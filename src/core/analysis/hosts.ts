/**
 * Istio host names: short-name resolution, wildcard matching and exportTo visibility.
 * Pure functions; no inventory access.
 */

/**
 * Resolve a host as written in a resource of namespace `ns` the way Istio does: a name without a
 * dot is a Kubernetes short name (`reviews` in `shop` → `reviews.shop.svc.cluster.local`); `*`,
 * IP addresses and anything containing a dot are taken as written.
 */
export function resolveHost(host: string, ns: string, domainSuffix: string): string {
  // (an IPv4 address contains dots, so it is kept by the dot test)
  if (host === '' || host === '*' || host.includes('.') || host.includes(':')) return host
  return `${host}.${ns}.svc.${domainSuffix}`
}

/** True when `pattern` (possibly `*` or `*.suffix`) covers the concrete or wildcard host `host`. */
export function hostCovers(pattern: string, host: string): boolean {
  if (pattern === host || pattern === '*') return true
  if (!pattern.startsWith('*')) return false
  const suffix = pattern.slice(1) // ".example.com" (or "example.com" for "*example.com")
  if (host.startsWith('*')) return host.slice(1).endsWith(suffix) && host.length >= pattern.length
  return host.endsWith(suffix) && host.length > suffix.length
}

/** True when two hosts (either may be a wildcard) can name the same request host. */
export function hostsOverlap(a: string, b: string): boolean {
  return hostCovers(a, b) || hostCovers(b, a)
}

/**
 * Candidate wildcard patterns that could cover `host`: `*`, and `*.<suffix>` for each dot suffix.
 * Lets callers look wildcards up in a map instead of scanning every one.
 */
export function wildcardKeys(host: string): string[] {
  const keys = ['*']
  const h = host.startsWith('*.') ? host.slice(2) : host
  let i = h.indexOf('.')
  if (host.startsWith('*.')) keys.push(`*.${h}`)
  while (i >= 0) {
    keys.push(`*${h.slice(i)}`)
    i = h.indexOf('.', i + 1)
  }
  return keys
}

/**
 * Visibility of a config object (exportTo). `exportTo` empty or absent → visible everywhere.
 * `.` = own namespace, `*` = all, `~` = nowhere, other values = that namespace.
 */
export class ExportScope {
  readonly all: boolean
  readonly namespaces: ReadonlySet<string>

  constructor(exportTo: readonly string[] | undefined, ownNamespace: string) {
    const list = exportTo && exportTo.length > 0 ? exportTo : ['*']
    this.all = list.includes('*')
    this.namespaces = new Set(list.filter((x) => x !== '*' && x !== '~').map((x) => (x === '.' ? ownNamespace : x)))
  }

  visibleIn(ns: string): boolean {
    return this.all || this.namespaces.has(ns)
  }

  /** True when some namespace sees both scopes. */
  overlaps(other: ExportScope): boolean {
    if (this.all) return other.all || other.namespaces.size > 0
    if (other.all) return this.namespaces.size > 0
    for (const n of this.namespaces) if (other.namespaces.has(n)) return true
    return false
  }
}

/** exportTo absent or empty: visible everywhere (one shared, immutable scope). */
const EXPORT_ALL = new ExportScope(undefined, '')

/** `new ExportScope(exportTo, ownNamespace)`, sharing one object for the common "no exportTo" case. */
export function exportScope(exportTo: readonly string[] | undefined, ownNamespace: string): ExportScope {
  return exportTo === undefined || exportTo.length === 0 ? EXPORT_ALL : new ExportScope(exportTo, ownNamespace)
}

/** Split `ns/name` gateway references; a bare name lives in `defaultNs`. */
export function splitNamespaced(ref: string, defaultNs: string): {namespace: string; name: string} {
  const i = ref.indexOf('/')
  return i < 0 ? {namespace: defaultNs, name: ref} : {namespace: ref.slice(0, i), name: ref.slice(i + 1)}
}

/** Glob match of `*`-prefix/suffix patterns used in AuthorizationPolicy values. */
export function istioGlobMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1))
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1))
  return pattern === value
}
