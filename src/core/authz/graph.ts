import type {Inventory} from '../model/inventory.js'
import {isObj, type Obj, type Resource} from '../model/resource.js'
import {effectiveMtls, portLevelPorts} from '../mtls/effective.js'
import {sortPolicies, tracePolicy, type PolicyTrace} from './evaluate.js'
import {policyScope, type Policy} from './policy.js'
import {ANY, type AuthzRequest} from './request.js'

export type EdgeDecision = 'ALLOW' | 'DENY' | 'CONDITIONAL'

/** Pseudo-source for callers without a peer identity (plaintext, outside the mesh). */
export const PLAINTEXT = '(plaintext)'

export interface GraphEdge {
  /** Caller: a service account `namespace/name`, or `(plaintext)`. */
  from: string
  /** Callee: a workload `namespace/name`. */
  to: string
  decision: EdgeDecision
  /** For CONDITIONAL: `allowed if ...` / `denied if ...` lines; empty otherwise. */
  conditions: string[]
  /** The policy that decides (DENY/ALLOW), or the ones that make it conditional. */
  policies: string[]
  /** Why, in words. */
  reason: string
}

export interface AuthzGraph {
  serviceAccounts: {id: string; workloads: string[]}[]
  workloads: {id: string; kind: string; serviceAccount: string}[]
  edges: GraphEdge[]
}

export interface GraphOptions {
  /** Only workloads of this namespace as callees (callers: all service accounts). */
  namespace?: string
  trustDomain?: string
  /** PeerAuthentications to leave out (invalid ones). */
  ignore?: (r: Resource) => boolean
}

/**
 * Who may call whom: for every service account (and a plaintext caller) and every workload of the
 * inventory, whether a request can be allowed, judged over all methods, paths, ports, headers and
 * JWTs. A caller calling its own workloads is left out. Dry-run and invalid policies are not enforced.
 */
