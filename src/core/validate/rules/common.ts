import {isIP} from 'node:net'
import {at, cached, has, isObj, list, obj, q, str, type Obj, type Out} from './util.js'

// ---------------------------------------------------------------- durations

const DURATION_UNITS: Record<string, number> = {ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9}
const DURATION_PART = /(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/y

/** Parse a duration as Istio accepts it (Go syntax: "1h30m", "100ms", "2.5s"); nanoseconds, or undefined. */
export function parseDuration(s: string): number | undefined {
  return parseDurationCached(s)
}

const parseDurationCached = cached(computeDuration)

function computeDuration(s: string): number | undefined {
  let i = 0
  let sign = 1
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1
    i = 1
  }
  if (s === '0') return 0
  if (i >= s.length) return undefined
  let total = 0
  while (i < s.length) {
    DURATION_PART.lastIndex = i
    const m = DURATION_PART.exec(s)
    if (!m || m[1] === '' || m[1] === '.') return undefined
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!
    i = DURATION_PART.lastIndex
  }
  return sign * Math.round(total)
}

export interface DurationOptions {
  /** Zero is accepted (it disables the feature, e.g. tcp idleTimeout). */
  allowZero?: boolean
  /** Sub-millisecond precision is accepted (no "whole milliseconds" rule). */
  anyPrecision?: boolean
  /** Minimum in nanoseconds (default 1ms). */
  min?: number
  minText?: string
  /** Sub-second parts rejected (e.g. CORS maxAge). */
  wholeSeconds?: boolean
}

/** Istio's duration rule: a valid duration of at least 1ms, in whole milliseconds. Returns the value in ns when valid. */
export function checkDuration(out: Out, pointer: string, v: unknown, opts: DurationOptions = {}): number | undefined {
  if (typeof v !== 'string') return undefined
  const ns = parseDuration(v)
  if (ns === undefined) {
    out.err('CL2001', pointer, `${q(v)} is not a valid duration (write a number with a unit: "5s", "100ms", "1h30m")`)
    return undefined
  }
  if (ns === 0 && opts.allowZero) return 0
  const min = opts.min ?? 1e6
  if (ns < min) {
    out.err('CL2001', pointer, `duration ${q(v)} is too short: it must be at least ${opts.minText ?? '1ms'}`)
    return undefined
  }
  if (opts.wholeSeconds && ns % 1e9 !== 0) {
    out.err('CL2001', pointer, `duration ${q(v)} must be a whole number of seconds`)
    return undefined
  }
  if (!opts.anyPrecision && ns % 1e6 !== 0) {
    out.err('CL2001', pointer, `duration ${q(v)} must be a whole number of milliseconds (Istio only supports millisecond precision)`)
    return undefined
  }
  return ns
}

// ---------------------------------------------------------------- ports

export function isPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535
}

/** Report a port number outside 1..65535 (returns true when valid or not a number). */
export function checkPort(out: Out, pointer: string, v: unknown, what = 'port'): boolean {
  if (typeof v !== 'number') return true
  if (isPort(v)) return true
  out.err('CL2002', pointer, `${what} ${v} is out of range: it must be between 1 and 65535`)
  return false
}

// ---------------------------------------------------------------- names

const DNS_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/
const DNS_LABEL_LOWER = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/
const QUALIFIED_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

/** A DNS-1123 label as Istio checks it (case-insensitive, at most 63 characters). */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s)
}

/** A Kubernetes DNS-1123 label (lowercase), as used for namespace names. */
export function isK8sLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL_LOWER.test(s)
}

/** Problem with a list of dot-separated DNS labels (the part of a host after its first label). */
function dnsLabelsProblem(domain: string, whole: string): string | undefined {
  const parts = domain.split('.')
  const tld = parts[parts.length - 1]!
  if (/^[-+]?\d+$/.test(tld)) return `domain name ${q(whole)} is invalid: the top-level domain ${q(tld)} cannot be all digits`
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i]!
    if (i === parts.length - 1 && label === '') return undefined
    if (!isDnsLabel(label)) return `domain name ${q(whole)} is invalid: label ${q(label)} is not a DNS-1123 label`
  }
  return undefined
}

/**
 * A plain host every host rule accepts: DNS labels of at most 63 characters, the last one starting with
 * a letter (so the top-level domain is not all digits), no wildcard and no trailing dot. Most hosts are
 * like this; one regex test over them costs less than hashing them for the memo.
 */
