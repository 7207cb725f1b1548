import {dump} from 'js-yaml'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {type Outcome, type PlanReport, type StatusReport} from './controller.js'
import {builtinQueries} from './analysis.js'
import {formatDuration} from './state.js'
import type {CanaryState, CheckResult, Obj} from './types.js'

function fmtValue(r: CheckResult): string {
  if (r.value === null) return '—'
  return Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(2)
}

export function renderChecks(results: readonly CheckResult[] | undefined): string[] {
  return (results ?? []).map((r) => `  ${r.verdict.padEnd(7)} ${r.name.padEnd(16)} ${fmtValue(r).padStart(8)}  want ${r.threshold}${r.detail ? `  (${r.detail})` : ''}`)
}

function renderDiags(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `  ${d.severity} ${d.code} ${d.message}${d.path ? ` at ${d.path}` : ''}`)
}

/** The human text of an outcome (stdout). */
export function renderOutcome(o: Outcome): string {
  const lines = [o.message]
  if (o.change) lines.push(`  weights: stable ${o.change.before.stable} → ${o.change.after.stable}, canary ${o.change.before.canary} → ${o.change.after.canary}`)
  if (o.results?.length) lines.push('checks:', ...renderChecks(o.results))
  if (o.diagnostics.length) lines.push('findings:', ...renderDiags(o.diagnostics))
  return lines.join('\n') + '\n'
}

/** Machine output of an outcome (versioned). */
export function outcomeJson(o: Outcome): string {
  return JSON.stringify({apiVersion: 'canary.cleat.dev/v1', kind: 'CanaryOutcome', exitCode: o.exitCode, message: o.message, change: o.change ?? null, results: o.results ?? [], diagnostics: o.diagnostics, state: o.state}, null, 2) + '\n'
}

function phaseLine(s: CanaryState, now: number): string {
  const w = s.plan.steps[s.step]
  let extra = ''
  if (s.phase === 'Baking' && s.bakeUntil) {
    const left = (Date.parse(s.bakeUntil) - now) / 1000
    extra = left > 0 ? ` (judged in ${formatDuration(left)})` : ' (bake over: ready to judge)'
  }
  if (s.phase === 'Paused' && s.pause) extra = ` (${s.pause.reason}${s.pause.reason === 'gate' ? ': run `cleat canary promote`' : ''})`
  if (s.outcome) extra = ` (${s.outcome.reason})`
  return `${s.phase} at step ${s.step + 1}/${s.plan.steps.length} (${w} %)${extra}`
}

export function renderStatus(r: StatusReport, now: number): string {
  if (!r.state) return `${r.target}: no canary run\n`
  const s = r.state
  const lines = [
    `${r.target}  run ${s.runId}`,
    `  phase    ${phaseLine(s, now)}`,
    `  route    http ${r.route}: stable ${describeSel(s.target.stable)} / canary ${describeSel(s.target.canary)}`,
    `  steps    ${s.plan.steps.map((x) => `${x}${s.plan.gates.includes(x) ? ' (gate)' : ''}`).join(' → ')}, bake ${formatDuration(s.plan.bakeSeconds)}`,
    `  written  stable ${s.lastWrite.weights.stable} / canary ${s.lastWrite.weights.canary}  at ${s.lastWrite.at}`,
    `  current  ${r.current ? `stable ${r.current.stable} / canary ${r.current.canary}` : 'route not found'}${r.drift ? '  DRIFT (differs from written)' : ''}`,
    ...(r.cluster
      ? [`  cluster  ${r.cluster.current ? `stable ${r.cluster.current.stable} / canary ${r.cluster.current.canary}${r.cluster.synced ? '  (synced with the file)' : '  (NOT yet synced with the file)'}` : `unavailable: ${r.cluster.error ?? 'route not found'}`}  [${r.cluster.describe}]`]
      : []),
    `  snapshot stable ${s.snapshot.weights.stable} / canary ${s.snapshot.weights.canary}`,
    `  lock     ${r.lock ? `${r.lock.holder} until ${r.lock.expires}${r.lock.expired ? ' (expired)' : ''}` : 'free'}`,
  ]
  if (s.checks) lines.push(`  checks   at ${s.checks.at} (step ${s.checks.step + 1})`, ...renderChecks(s.checks.results).map((l) => `  ${l}`))
  return lines.join('\n') + '\n'
}

