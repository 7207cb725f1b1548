import type {Inventory} from '../model/inventory.js'
import {effectiveNamespace, isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import {effectiveMtls, type EffectiveMtls} from '../mtls/effective.js'
import {and, matchField, matchIp, matchPath, matchPort, matchString, or, type Matcher, type Tri} from './match.js'
import {policyScope, type Action, type Policy, type Scope} from './policy.js'
import {ANY, type AuthzRequest, type Val} from './request.js'

export interface RuleTrace {
  index: number
  result: Tri
  /** One line per field or condition that was checked. */
  why: string[]
}

export interface PolicyTrace {
  policy: string
  action: Action
  dryRun: boolean
  applies: boolean
  scope: string
  /** `match`, `no-match` (or `maybe` in graph analysis); `not-applicable`; `invalid` (left out). */
  result: 'match' | 'no-match' | 'maybe' | 'not-applicable' | 'invalid'
  /** Index of the first matching rule. */
  rule: number | null
  rules: RuleTrace[]
}

export interface Verdict {
  decision: 'ALLOW' | 'DENY'
  policy: string | null
  rule: number | null
  reason: string
}

export interface Decision extends Verdict {
  trace: PolicyTrace[]
  /** Assumptions and facts worth showing with --explain (mTLS, TCP, CUSTOM providers...). */
  notes: string[]
  /** The verdict if dry-run policies were enforced, when it differs from the real one. */
  dryRun: Verdict | null
  /** AUDIT policies that match (they do not change the decision). */
  audited: string[]
  /** Effective mTLS of the destination port. */
  mtls: EffectiveMtls
}

export interface EvaluateOptions {
  /** What the external authorizer of matching CUSTOM policies answers (default allow). */
  customVerdict?: 'allow' | 'deny'
  /** PeerAuthentications (and other resources) to leave out, e.g. invalid ones. */
  ignore?: (r: Resource) => boolean
}

const ACTION_ORDER: Record<Action, number> = {CUSTOM: 0, DENY: 1, ALLOW: 2, AUDIT: 3}

/** Order policies are shown and evaluated in: CUSTOM, DENY, ALLOW, AUDIT, then by namespace/name. */
export function sortPolicies(policies: readonly Policy[]): Policy[] {
  return [...policies].sort((a, b) => ACTION_ORDER[a.action] - ACTION_ORDER[b.action] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/**
 * Evaluate a request offline, following Istio's documented order: a plaintext request to a STRICT
 * port is refused before authorization; then CUSTOM (a matching policy asks the external
 * authorizer), DENY (any match denies), and ALLOW (no applicable ALLOW policy → allowed; otherwise
 * allowed only when one matches). AUDIT never changes the decision; dry-run policies are evaluated
 * but not enforced; invalid policies are left out. Pure.
 */
export function evaluate(policies: readonly Policy[], req: AuthzRequest, inventory: Inventory, opts: EvaluateOptions = {}): Decision {
  const notes: string[] = []
  const mtls = effectiveMtls(inventory, req.to, typeof req.port === 'number' ? req.port : null, {ignore: opts.ignore})
  let request = req
  if (mtls.mode === 'DISABLE' && !req.plaintext && mtls.policy) {
    notes.push(`mTLS is DISABLE on the destination (${mtls.policy}): the request arrives as plaintext, without a peer identity`)
    request = {...req, plaintext: true, principal: null, namespace: null}
  }
  notes.push(...jwtNotes(request, inventory))
  const trace = sortPolicies(policies).map((p) => tracePolicy(p, request, inventory))
  if (request.port === null && trace.some((t) => t.rules.some((r) => r.why.some((w) => /(ports|destination\.port).* vs \(absent\)/.test(w))))) {
    notes.push('no --port given: rules that test ports (ports, notPorts, destination.port) were evaluated without a port; pass --port for a definite answer')
  }
  if (request.plaintext && mtls.mode !== 'STRICT') {
    const used = trace.filter((t) => t.applies && t.rules.some((r) => r.why.some((w) => /^(source\.(principals|notPrincipals|namespaces|notNamespaces|serviceAccounts|notServiceAccounts)|when source\.(principal|namespace)\b)/.test(w))))
    if (used.length > 0) notes.push(`plaintext request: mTLS-only fields of ${used.map((t) => t.policy).join(', ')} were compared with an empty identity (ISTIO-SECURITY-2021-004); require STRICT mTLS to close this gap`)
  }
  const verdict = decide(trace, policies, request, mtls, opts, false, notes)
  const shadow = decide(trace, policies, request, mtls, opts, true, [])
  const audited = trace.filter((t) => t.action === 'AUDIT' && t.applies && t.result === 'match').map((t) => t.policy)
  const dryRun = trace.some((t) => t.dryRun && t.applies) && (shadow.decision !== verdict.decision || shadow.policy !== verdict.policy) ? shadow : null
  return {...verdict, trace, notes, dryRun, audited, mtls}
}

function decide(trace: PolicyTrace[], policies: readonly Policy[], req: AuthzRequest, mtls: EffectiveMtls, opts: EvaluateOptions, withDryRun: boolean, notes: string[]): Verdict {
  if (req.plaintext && mtls.mode === 'STRICT') {
    return {decision: 'DENY', policy: mtls.policy, rule: null, reason: `plaintext request refused before authorization: mTLS mode is STRICT (PeerAuthentication ${mtls.policy})`}
  }
  const live = (a: Action) => trace.filter((t) => t.action === a && t.applies && t.result !== 'invalid' && (withDryRun || !t.dryRun))
  for (const t of live('CUSTOM')) {
    if (t.result !== 'match') continue
    const provider = policies.find((p) => p.id === t.policy)?.provider ?? '(no provider)'
    if ((opts.customVerdict ?? 'allow') === 'deny') {
      return {decision: 'DENY', policy: t.policy, rule: t.rule, reason: `CUSTOM policy ${t.policy} rule ${t.rule} sends the request to external authorizer ${provider}, assumed to deny (--custom-verdict deny)`}
    }
    notes.push(`CUSTOM policy ${t.policy} rule ${t.rule} sends the request to external authorizer ${provider}; assumed to allow (--custom-verdict)`)
  }
  for (const t of live('DENY')) {
    if (t.result === 'match') return {decision: 'DENY', policy: t.policy, rule: t.rule, reason: `denied by DENY policy ${t.policy} rule ${t.rule}`}
  }
  const allows = live('ALLOW')
  if (allows.length === 0) return {decision: 'ALLOW', policy: null, rule: null, reason: 'no ALLOW policy applies'}
  for (const t of allows) {
    if (t.result === 'match') return {decision: 'ALLOW', policy: t.policy, rule: t.rule, reason: `allowed by ALLOW policy ${t.policy} rule ${t.rule}`}
  }
  return {decision: 'DENY', policy: null, rule: null, reason: 'ALLOW policies apply but none matched'}
}

export interface TraceOptions {
  /** Precomputed scope (it does not depend on the caller). */
  scope?: Scope
  /** Skip the per-field explanations (graph analysis evaluates many pairs). */
  quiet?: boolean
}

/** Scope and rules of one policy against a request. */
export function tracePolicy(p: Policy, req: AuthzRequest, inventory: Inventory, opts: TraceOptions = {}): PolicyTrace {
  const base = {policy: p.id, action: p.action, dryRun: p.dryRun}
  if (p.invalid) return {...base, applies: false, scope: 'left out: the policy is invalid (see the diagnostics)', result: 'invalid', rule: null, rules: []}
  const scope = opts.scope ?? policyScope(p, req.to, inventory)
  if (!scope.applies) return {...base, applies: false, scope: scope.why, result: 'not-applicable', rule: null, rules: []}
  if (p.rules === null) return {...base, applies: true, scope: scope.why, result: 'no-match', rule: null, rules: []}
  const rules = p.rules.map((r, i) => evalRule(r, i, p.action, req, opts.quiet ?? false))
  const first = rules.find((r) => r.result === 'yes') ?? rules.find((r) => r.result === 'maybe')
  const result = or(...rules.map((r) => r.result))
  return {...base, applies: true, scope: scope.why, result: result === 'yes' ? 'match' : result === 'maybe' ? 'maybe' : 'no-match', rule: first && first.result !== 'no' ? first.index : null, rules}
}

interface FieldSpec {
  field: string
  notField: string
  get: (r: AuthzRequest) => Val<string> | Val<number> | Val<string[]>
  match: Matcher<never>
  http: boolean
}

const S = (field: string, get: FieldSpec['get'], match: Matcher<never>, http = false): FieldSpec => ({field, notField: `not${field[0]!.toUpperCase()}${field.slice(1)}`, get, match, http})
const str: Matcher<never> = (p, v) => matchString(p, v as string | null)
const ci: Matcher<never> = (p, v) => matchString(p, v as string | null, true)
const ip: Matcher<never> = (p, v) => matchIp(p, v as string | null)
const port: Matcher<never> = (p, v) => matchPort(p, v as number | null)
const path: Matcher<never> = (p, v) => matchPath(p, v as string | null)

const SOURCE_FIELDS: FieldSpec[] = [
  S('principals', (r) => r.principal, str),
  S('requestPrincipals', (r) => r.requestPrincipal, str, true),
  S('namespaces', (r) => r.namespace, str),
  S('serviceAccounts', (r) => principalPart(r.principal, 'sa'), str),
  S('trustDomains', (r) => principalPart(r.principal, 'td'), str),
  S('ipBlocks', (r) => r.sourceIp, ip),
  S('remoteIpBlocks', (r) => r.remoteIp, ip),
]

const OPERATION_FIELDS: FieldSpec[] = [
  S('hosts', (r) => r.host, ci, true),
  S('ports', (r) => r.port, port),
  S('methods', (r) => r.method, str, true),
  S('paths', (r) => r.path, path, true),
]

function principalPart(p: Val<string>, part: 'sa' | 'td'): Val<string> {
  if (p === ANY || p === null) return p
  const m = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(p)
  if (!m) return null
  return part === 'td' ? m[1]! : `${m[2]}/${m[3]}`
}

function evalRule(rule: Obj, index: number, action: Action, req: AuthzRequest, quiet: boolean): RuleTrace {
  const why: string[] = []
  const httpUsed: string[] = []
  const ignoreHttp = req.tcp && action !== 'ALLOW'
  const block = (obj: unknown, specs: FieldSpec[], label: string): Tri => {
    if (!isObj(obj)) return 'yes'
    const parts: Tri[] = []
    for (const s of specs) {
      const values = strings(obj[s.field])
      const notValues = strings(obj[s.notField])
      if (!values && !notValues) continue
      if (s.http && req.tcp) {
        httpUsed.push(`${label}.${values ? s.field : s.notField}`)
        if (ignoreHttp) continue
      }
      const attr = s.get(req)
      const r = matchField(values, notValues, attr as Val<never>, s.match)
      parts.push(r)
      if (!quiet) why.push(`${label}.${[values ? `${s.field} ${JSON.stringify(values)}` : '', notValues ? `${s.notField} ${JSON.stringify(notValues)}` : ''].filter(Boolean).join(' + ')} vs ${show(attr)}: ${r}`)
    }
    return and(...parts)
  }
  const list = (v: unknown, key: string, specs: FieldSpec[], label: string): Tri => {
    if (!Array.isArray(v) || v.length === 0) return 'yes'
    return or(...v.map((item) => block(isObj(item) ? item[key] : undefined, specs, label)))
  }
  const fromR = list(rule.from, 'source', SOURCE_FIELDS, 'source')
  const toR = list(rule.to, 'operation', OPERATION_FIELDS, 'operation')
  const whenParts: Tri[] = []
  if (Array.isArray(rule.when)) {
    for (const c of rule.when) {
      if (!isObj(c) || typeof c.key !== 'string') continue
      whenParts.push(evalCondition(c, action, req, quiet ? [] : why, httpUsed, ignoreHttp))
    }
  }
  let result = and(fromR, toR, ...whenParts)
  if (httpUsed.length > 0) {
    if (action === 'ALLOW') {
      result = 'no'
      why.push(`TCP connection: this ALLOW rule uses HTTP-only fields (${httpUsed.join(', ')}), so Istio never matches it`)
    } else {
      why.push(`TCP connection: HTTP-only fields (${httpUsed.join(', ')}) are ignored in a ${action} rule (treated as matching)`)
    }
  }
  if (why.length === 0) why.push('empty rule: matches every request')
  return {index, result, why}
}

function evalCondition(c: Obj, action: Action, req: AuthzRequest, why: string[], httpUsed: string[], ignoreHttp: boolean): Tri {
  const key = c.key as string
  const values = strings(c.values)
  const notValues = strings(c.notValues)
  const resolved = conditionAttr(key, req)
  const label = `when ${key}${values ? ` ${JSON.stringify(values)}` : ''}${notValues ? ` not ${JSON.stringify(notValues)}` : ''}`
  if (!resolved) {
    // Unknown or experimental keys cannot be evaluated offline: fail closed.
    const r: Tri = action === 'ALLOW' ? 'no' : 'yes'
    why.push(`${label}: cannot be evaluated offline, assumed ${action === 'ALLOW' ? 'not to match' : 'to match'} (fail closed)`)
    return r
  }
  if (resolved.http && req.tcp) {
    httpUsed.push(`when ${key}`)
    if (ignoreHttp) return 'yes'
  }
  const r = matchField(values, notValues, resolved.attr as Val<never>, resolved.match)
  why.push(`${label} vs ${show(resolved.attr)}: ${r}`)
  return r
}

function conditionAttr(key: string, req: AuthzRequest): {attr: Val<string> | Val<number> | Val<string[]>; match: Matcher<never>; http: boolean} | undefined {
  const header = /^request\.headers\[(.+)\]$/.exec(key)
  if (header) return {attr: req.headers === ANY ? ANY : (req.headers[header[1]!.toLowerCase()] ?? null), match: str, http: true}
  const claim = /^request\.auth\.claims(\[.+\])$/.exec(key)
  if (claim) return {attr: claimValue(req, [...claim[1]!.matchAll(/\[([^[\]]+)\]/g)].map((m) => m[1]!)), match: str, http: true}
  switch (key) {
    case 'source.ip':
      return {attr: req.sourceIp, match: ip, http: false}
    case 'remote.ip':
      return {attr: req.remoteIp, match: ip, http: false}
    case 'destination.ip':
      return {attr: req.destinationIp, match: ip, http: false}
    case 'source.namespace':
      return {attr: req.namespace, match: str, http: false}
    case 'source.principal':
      return {attr: req.principal, match: str, http: false}
    case 'destination.port':
      return {attr: req.port, match: port, http: false}
    case 'connection.sni':
      return {attr: req.sni, match: str, http: false}
    case 'request.auth.principal':
      return {attr: req.requestPrincipal, match: str, http: true}
    case 'request.auth.audiences':
      return {attr: claimValue(req, ['aud']), match: str, http: true}
    case 'request.auth.presenter':
      return {attr: claimValue(req, ['azp']), match: str, http: true}
    default:
      return undefined
  }
}

function claimValue(req: AuthzRequest, path: string[]): Val<string[]> {
  if (req.claims === ANY) return ANY
  let node: unknown = req.claims
  for (const seg of path) node = isObj(node) ? node[seg] : undefined
  if (node === undefined || node === null) return null
  const list = Array.isArray(node) ? node : [node]
  return list.filter((x) => ['string', 'number', 'boolean'].includes(typeof x)).map(String)
}

function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined
  return v.filter((x): x is string => typeof x === 'string')
}

function show(v: unknown): string {
  if (v === ANY) return 'any value'
  if (v === null || v === undefined) return '(absent)'
  return JSON.stringify(v)
}


/** A JWT is only trusted when a RequestAuthentication with its issuer applies to the destination. */
function jwtNotes(req: AuthzRequest, inventory: Inventory): string[] {
  if (req.claims === ANY || typeof req.claims.iss !== 'string') return []
  const iss = req.claims.iss
  const root = inventory.rootNamespace
  const applicable = (inventory.byKind.get('RequestAuthentication') ?? []).filter((r) => {
    const ns = effectiveNamespace(r)
    if (ns !== req.to.namespace && ns !== root) return false
    const sel = specOf(r).selector
    const labels = isObj(sel) && isObj(sel.matchLabels) ? sel.matchLabels : {}
    return Object.entries(labels).every(([k, v]) => req.to.labels[k] === v)
  })
  if (applicable.length === 0) {
    return ['the request carries a JWT, but no RequestAuthentication in the inputs applies to the destination: Istio would not validate it and request.auth.* would be empty (evaluated as given)']
  }
  const issuers = applicable.flatMap((r) => (Array.isArray(specOf(r).jwtRules) ? (specOf(r).jwtRules as unknown[]) : [])).map((j) => (isObj(j) ? j.issuer : undefined))
  return issuers.includes(iss) ? [] : [`no RequestAuthentication applying to the destination accepts issuer ${iss}: Istio would reject or ignore this JWT (evaluated as given)`]
}