const PLAIN_HOST = /^(?:[a-zA-Z0-9](?:[-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z](?:[-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/

function plainHost(host: string): boolean {
  return host.length <= 255 && PLAIN_HOST.test(host)
}

/** Istio's FQDN rule (no wildcard). */
export function fqdnProblem(host: string): string | undefined {
  return plainHost(host) ? undefined : fqdnCached(host)
}

const fqdnCached = cached(computeFqdnProblem)

function computeFqdnProblem(host: string): string | undefined {
  if (host.length === 0) return 'domain name is empty'
  if (host.length > 255) return `domain name ${q(host)} is longer than 255 characters`
  return dnsLabelsProblem(host, host)
}

/** Istio's host rule: an FQDN whose first label may be '*' or start with '*' (`*.example.com`). */
export function wildcardDomainProblem(host: string): string | undefined {
  return plainHost(host) ? undefined : wildcardCached(host)
}

const wildcardCached = cached(computeWildcardDomainProblem)

function computeWildcardDomainProblem(host: string): string | undefined {
  // Istio's SNI form for passthrough to a mesh service: outbound_.<port>_._.<host>
  const sni = /^outbound_\.\d+_\._\.(.+)$/.exec(host)
  if (sni) return wildcardDomainProblem(sni[1]!)
  if (host.length === 0) return 'domain name is empty'
  if (host.length > 255) return `domain name ${q(host)} is longer than 255 characters`
  const dot = host.indexOf('.')
  const first = dot < 0 ? host : host.slice(0, dot)
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) return `domain name ${q(host)} is invalid: label ${q(first)} is not a DNS-1123 label or wildcard`
  if (dot >= 0) return dnsLabelsProblem(host.slice(dot + 1), host)
  return undefined
}

/** The host checks without the fast path or the memo (tests compare them with the exported ones). */
export const hostChecksUncached = {fqdn: computeFqdnProblem, wildcard: computeWildcardDomainProblem}

/** A wildcard other than a whole first label, e.g. `*foo.com`. */
export function isPartialWildcard(host: string): boolean {
  return host.startsWith('*') && host !== '*' && !host.startsWith('*.')
}

// ---------------------------------------------------------------- addresses

export function isIPAddr(s: string): boolean {
  return isIP(s) !== 0
}

/** An IP address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`). */
export function isIPOrCidr(s: string): boolean {
  const slash = s.indexOf('/')
  if (slash < 0) return isIP(s) !== 0
  const ip = s.slice(0, slash)
  const bits = s.slice(slash + 1)
  const fam = isIP(ip)
  if (fam === 0 || ip.includes('%') || !/^\d{1,3}$/.test(bits)) return false
  return Number(bits) <= (fam === 4 ? 32 : 128)
}

export function isCidr(s: string): boolean {
  return s.includes('/') && isIPOrCidr(s)
}

// ---------------------------------------------------------------- regex (RE2)

const regexCache = new Map<string, string | undefined>()

/** Why a regular expression would not compile as RE2 (Envoy's engine), or undefined. Cached per string. */
export function re2Problem(re: string): string | undefined {
  if (regexCache.has(re)) return regexCache.get(re)
  const p = computeRe2Problem(re)
  if (regexCache.size > 10_000) regexCache.clear()
  regexCache.set(re, p)
  return p
}

function computeRe2Problem(re: string): string | undefined {
  if (re.length > 1024) return `is ${re.length} characters long; Istio allows at most 1024`
  if (/\(\?<?[=!]/.test(re)) return 'uses a lookahead or lookbehind, which RE2 does not support'
  if (/\(\?>/.test(re)) return 'uses an atomic group, which RE2 does not support'
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(re) || /\\k</.test(re)) return 'uses a backreference, which RE2 does not support'
  if (/[*+?}]\+/.test(re.replace(/\\./g, ''))) return 'uses a possessive quantifier, which RE2 does not support'
  // Translate RE2-only syntax to JavaScript before asking the JS engine whether the rest parses.
  let js = re
    .replace(/\(\?P</g, '(?<')
    .replace(/\\[AzQE]/g, '')
    .replace(/\[\[:(\^?)([a-z]+):\]\]/g, '[a]')
    .replace(/\[:\^?[a-z]+:\]/g, 'a')
    .replace(/\\[pP]([A-Z])(?![{a-z])/g, '\\p{$1}')
  js = js.replace(/\(\?([imsU]+)\)/g, '').replace(/\(\?([imsU]*)(-[imsU]+)?:/g, '(?:')
  try {
    new RegExp(js, 'u')
    return undefined
  } catch {
    try {
      new RegExp(js)
      return undefined
    } catch (e) {
      return `is not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`
    }
  }
}

export function checkRegex(out: Out, pointer: string, v: unknown, what = 'regex'): void {
  if (typeof v !== 'string') return
  if (v === '') {
    out.err('CL2004', pointer, `${what} must not be empty`)
    return
  }
  const p = re2Problem(v)
  if (p) out.err('CL2004', pointer, `${what} ${q(v)} ${p}`)
}

/** A StringMatch {exact|prefix|regex}: an empty regex is never valid; an empty prefix only where allowed. */
export function checkStringMatch(out: Out, pointer: string, v: unknown, what: string, opts: {allowEmptyPrefix?: boolean; presenceRegex?: boolean} = {}): void {
  const m = obj(v)
  if (!m) return
  if (opts.presenceRegex && m.regex === '*') return
  if (m.prefix === '' && !opts.allowEmptyPrefix) out.err('CL2012', at(pointer, 'prefix'), `${what}: an empty prefix match is not allowed here`)
  if (m.regex !== undefined) checkRegex(out, at(pointer, 'regex'), m.regex, `${what} regex`)
}

// ---------------------------------------------------------------- headers

const HEADER_NAME = /^[-_A-Za-z0-9]+$/
const PSEUDO_HEADERS = new Set([':authority', ':method', ':path', ':scheme', ':status'])

export function isHeaderName(s: string): boolean {
  return HEADER_NAME.test(s)
}

/** Header names usable in a match: ordinary names, HTTP/2 pseudo-headers, and `@request.auth.claims.*`. */
export function matchHeaderNameProblem(name: string): string | undefined {
  if (name === '') return 'header name must not be empty'
  if (PSEUDO_HEADERS.has(name.toLowerCase())) return undefined
  if (name.startsWith('@request.auth.claims')) {
    return /^@request\.auth\.claims(\.[^.]+|\[[^\]]+\])+$/.test(name) ? undefined : `${q(name)} is not a valid JWT claim reference (use @request.auth.claims.<name>)`
  }
  return isHeaderName(name) ? undefined : `${q(name)} is not a valid header name (letters, digits, '-' and '_' only)`
}

const FORMAT_COMMAND = /[A-Z][A-Z0-9_]*(?:\([^)]*\))?(?::\d+)?%/y

/** Envoy header value rules: no control characters; '%' starts a %COMMAND% or is escaped as '%%'. */
export function headerValueProblem(v: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(v)) return `header value ${q(v)} contains control characters`
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== '%') continue
    if (v[i + 1] === '%') {
      i++
      continue
    }
    FORMAT_COMMAND.lastIndex = i + 1
    if (!FORMAT_COMMAND.test(v)) return `header value ${q(v)} has a '%' that is neither '%%' nor a %COMMAND% formatter`
    i = FORMAT_COMMAND.lastIndex - 1
  }
  return undefined
}

// ---------------------------------------------------------------- labels and selectors

/** Kubernetes label key rules (optional DNS prefix + qualified name). */
export function labelKeyProblem(key: string): string | undefined {
  return labelKeyCached(key)
}

const labelKeyCached = cached(computeLabelKeyProblem)

function computeLabelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/')
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined
  const name = slash >= 0 ? key.slice(slash + 1) : key
  if (prefix !== undefined && (prefix.length > 253 || fqdnProblem(prefix) !== undefined || /[A-Z]/.test(prefix))) return `label key ${q(key)} has an invalid prefix (it must be a lowercase DNS subdomain)`
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) return `label key ${q(key)} is invalid (alphanumerics, '-', '_' and '.', at most 63 characters, starting and ending with an alphanumeric)`
  return undefined
}

