import {formatResource, sortDiagnostics, type Diagnostic} from '../diagnostics/diagnostic.js'
import type {Decision, PolicyTrace} from './evaluate.js'
import {labelText} from './policy.js'
import {ANY, type AuthzRequest} from './request.js'

/** The `-o json` document of `authz check`: exactly these five keys. */
export interface CheckJson {
  decision: 'ALLOW' | 'DENY'
  policy: string | null
  rule: number | null
  reason: string
  trace: PolicyTrace[]
}

export function toCheckJson(d: Decision): CheckJson {
  return {decision: d.decision, policy: d.policy, rule: d.rule, reason: d.reason, trace: d.trace}
}

/** One line, e.g. `cluster.local/ns/shop/sa/frontend → shop app=orders: POST /orders port 8080`. */
export function describeRequest(r: AuthzRequest): string {
  const from = r.plaintext ? 'plaintext (no peer identity)' : String(r.principal === ANY ? 'any identity' : r.principal)
  const to = `${r.to.namespace} ${labelText(r.to.labels) || '(no labels)'}`
  const what = r.tcp ? 'TCP connection' : `${String(r.method)} ${String(r.path)}`
  const extra = [
    typeof r.port === 'number' ? `port ${r.port}` : '',
    typeof r.host === 'string' ? `host ${r.host}` : '',
    typeof r.sourceIp === 'string' ? `from ip ${r.sourceIp}` : '',
    typeof r.requestPrincipal === 'string' ? `jwt ${r.requestPrincipal}` : '',
  ].filter(Boolean)
  return `${from} → ${to}: ${what}${extra.length ? ` (${extra.join(', ')})` : ''}`
}

export interface CheckTextOptions {
  explain: boolean
  request: AuthzRequest
  /** Notes from building the request. */
  notes?: readonly string[]
}

/** Human output of `authz check`: the decision line, then (with explain) the full trace. */
export function formatCheckText(d: Decision, o: CheckTextOptions): string {
  const lines = [`${d.decision}  ${d.reason}`]
  if (d.dryRun) lines.push(`dry-run: with dry-run policies enforced the decision would be ${d.dryRun.decision} (${d.dryRun.reason})`)
  if (!o.explain) return lines.join('\n') + '\n'
  lines.push('', `request  ${describeRequest(o.request)}`)
  lines.push(`mTLS     ${d.mtls.mode} ${d.mtls.policy ? `(PeerAuthentication ${d.mtls.policy}, ${d.mtls.level} level)` : '(no PeerAuthentication: Istio default)'}`)
  for (const n of [...(o.notes ?? []), ...d.notes]) lines.push(`note     ${n}`)
  for (const a of d.audited) lines.push(`audit    AUDIT policy ${a} matches: the request is marked for auditing`)
  lines.push('', d.trace.length === 0 ? 'no AuthorizationPolicy in the inputs' : 'policies (evaluated CUSTOM, DENY, ALLOW; AUDIT last):')
  const width = Math.max(0, ...d.trace.map((t) => t.policy.length))
  for (const t of d.trace) {
    const tag = `${t.action.padEnd(6)} ${t.policy.padEnd(width)}${t.dryRun ? ' [dry-run]' : ''}`
    if (!t.applies) {
      lines.push(`  ${tag}  does not apply: ${t.scope}`)
      continue
    }
    const outcome = t.result === 'match' ? `MATCH (rule ${t.rule})` : t.rules.length === 0 ? 'no match (no rules: never matches)' : 'no match'
    lines.push(`  ${tag}  applies (${t.scope}): ${outcome}`)
    for (const r of t.rules) {
      lines.push(`      rule ${r.index}: ${r.result}`)
      for (const w of r.why) lines.push(`        ${w}`)
    }
  }
  return lines.join('\n') + '\n'
}

/** Findings about the inputs, one line each, for stderr. */
export function formatDiagnosticLines(diags: readonly Diagnostic[]): string {
  return sortDiagnostics(diags)
    .map((d) => `${d.file ? `${d.file}:${d.line ?? 1}:${d.column ?? 1}` : '-'} ${d.severity} ${d.code} ${d.message}${d.resource ? ` [${formatResource(d.resource)}]` : ''}`)
    .join('\n')
}
