import {isIPOrCidr} from './common.js'
import {checkPolicyTargets} from './policy-target.js'
import {at, cached, has, list, nativeRule, obj, q, type Obj, type Out} from './util.js'

/** What each source/operation list field is, so every object is read once, key by key. */
const enum F {
  Plain = 0,
  Ip = 1,
  ServiceAccount = 2,
  TrustDomain = 4,
  Identity = 8,
  HttpOnly = 16,
  PrincipalOrNamespace = 32,
  Port = 64,
  Path = 128,
}

const SOURCE_FIELDS: ReadonlyMap<string, number> = new Map([
  ['principals', F.Identity | F.PrincipalOrNamespace], ['notPrincipals', F.Identity | F.PrincipalOrNamespace],
  ['requestPrincipals', F.Identity | F.HttpOnly], ['notRequestPrincipals', F.Identity | F.HttpOnly],
  ['namespaces', F.Identity | F.PrincipalOrNamespace], ['notNamespaces', F.Identity | F.PrincipalOrNamespace],
  ['ipBlocks', F.Ip], ['notIpBlocks', F.Ip], ['remoteIpBlocks', F.Ip], ['notRemoteIpBlocks', F.Ip],
  ['serviceAccounts', F.Identity | F.ServiceAccount], ['notServiceAccounts', F.Identity | F.ServiceAccount],
  ['trustDomains', F.TrustDomain], ['notTrustDomains', F.TrustDomain],
])
const OPERATION_FIELDS: ReadonlyMap<string, number> = new Map([
  ['hosts', F.HttpOnly], ['notHosts', F.HttpOnly], ['methods', F.HttpOnly], ['notMethods', F.HttpOnly],
  ['paths', F.HttpOnly | F.Path], ['notPaths', F.HttpOnly | F.Path], ['ports', F.Port], ['notPorts', F.Port],
])

const PLAIN_KEYS = new Set(['source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'source.serviceAccount', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter', 'destination.ip', 'destination.port', 'connection.sni'])
const REMOVED_KEYS = ['destination.namespace', 'destination.labels', 'destination.name', 'destination.user', 'source.user']
const IP_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip'])
const CUSTOM_FORBIDDEN_KEYS = ['source.namespace', 'source.principal', 'source.serviceAccount', 'source.trustDomain', 'request.auth.']

/** AuthorizationPolicy: action/provider, selector/targetRefs, and every rule's from/to/when. */
export const authorizationPolicyRule = nativeRule('authorizationpolicy', ['AuthorizationPolicy'], (spec, out) => {
  const action = typeof spec.action === 'string' ? spec.action : 'ALLOW'
  checkPolicyTargets(out, spec, 'CL2700')
  const provider = obj(spec.provider)
  if (has(spec, 'provider') && action !== 'CUSTOM') out.err('CL2700', '/spec/provider', `provider is only used with action CUSTOM (action is ${action})`)
  const rules = list(spec.rules)
  if (action === 'CUSTOM') {
    if (!provider || typeof provider.name !== 'string' || provider.name === '') out.err('CL2700', provider ? '/spec/provider' : '/spec', 'action CUSTOM needs a provider with a name (an extension provider of the mesh config)')
    if (rules.length === 0) out.err('CL2700', '/spec', 'action CUSTOM needs rules; use "rules: [{}]" to send every request to the provider')
  }
  if (action === 'DENY' && !has(spec, 'rules')) out.err('CL2700', '/spec', 'a DENY policy without rules never matches anything; add rules (use "rules: [{}]" to deny everything)')
  for (let i = 0, items = rules; i < items.length; i++) {
    const rv = items[i]
    const rp = at('/spec/rules', i)
    const rule = obj(rv)
    if (!rule) continue
    checkRule(out, rp, rule, action)
  }
})