/** (Not memoised: one regex test over a label value costs less than hashing it for a memo.) */
export function labelValueProblem(v: string): string | undefined {
  if (v === '') return undefined
  if (v.length > 63 || !QUALIFIED_NAME.test(v)) return `label value ${q(v)} is invalid (alphanumerics, '-', '_' and '.', at most 63 characters, starting and ending with an alphanumeric)`
  return undefined
}

/** Validate a label map (subset labels, WorkloadEntry labels): keys and values must be valid Kubernetes labels. */
export function checkLabels(out: Out, pointer: string, v: unknown): void {
  const m = obj(v)
  if (!m) return
  for (const k of Object.keys(m)) {
    const val = m[k]
    const kp = labelKeyProblem(k)
    if (kp) out.err('CL2007', at(pointer, k), kp)
    else if (typeof val === 'string') {
      const vp = labelValueProblem(val)
      if (vp) out.err('CL2007', at(pointer, k), vp)
    }
  }
}

/**
 * Istio's workload selector rule: no '*' in keys or values and no empty key; an empty map only warns
 * (the resource then applies to every workload of the namespace).
 */
export function checkWorkloadSelector(out: Out, pointer: string, v: unknown, opts: {warnEmpty?: boolean} = {}): void {
  const m = obj(v)
  if (!m) return
  const keys = Object.keys(m)
  if (keys.length === 0 && opts.warnEmpty) out.warn('CL2007', pointer, 'the workload selector has no labels, so it selects every workload in the namespace')
  for (const k of keys) {
    const val = m[k]
    if (k === '') out.err('CL2007', at(pointer, k), 'empty label key is not allowed in a selector')
    else if (k.includes('*')) out.err('CL2007', at(pointer, k), `wildcard '*' is not allowed in selector key ${q(k)}`)
    else if (typeof val === 'string' && val.includes('*')) out.err('CL2007', at(pointer, k), `wildcard '*' is not allowed in selector value ${q(val)} (key ${q(k)})`)
    else {
      const kp = labelKeyProblem(k)
      if (kp) out.err('CL2007', at(pointer, k), kp)
      else if (typeof val === 'string') {
        const vp = labelValueProblem(val)
        if (vp) out.err('CL2007', at(pointer, k), vp)
      }
    }
  }
}