export function buildAuthzGraph(policies: readonly Policy[], inventory: Inventory, opts: GraphOptions = {}): AuthzGraph {
  const td = opts.trustDomain ?? 'cluster.local'
  const enforced = sortPolicies(policies.filter((p) => !p.dryRun && !p.invalid && p.action !== 'AUDIT'))
  const workloads = [...inventory.workloads]
    .filter((w) => opts.namespace === undefined || w.namespace === opts.namespace)
    .sort((a, b) => cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`))
  const sas = [...inventory.serviceAccounts].sort(cmp)
  const edges: GraphEdge[] = []
  // With everything but the caller's identity left open, a policy's rules give the same result for a
  // caller whatever workload it applies to: evaluate each (policy, caller) once.
  const cache = new Map<string, PolicyTrace>()
  for (const w of workloads) {
    const to = {namespace: w.namespace, labels: w.labels}
    const mtls = effectiveMtls(inventory, to, null, {ignore: opts.ignore})
    const openPorts = portLevelPorts(inventory, to, {ignore: opts.ignore}).filter((p) => effectiveMtls(inventory, to, p, {ignore: opts.ignore}).mode !== 'STRICT')
    // Scope does not depend on the caller: keep only the policies that apply to this workload.
    const scoped = enforced.map((p) => ({p, scope: policyScope(p, to, inventory)})).filter((x) => x.scope.applies)
    const applicable = scoped.map((x) => x.p)
    const byId = new Map(applicable.map((p) => [p.id, p]))
    for (const from of [...sas, PLAINTEXT]) {
      if (from === `${w.namespace}/${w.serviceAccount}`) continue
      let plaintext = from === PLAINTEXT
      const [ns, sa] = from.split('/')
      if (!plaintext && mtls.mode === 'DISABLE') plaintext = true
      const req: AuthzRequest = {
        to,
        principal: plaintext ? null : `${td}/ns/${ns}/sa/${sa}`,
        namespace: plaintext ? null : ns!,
        plaintext,
        tcp: false,
        sourceIp: ANY, remoteIp: ANY, destinationIp: ANY, method: ANY, path: ANY, host: ANY, port: ANY, sni: ANY, headers: ANY, requestPrincipal: ANY, claims: ANY,
      }
      const traces = scoped.map(({p, scope}) => {
        const key = `${p.id}|${String(req.principal)}`
        let t = cache.get(key)
        if (!t) cache.set(key, (t = tracePolicy(p, req, inventory, {scope, quiet: true})))
        return t
      })
      const edge = decideEdge(from, `${w.namespace}/${w.name}`, traces, byId)
      if (plaintext && mtls.mode === 'STRICT' && edge.decision !== 'DENY') {
        if (openPorts.length === 0) Object.assign(edge, {decision: 'DENY', conditions: [], policies: [mtls.policy!], reason: `plaintext refused: mTLS STRICT (${mtls.policy})`})
        else Object.assign(edge, {decision: 'CONDITIONAL', conditions: [`only on port${openPorts.length > 1 ? 's' : ''} ${openPorts.join(',')} (mTLS STRICT elsewhere)`, ...edge.conditions]})
      }
      edges.push(edge)
    }
  }
  const bySa = new Map<string, string[]>()
  for (const w of inventory.workloads) bySa.set(`${w.namespace}/${w.serviceAccount}`, [...(bySa.get(`${w.namespace}/${w.serviceAccount}`) ?? []), `${w.namespace}/${w.name}`])
  return {
    serviceAccounts: sas.map((id) => ({id, workloads: (bySa.get(id) ?? []).sort(cmp)})),
    workloads: workloads.map((w) => ({id: `${w.namespace}/${w.name}`, kind: w.kind, serviceAccount: `${w.namespace}/${w.serviceAccount}`})),
    edges,
  }
}

function decideEdge(from: string, to: string, traces: PolicyTrace[], policies: ReadonlyMap<string, Policy>): GraphEdge {
  const on = (a: string, r: string) => traces.filter((t) => t.action === a && t.applies && t.result === r)
  const rulesOf = (t: PolicyTrace, r: string) => t.rules.filter((x) => x.result === r).map((x) => ({t, rule: policies.get(t.policy)!.rules![x.index]!, index: x.index}))
  const edge = (decision: EdgeDecision, reason: string, pols: string[], conditions: string[] = []): GraphEdge => ({from, to, decision, conditions, policies: [...new Set(pols)], reason})
  const denyYes = on('DENY', 'match')[0]
  if (denyYes) return edge('DENY', `denied by DENY policy ${denyYes.policy} rule ${denyYes.rule}`, [denyYes.policy])
  const customs = [...on('CUSTOM', 'match'), ...on('CUSTOM', 'maybe')]
  const denyMaybe = on('DENY', 'maybe').flatMap((t) => rulesOf(t, 'maybe'))
  const denied = denyMaybe.map((x) => `denied if ${summarizeRule(x.rule)} (${x.t.policy} rule ${x.index})`)
  const custom = customs.map((t) => `external authorizer of ${t.policy} must allow${t.result === 'maybe' ? ' when its rules match' : ''}`)
  const extra = [...denied, ...custom]
  const extraPols = [...denyMaybe.map((x) => x.t.policy), ...customs.map((t) => t.policy)]
  const allows = traces.filter((t) => t.action === 'ALLOW' && t.applies)
  if (allows.length === 0) {
    return extra.length ? edge('CONDITIONAL', 'no ALLOW policy applies, but DENY/CUSTOM rules may', extraPols, extra) : edge('ALLOW', 'no ALLOW policy applies', [])
  }
  const allowYes = allows.find((t) => t.result === 'match')
  if (allowYes) {
    return extra.length
      ? edge('CONDITIONAL', `allowed by ${allowYes.policy} rule ${allowYes.rule}, except where DENY/CUSTOM rules apply`, [allowYes.policy, ...extraPols], extra)
      : edge('ALLOW', `allowed by ALLOW policy ${allowYes.policy} rule ${allowYes.rule}`, [allowYes.policy])
  }
  const allowMaybe = allows.filter((t) => t.result === 'maybe').flatMap((t) => rulesOf(t, 'maybe'))
  if (allowMaybe.length === 0) return edge('DENY', 'ALLOW policies apply but none matches this caller', [])
  return edge(
    'CONDITIONAL',
    'only requests matching an ALLOW rule',
    [...allowMaybe.map((x) => x.t.policy), ...extraPols],
    [...allowMaybe.map((x) => `allowed if ${summarizeRule(x.rule)} (${x.t.policy} rule ${x.index})`), ...extra],
  )
}

const OP_FIELDS = ['methods', 'paths', 'ports', 'hosts'] as const
const SOURCE_REQUEST_FIELDS = ['ipBlocks', 'remoteIpBlocks', 'requestPrincipals'] as const

/** The request-dependent part of a rule in a few words: `GET,POST /orders,/orders/*`, `port 8080`, `when ...`. */
export function summarizeRule(rule: Obj): string {
  const parts: string[] = []
  const ops = Array.isArray(rule.to) ? rule.to.map((t) => (isObj(t) && isObj(t.operation) ? t.operation : {})) : []
  const opText = ops.map((o) => {
    const bits: string[] = []
    for (const f of OP_FIELDS) {
      const v = list(o[f])
      const nv = list(o[`not${f[0]!.toUpperCase()}${f.slice(1)}`])
      const label = f === 'methods' || f === 'paths' ? '' : `${f.slice(0, -1)} `
      if (v) bits.push(`${label}${v.join(',')}`)
      if (nv) bits.push(`not ${label}${nv.join(',')}`)
    }
    return bits.join(' ') || 'any operation'
  })
  if (opText.length) parts.push(opText.join(' | '))
  const srcs = Array.isArray(rule.from) ? rule.from.map((f) => (isObj(f) && isObj(f.source) ? f.source : {})) : []
  for (const s of srcs) for (const f of SOURCE_REQUEST_FIELDS) {
    const v = list(s[f])
    const nv = list(s[`not${f[0]!.toUpperCase()}${f.slice(1)}`])
    if (v) parts.push(`${f} ${v.join(',')}`)
    if (nv) parts.push(`not ${f} ${nv.join(',')}`)
  }
  if (Array.isArray(rule.when)) {
    for (const c of rule.when) {
      if (!isObj(c) || typeof c.key !== 'string') continue
      const v = list(c.values)
      const nv = list(c.notValues)
      parts.push(`${c.key}${v ? ` in ${v.join(',')}` : ''}${nv ? ` not in ${nv.join(',')}` : ''}`)
    }
  }
  return parts.join('; ') || 'any request'
}

function list(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length > 0 ? v.map(String) : undefined
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