export function statusJson(r: StatusReport): string {
  return JSON.stringify({apiVersion: 'canary.cleat.dev/v1', kind: 'CanaryStatus', target: r.target, route: r.route, current: r.current, drift: r.drift, cluster: r.cluster, lock: r.lock, state: r.state}) + '\n'
}

function describeSel(sel: {host?: string; subset?: string}): string {
  return sel.subset ?? sel.host ?? '?'
}

/** A small unified diff (line LCS), with `context` lines around each change. */
export function unifiedDiff(a: string, b: string, labelA: string, labelB: string, context = 2): string {
  const x = a.split('\n')
  const y = b.split('\n')
  const n = x.length
  const m = y.length
  const dp: Uint32Array[] = Array.from({length: n + 1}, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = x[i] === y[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!)
  const ops: {t: ' ' | '-' | '+'; s: string; ai: number; bi: number}[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) ops.push({t: ' ', s: x[i]!, ai: i++, bi: j++})
    else if (i < n && (j >= m || dp[i + 1]![j]! >= dp[i]![j + 1]!)) ops.push({t: '-', s: x[i]!, ai: i++, bi: j})
    else ops.push({t: '+', s: y[j]!, ai: i, bi: j++})
  }
  const out = [`--- ${labelA}`, `+++ ${labelB}`]
  let k = 0
  while (k < ops.length) {
    if (ops[k]!.t === ' ') {
      k++
      continue
    }
    const start = Math.max(0, k - context)
    let end = k
    while (end < ops.length) {
      if (ops[end]!.t !== ' ') {
        end++
        continue
      }
      let run = 0
      while (end + run < ops.length && ops[end + run]!.t === ' ') run++
      if (end + run >= ops.length || run > 2 * context) {
        end = Math.min(ops.length, end + context)
        break
      }
      end += run
    }
    const hunk = ops.slice(start, end)
    const aStart = hunk[0]!.ai + 1
    const bStart = hunk[0]!.bi + 1
    out.push(`@@ -${aStart},${hunk.filter((o) => o.t !== '+').length} +${bStart},${hunk.filter((o) => o.t !== '-').length} @@`)
    for (const o of hunk) out.push(`${o.t}${o.s}`)
    k = end
  }
  return out.join('\n') + '\n'
}

/** `plan` text: per step, the diff of the route and the checks that run after it. */
export function renderPlan(p: PlanReport, o: {target: string; bakeSeconds: number; checks: string[]; window: number; matchers: string | null; texts?: string[]}): string {
  const texts = o.texts ?? [p.vs, ...p.steps.map((s) => s.vs)].map((vs: Obj) => dump(vs, {noRefs: true, lineWidth: -1}))
  const lines: string[] = [`plan for ${o.target}: route ${p.route.route.name ?? `#${p.route.route.index}`}, now stable ${p.snapshot.stable} / canary ${p.snapshot.canary}`, '']
  p.steps.forEach((s, i) => {
    lines.push(`step ${i + 1}/${p.steps.length}: canary ${s.weight} % → stable ${s.split.stable} / canary ${s.split.canary}${s.gate ? '  (then stop for `promote`)' : ''}`)
    lines.push(unifiedDiff(texts[i]!, texts[i + 1]!, i === 0 ? `${o.target} (now)` : `${o.target} (step ${i})`, `${o.target} (step ${i + 1})`).trimEnd())
    lines.push(`  then bake ${formatDuration(o.bakeSeconds)} and check: ${o.checks.length ? o.checks.join('; ') : 'nothing (bake only)'}`)
    lines.push('')
  })
  if (o.matchers) {
    const q = builtinQueries(o.matchers, o.window)
    lines.push('built-in queries:', `  requests      ${q.requests}`, `  success-rate  ${q.successRate}`, `  p99-ms        ${q.p99}`, '')
  }
  lines.push(`rollback (abort, failed analysis or preflight): stable ${p.snapshot.stable} / canary ${p.snapshot.canary}`)
  if (p.diagnostics.length) lines.push('', 'preflight findings:', ...renderDiags(p.diagnostics))
  return lines.join('\n') + '\n'
}