// ---------------------------------------------------------------- exportTo

/** Istio's exportTo rule. `namespace` is the resource's namespace ('.' is replaced by it to catch duplicates). */
export function checkExportTo(out: Out, pointer: string, v: unknown, namespace: string, opts: {serviceEntry?: boolean; drWithSelector?: boolean} = {}): void {
  const items = list(v)
  if (items.length === 0) return
  const set = new Set<string>()
  for (let i = 0; i < items.length; i++) {
    const e = items[i]
    if (typeof e !== 'string') continue
    const p = at(pointer, i)
    const key = e === '.' ? namespace : e
    if (set.has(key)) {
      out.err('CL2008', p, key !== e ? `exportTo lists both '.' and the resource's own namespace ${q(namespace)}` : `exportTo lists ${q(e)} more than once`)
      continue
    }
    set.add(key)
    if (key === '~' && !opts.serviceEntry) out.err('CL2008', p, "exportTo '~' (visible to no namespace) is only allowed on a ServiceEntry")
    else if (key !== '*' && key !== '~' && key !== '.' && !isK8sLabel(key)) out.err('CL2008', p, `exportTo entry ${q(e)} is not '.', '*' or a valid namespace name`)
  }
  if (opts.drWithSelector && set.size > 0) {
    if (!set.has(namespace)) out.err('CL2008', pointer, 'a DestinationRule with a workloadSelector can only be exported to its own namespace (".")')
    else if (set.size > 1) out.err('CL2008', pointer, 'a DestinationRule with a workloadSelector may only have one exportTo entry: its own namespace (".")')
  }
  if (set.has('*') && items.length > 1) out.err('CL2008', pointer, "exportTo cannot combine '*' (all namespaces) with other entries")
  if (set.has('~') && items.length > 1) out.err('CL2008', pointer, "exportTo cannot combine '~' (no namespace) with other entries")
}

// ---------------------------------------------------------------- protocols

const PROTOCOLS = new Set(['TCP', 'UDP', 'GRPC', 'GRPC-WEB', 'HTTP', 'HTTP_PROXY', 'HTTP2', 'HTTPS', 'TLS', 'MONGO', 'REDIS', 'MYSQL', 'HBONE', 'DOUBLEHBONE'])

/** Istio's protocol names (case-insensitive). */
export function isProtocol(p: string): boolean {
  return PROTOCOLS.has(p.toUpperCase())
}

export function isHttpProtocol(p: string): boolean {
  const u = p.toUpperCase()
  return u === 'HTTP' || u === 'HTTP2' || u === 'GRPC' || u === 'GRPC-WEB' || u === 'HTTP_PROXY'
}

// ---------------------------------------------------------------- misc

/** Each key of `o` for which the value is set (not null/undefined). */
export function setKeys(o: Obj | undefined, keys: readonly string[]): string[] {
  return o ? keys.filter((k) => has(o, k)) : []
}

/** Percent object {value}: 0..100. */
export function checkPercent(out: Out, pointer: string, v: unknown, what: string): void {
  const p = obj(v)
  if (!p || typeof p.value !== 'number') return
  if (p.value < 0 || p.value > 100) out.err('CL2013', at(pointer, 'value'), `${what} must be between 0 and 100; got ${p.value}`)
}

export function namespaceOf(metaNs: string | null): string {
  return metaNs ?? 'default'
}

export {isObj, str}