function checkRule(out: Out, rp: string, rule: Obj, action: string): void {
  if (Array.isArray(rule.from) && rule.from.length === 0) out.err('CL2701', at(rp, 'from'), 'from is an empty list; remove it or add a source')
  let httpOnly = false
  let hasPorts = false
  for (let j = 0, items = list(rule.from); j < items.length; j++) {
    const fv = items[j]
    const f = obj(fv)
    if (!f || !has(f, 'source')) {
      out.err('CL2701', at(rp, 'from', j), 'a from entry needs a source')
      continue
    }
    const src = obj(f.source)
    if (!src) continue
    const sp = at(rp, 'from', j, 'source')
    const seen = checkFields(out, sp, src, SOURCE_FIELDS)
    if (seen === 0) out.err('CL2701', sp, 'source is empty; set principals, namespaces, ipBlocks, requestPrincipals or another field')
    if (seen & F.ServiceAccount && seen & F.PrincipalOrNamespace) {
      const others = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'].filter((k) => list(src[k]).length > 0)
      out.err('CL2701', sp, `serviceAccounts cannot be combined with ${others.join(', ')} in the same source; use a separate from entry`)
    }
    if (action === 'CUSTOM' && seen & F.Identity) {
      const identity = [...SOURCE_FIELDS].filter(([k, f]) => f & F.Identity && list(src[k]).length > 0).map(([k]) => k)
      out.err('CL2701', sp, `action CUSTOM does not support identity fields (${identity.join(', ')}); the external authorizer sees no verified identity`)
    }
    if (seen & F.HttpOnly) httpOnly = true
  }
  if (Array.isArray(rule.to) && rule.to.length === 0) out.err('CL2701', at(rp, 'to'), 'to is an empty list; remove it or add an operation')
  for (let j = 0, items = list(rule.to); j < items.length; j++) {
    const tv = items[j]
    const t = obj(tv)
    if (!t || !has(t, 'operation')) {
      out.err('CL2701', at(rp, 'to', j), 'a to entry needs an operation')
      continue
    }
    const op = obj(t.operation)
    if (!op) continue
    const opp = at(rp, 'to', j, 'operation')
    const seen = checkFields(out, opp, op, OPERATION_FIELDS)
    if (seen === 0) out.err('CL2701', opp, 'operation is empty; set hosts, ports, methods or paths')
    if (seen & F.Port) hasPorts = true
    if (seen & F.HttpOnly) httpOnly = true
  }
  for (let j = 0, items = list(rule.when); j < items.length; j++) {
    const cv = items[j]
    const c = obj(cv)
    if (!c) continue
    if (typeof c.key !== 'string') continue
    const cp = at(rp, 'when', j)
    const key = c.key
    if (key === '') {
      out.err('CL2701', at(cp, 'key'), 'a when condition needs a non-empty key')
      continue
    }
    if (list(c.values).length === 0 && list(c.notValues).length === 0) out.err('CL2701', cp, `condition ${q(key)} needs values or notValues`)
    const kp = attributeProblem(key)
    if (kp) out.err('CL2701', at(cp, 'key'), kp)
    else for (const f of CONDITION_VALUE_FIELDS) {
      for (let n = 0, items = list(c[f]); n < items.length; n++) {
        const val = items[n]
        if (typeof val !== 'string') continue
        if (val === '') out.err('CL2701', at(cp, f, n), `${f} of ${q(key)} contains an empty string`)
        else if (IP_KEYS.has(key) && !isIPOrCidr(val)) out.err('CL2701', at(cp, f, n), `${q(val)} is not an IP address or CIDR block (key ${key})`)
        else if (key === 'destination.port' && !validPortString(val)) out.err('CL2701', at(cp, f, n), `${q(val)} is not a port number (key destination.port)`)
      }
    }
    if (action === 'CUSTOM' && CUSTOM_FORBIDDEN_KEYS.some((k) => key.startsWith(k))) out.err('CL2701', at(cp, 'key'), `action CUSTOM does not support the identity attribute ${q(key)}`)
    if (key.startsWith('request.')) httpOnly = true
    if (key === 'destination.port') hasPorts = true
  }
  if (action === 'DENY' && httpOnly && !hasPorts) {
    out.warn('CL2701', rp, 'this DENY rule uses HTTP-only attributes without ports, so it also denies all plain TCP traffic to the selected workloads; add ports to limit it to HTTP ports')
  }
}

/**
 * Check the non-empty list fields of a source or operation in one pass over its keys: no empty strings,
 * and the format each kind of field needs. Returns the union of the flags of the fields that are set.
 */
function checkFields(out: Out, base: string, o: Obj, fields: ReadonlyMap<string, number>): number {
  let seen = 0
  for (const k in o) {
    const flags = fields.get(k)
    const items = list(o[k])
    if (flags === undefined || items.length === 0) continue
    seen |= flags | 0x1000
    for (let n = 0; n < items.length; n++) {
      const v = items[n]
      if (typeof v !== 'string') continue
      if (v === '') out.err('CL2701', at(base, k, n), `${k} contains an empty string`)
      else if (flags & F.Ip && !isIPOrCidr(v)) out.err('CL2701', at(base, k, n), `${q(v)} is not an IP address or CIDR block`)
      else if (flags & F.Port && !validPortString(v)) out.err('CL2701', at(base, k, n), `${q(v)} is not a port number (0..65535)`)
      else if (flags & F.TrustDomain && v.includes('/')) out.err('CL2701', at(base, k, n), `trust domain ${q(v)} cannot contain '/'`)
      else if (flags & F.ServiceAccount) {
        if (v.includes('*')) out.err('CL2701', at(base, k, n), `service account ${q(v)} cannot use wildcards`)
        else if (v.split('/').length > 2 || v.startsWith('/') || v.endsWith('/')) out.err('CL2701', at(base, k, n), `service account ${q(v)} must be "name" or "namespace/name"`)
      } else if (flags & F.Path) {
        const problem = pathTemplateProblem(v)
        if (problem) out.err('CL2701', at(base, k, n), problem)
      }
    }
  }
  return seen
}

function validPortString(s: string): boolean {
  return /^\d+$/.test(s) && Number(s) <= 65535
}

const CONDITION_VALUE_FIELDS = ['values', 'notValues'] as const

const attributeProblem = cached(computeAttributeProblem)

function computeAttributeProblem(key: string): string | undefined {
  if (PLAIN_KEYS.has(key) || key === 'source.trustDomain') return undefined
  if (key.startsWith('experimental.envoy.filters.')) return undefined
  for (const prefix of ['request.headers', 'request.auth.claims']) {
    if (key.startsWith(prefix)) return /^[a-z.]+(\[[^\]]+\])+$/.test(key) && key.indexOf('[') === prefix.length ? undefined : `${q(key)} must have the form ${prefix}[name]`
  }
  if (REMOVED_KEYS.some((k) => key.startsWith(k))) return `attribute ${q(key)} is no longer supported`
  return `unknown attribute ${q(key)} (use e.g. request.headers[name], source.ip, source.namespace, source.principal, request.auth.claims[name], destination.port)`
}

/** Path template rules: `{*}` and `{**}` must be whole path segments; no other braces. */
function pathTemplateProblem(path: string): string | undefined {
  if (!path.includes('{') && !path.includes('}')) return undefined
  const segs = path.split('/')
  for (const s of segs) {
    if (!s.includes('{') && !s.includes('}')) continue
    if (s === '{*}') continue
    if (s === '{**}') continue
    return `path template ${q(path)}: {*} and {**} must be whole path segments; other braces are not allowed`
  }
  return undefined
}
