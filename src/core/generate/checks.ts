import {isObj, type Obj} from '../model/resource.js'
import {isDns1123Label, isDns1123Subdomain, labelKeyProblem, labelValueProblem} from '../validate/metadata.js'
import type {Problem} from './values.js'

/**
 * Checks named by `x-cleat-check` in the parameter schemas: Kubernetes and Istio syntax rules, with
 * messages that say what is wrong and what would be right. Each returns problems for one value.
 */
type Check = (v: unknown, pointer: string) => Problem[]

const LABEL_RULE = "a-z, 0-9 and '-', starting and ending with a letter or digit, at most 63 characters"
const SUBDOMAIN_RULE = "lowercase a-z, 0-9, '-' and '.', at most 253 characters"

const one = (code: string, pointer: string, message: string): Problem[] => [{code, pointer, message}]

export function hostProblem(host: string, allowWildcard: boolean): string | undefined {
  if (host === '*') return allowWildcard ? undefined : `'*' matches every host and cannot be a destination; name one service`
  let rest = host
  if (host.startsWith('*.')) {
    if (!allowWildcard) return `'${host}' is a wildcard; a destination must name one service`
    rest = host.slice(2)
  } else if (host.includes('*')) {
    return `'${host}' has a '*' that is not the whole first label (use '*.example.com')`
  }
  if (rest.length > 253) return `'${host}' is longer than 253 characters`
  if (rest !== rest.toLowerCase()) return `'${host}' has upper-case letters; host names are lowercase`
  for (const label of rest.split('.')) {
    if (!isDns1123Label(label)) return `'${host}' is not a valid host name: each dot-separated part must use ${LABEL_RULE}`
  }
  return undefined
}

const DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/
const UNIT_NS: Record<string, number> = {h: 3.6e12, m: 6e10, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1}

export function durationProblem(s: string): string | undefined {
  if (!DURATION.test(s)) return `'${s}' is not a duration; write a number and a unit, e.g. 500ms, 5s, 1m30s`
  let ns = 0
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) ns += Number(m[1]) * UNIT_NS[m[2]!]!
  if (ns < 1e6) return `'${s}' is shorter than 1ms, the smallest duration Istio accepts`
  return undefined
}

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure', 'cancelled', 'deadline-exceeded', 'internal',
  'resource-exhausted', 'unavailable',
])

/** `*` only as the whole value, a prefix or a suffix (Istio's AuthorizationPolicy string matching). */
function wildcardProblem(s: string): string | undefined {
  if (s === '*') return undefined
  const inner = s.slice(1, -1)
  if (inner.includes('*') || (s.startsWith('*') && s.endsWith('*'))) return `'${s}' uses '*' in the middle or at both ends; only '*', '*suffix' or 'prefix*' match`
  return undefined
}

