import type {Judgement} from './state.js'
import type {AnalysisSettings, CheckResult, NoDataPolicy, Verdict} from './types.js'

/** One series of an instant-query result. */
export interface MetricSample {
  labels: Record<string, string>
  /** The value as Prometheus sent it (a string; may be NaN, +Inf, -Inf). */
  value: string
}

/** A metrics provider (Prometheus): `query` runs an instant query; it throws on provider errors. */
export interface MetricsSource {
  query(promql: string): Promise<MetricSample[]>
}

/** A custom check from the --analysis file. */
export interface CustomMetric {
  name: string
  query: string
  min?: number
  max?: number
  onNoData?: NoDataPolicy
}

export interface CheckCommandResult {
  exitCode: number
  output: string
  timedOut?: boolean
}

export interface AnalysisInput {
  settings: AnalysisSettings
  metrics: MetricsSource | null
  custom: readonly CustomMetric[]
  /** PromQL label matchers selecting the canary, e.g. `destination_service_name="reviews",destination_version="v2"`. */
  canaryMatchers: string
  /** Template variables for custom queries ({{name}}). */
  vars: Record<string, string>
  check?: {command: string; run: (command: string) => Promise<CheckCommandResult>}
}

export interface AnalysisOutcome {
  results: CheckResult[]
  judgement: Judgement
}

/** Render `{{var}}` placeholders; an unknown placeholder is left visible so the query fails loudly. */
export function renderQuery(q: string, vars: Record<string, string>): string {
  return q.replace(/\{\{\s*([a-zA-Z_]+)\s*\}\}/g, (m, k: string) => vars[k] ?? m)
}

export function builtinQueries(m: string, windowSeconds: number): {requests: string; successRate: string; p99: string} {
  const w = `${Math.max(1, Math.round(windowSeconds))}s`
  const sel = `reporter="destination",${m}`
  return {
    requests: `sum(increase(istio_requests_total{${sel}}[${w}]))`,
    successRate: `100 * (sum(rate(istio_requests_total{${sel},response_code!~"5.."}[${w}])) or vector(0)) / sum(rate(istio_requests_total{${sel}}[${w}]))`,
    p99: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${sel}}[${w}])))`,
  }
}

type Scalar = {kind: 'value'; value: number} | {kind: 'no-data'; detail: string} | {kind: 'invalid'; detail: string}

/** Reduce a query result to one finite number; empty, NaN, ±Inf are no data, several series are invalid. */
export function toScalar(samples: readonly MetricSample[]): Scalar {
  if (samples.length === 0) return {kind: 'no-data', detail: 'the query returned no series'}
  if (samples.length > 1) return {kind: 'invalid', detail: `the query returned ${samples.length} series; it must return exactly one (aggregate it with sum(...))`}
  const v = Number(samples[0]!.value)
  if (Number.isNaN(v)) return {kind: 'no-data', detail: 'the query returned NaN'}
  if (!Number.isFinite(v)) return {kind: 'no-data', detail: `the query returned ${v > 0 ? '+Inf' : '-Inf'}`}
  return {kind: 'value', value: v}
}

async function measure(metrics: MetricsSource, q: string): Promise<Scalar> {
  try {
    return toScalar(await metrics.query(q))
  } catch (e) {
    return {kind: 'invalid', detail: `provider error: ${(e as Error).message}`}
  }
}

function thresholdText(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `${min}..${max}`
  if (min !== undefined) return `>= ${min}`
  if (max !== undefined) return `<= ${max}`
  return 'any value'
}

function judgeValue(name: string, s: Scalar, query: string, min?: number, max?: number): CheckResult {
  const threshold = thresholdText(min, max)
  if (s.kind !== 'value') return {name, verdict: s.kind, value: null, threshold, detail: s.detail, query}
  const ok = (min === undefined || s.value >= min) && (max === undefined || s.value <= max)
  return {name, verdict: ok ? 'pass' : 'fail', value: s.value, threshold, query}
}

/**
 * Run every configured check once and decide. A failed check fails the step. No data (empty, NaN,
 * ±Inf, too few requests) follows the no-data policy; invalid results (several series, provider errors)
 * follow it too except that they are never a pass.
 */
export async function runAnalysis(input: AnalysisInput): Promise<AnalysisOutcome> {
  const results: CheckResult[] = []
  const policies: NoDataPolicy[] = []
  const s = input.settings
  const builtins = input.metrics !== null && (s.minSuccessRate !== null || s.maxP99Ms !== null)
  if (builtins) {
    const q = builtinQueries(input.canaryMatchers, s.windowSeconds)
    const reqs = await measure(input.metrics!, q.requests)
    const count = reqs.kind === 'value' ? reqs.value : reqs.kind === 'no-data' ? 0 : null
    const enough = count !== null && count >= s.minRequests
    results.push({
      name: 'requests',
      verdict: count === null ? 'invalid' : enough ? 'pass' : 'no-data',
      value: count === null ? null : Math.round(count),
      threshold: `>= ${s.minRequests}`,
      detail: reqs.kind === 'invalid' ? reqs.detail : enough ? undefined : `only ${Math.round(count ?? 0)} canary requests in the window`,
      query: q.requests,
    })
    policies.push(s.onNoData)
    const guard = (name: string, query: string, threshold: string): CheckResult => ({
      name,
      verdict: count === null ? 'invalid' : 'no-data',
      value: null,
      threshold,
      detail: 'not judged: too few requests',
      query,
    })
    if (s.minSuccessRate !== null) {
      results.push(enough ? judgeValue('success-rate', await measure(input.metrics!, q.successRate), q.successRate, s.minSuccessRate) : guard('success-rate', q.successRate, `>= ${s.minSuccessRate}`))
      policies.push(s.onNoData)
    }
    if (s.maxP99Ms !== null) {
      results.push(enough ? judgeValue('p99-ms', await measure(input.metrics!, q.p99), q.p99, undefined, s.maxP99Ms) : guard('p99-ms', q.p99, `<= ${s.maxP99Ms}`))
      policies.push(s.onNoData)
    }
  }
  for (const c of input.custom) {
    const query = renderQuery(c.query, input.vars)
    const r = input.metrics
      ? judgeValue(c.name, await measure(input.metrics, query), query, c.min, c.max)
      : {name: c.name, verdict: 'invalid' as Verdict, value: null, threshold: thresholdText(c.min, c.max), detail: 'no --prometheus URL given', query}
    results.push(r)
    policies.push(c.onNoData ?? s.onNoData)
  }
  if (input.check) {
    const r = await input.check.run(input.check.command)
    const last = r.output.trim().split('\n').at(-1) ?? ''
    results.push({
      name: 'check-command',
      verdict: r.exitCode === 0 ? 'pass' : 'fail',
      value: r.exitCode,
      threshold: 'exit 0',
      detail: r.timedOut ? 'timed out' : last ? last.slice(0, 200) : undefined,
      query: input.check.command,
    })
    policies.push('fail')
  }
  return {results, judgement: decide(results, policies)}
}

/** The verdict of a list of results under their no-data policies. */
export function decide(results: readonly CheckResult[], policies: readonly NoDataPolicy[]): Judgement {
  const fails = results.filter((r) => r.verdict === 'fail')
  if (fails.length > 0) return {verdict: 'fail', reason: fails.map((r) => `${r.name} ${r.value ?? ''} (want ${r.threshold})`).join(', ')}
  const failedNoData: string[] = []
  const paused: string[] = []
  results.forEach((r, i) => {
    if (r.verdict === 'pass') return
    const policy = policies[i] ?? 'pause'
    const why = `${r.name}: ${r.detail ?? r.verdict}`
    if (policy === 'fail') failedNoData.push(why)
    else if (policy === 'pause' || r.verdict === 'invalid') paused.push(why)
  })
  if (failedNoData.length > 0) return {verdict: 'fail', reason: `no data (--on-no-data fail): ${failedNoData.join('; ')}`}
  if (paused.length > 0) return {verdict: 'no-data', reason: paused.join('; ')}
  return {verdict: 'pass'}
}