const CHECKS: Record<string, Check> = {
  name: (v, p) => (typeof v === 'string' && !isDns1123Subdomain(v) ? one('CL7002', p, `'${v}' is not a valid name: use ${SUBDOMAIN_RULE}`) : []),
  namespace: (v, p) => (typeof v === 'string' && !isDns1123Label(v) ? one('CL7002', p, `'${v}' is not a valid namespace: use ${LABEL_RULE}`) : []),
  dnsLabel: (v, p) => (typeof v === 'string' && !isDns1123Label(v) ? one('CL7002', p, `'${v}' is not a valid name: use ${LABEL_RULE}`) : []),
  subset: (v, p) => (typeof v === 'string' && !isDns1123Label(v) ? one('CL7002', p, `subset name '${v}' is not valid: use ${LABEL_RULE}`) : []),
  host: (v, p) => {
    const m = typeof v === 'string' ? hostProblem(v, true) : undefined
    return m ? one('CL7003', p, m) : []
  },
  destinationHost: (v, p) => {
    const m = typeof v === 'string' ? hostProblem(v, false) : undefined
    return m ? one('CL7003', p, m) : []
  },
  gateway: (v, p) => {
    if (typeof v !== 'string' || v === 'mesh') return []
    const parts = v.split('/')
    const good = parts.length === 1 ? isDns1123Subdomain(parts[0]!) : parts.length === 2 && isDns1123Label(parts[0]!) && isDns1123Subdomain(parts[1]!)
    return good ? [] : one('CL7002', p, `gateway '${v}' is not NAME or NAMESPACE/NAME (${SUBDOMAIN_RULE}), nor 'mesh'`)
  },
  path: (v, p) => (typeof v === 'string' && !v.startsWith('/') ? one('CL7006', p, `'${v}' is not a path; paths start with '/'`) : []),
  headers: (v, p) => {
    if (!isObj(v)) return []
    const out: Problem[] = []
    for (const k of Object.keys(v)) {
      if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) out.push({code: 'CL7006', pointer: `${p}/${k}`, message: `header name '${k}' is not valid: use lowercase letters, digits and '-'`})
    }
    return out
  },
  duration: (v, p) => {
    const m = typeof v === 'string' ? durationProblem(v) : undefined
    return m ? one('CL7009', p, m) : []
  },
  retryOn: (v, p) =>
    typeof v === 'string' && !RETRY_ON.has(v) && !/^[1-5]\d\d$/.test(v)
      ? one('CL7006', p, `'${v}' is not a retry condition Istio knows (${[...RETRY_ON].slice(0, 6).join(', ')}, …, or an HTTP status code)`)
      : [],
  labels: (v, p) => {
    if (!isObj(v)) return []
    const out: Problem[] = []
    for (const [k, val] of Object.entries(v)) {
      const kp = labelKeyProblem(k)
      if (kp) out.push({code: 'CL7004', pointer: `${p}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`, message: kp})
      else if (typeof val === 'string') {
        const vp = labelValueProblem(val)
        if (vp) out.push({code: 'CL7004', pointer: `${p}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`, message: `${vp} (label '${k}')`})
      }
    }
    return out
  },
  labelKey: (v, p) => {
    const m = typeof v === 'string' ? labelKeyProblem(v) : undefined
    return m ? one('CL7004', p, m) : []
  },
  labelValue: (v, p) => {
    if (typeof v !== 'string') return []
    const m = v === '' ? `the value is empty` : labelValueProblem(v)
    return m ? one('CL7004', p, m) : []
  },
  principal: (v, p) => {
    if (typeof v !== 'string') return []
    if (v.startsWith('spiffe://')) return one('CL7010', p, `principal '${v}' starts with spiffe://; Istio principals omit it (${v.slice(9)})`)
    if (/\s/.test(v) || v === '') return one('CL7010', p, `principal '${v}' is empty or contains white space`)
    const w = wildcardProblem(v)
    return w ? one('CL7010', p, w) : []
  },
  namespacePattern: (v, p) => {
    if (typeof v !== 'string') return []
    if (v.includes('*')) {
      const w = wildcardProblem(v)
      return w ? one('CL7010', p, w) : []
    }
    return isDns1123Label(v) ? [] : one('CL7002', p, `'${v}' is not a valid namespace: use ${LABEL_RULE}`)
  },
  method: (v, p) =>
    typeof v === 'string' && v !== '*' && !/^[A-Z]+$/.test(v) ? one('CL7010', p, `'${v}' is not an HTTP method (upper-case letters, e.g. GET, POST)`) : [],
  pathPattern: (v, p) => {
    if (typeof v !== 'string') return []
    const w = wildcardProblem(v)
    if (w) return one('CL7010', p, w)
    if (v !== '*' && !v.startsWith('/') && !v.startsWith('*')) return one('CL7010', p, `path '${v}' must start with '/' (or be a '*suffix' pattern)`)
    return []
  },
  serviceAccountRef: (v, p) => {
    if (typeof v !== 'string') return []
    const parts = v.split('/')
    if (parts.length === 1 && isDns1123Subdomain(v)) return []
    if (parts.length === 2 && isDns1123Label(parts[0]!) && isDns1123Subdomain(parts[1]!)) return []
    return one('CL7002', p, `'${v}' is not a service account: write NAME or NAMESPACE/NAME (${SUBDOMAIN_RULE})`)
  },
  trustDomain: (v, p) => (typeof v === 'string' && !isDns1123Subdomain(v) ? one('CL7006', p, `trust domain '${v}' is not a valid domain name (${SUBDOMAIN_RULE})`) : []),
}

/** Walk a parameter schema and a value side by side, running every `x-cleat-check` on the way. */
export function runChecks(schema: Obj, value: unknown, pointer = ''): Problem[] {
  const out: Problem[] = []
  const check = schema['x-cleat-check']
  if (typeof check === 'string') {
    const fn = CHECKS[check]
    if (!fn) throw new Error(`unknown x-cleat-check '${check}'`)
    out.push(...fn(value, pointer))
  }
  if (isObj(value) && isObj(schema.properties)) {
    for (const [k, sub] of Object.entries(schema.properties)) {
      if (k in value && isObj(sub)) out.push(...runChecks(sub, value[k], `${pointer}/${k}`))
    }
  }
  if (Array.isArray(value) && isObj(schema.items)) {
    value.forEach((item, i) => out.push(...runChecks(schema.items as Obj, item, `${pointer}/${i}`)))
  }
  return out
}
