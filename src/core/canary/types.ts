/** Shared types of the canary engine (no I/O here). */

export type Obj = Record<string, unknown>

/** Which destination of a route is the stable (or the canary) one: a DR subset, a host, or both. */
export interface DestSelector {
  host?: string
  subset?: string
}

/** The http route being shifted: its index and name (the name, when present, is what selects it). */
export interface RouteRef {
  index: number
  name: string | null
}

export interface Split {
  stable: number
  canary: number
}

export type NoDataPolicy = 'pause' | 'fail' | 'pass'

export type Phase = 'Baking' | 'Passed' | 'Paused' | 'Succeeded' | 'RolledBack'

export type PauseReason = 'gate' | 'user' | 'no-data' | 'interrupt'

export type Verdict = 'pass' | 'fail' | 'no-data' | 'invalid'

export interface CheckResult {
  name: string
  verdict: Verdict
  /** The measured value (null when there was none). */
  value: number | null
  /** Human text of the threshold, e.g. ">= 99". */
  threshold: string
  detail?: string
  query?: string
}

export interface AnalysisSettings {
  minSuccessRate: number | null
  maxP99Ms: number | null
  minRequests: number
  onNoData: NoDataPolicy
  /** Rate window of the built-in queries, in seconds. */
  windowSeconds: number
  /** Prometheus base URL (without credentials); null = no metric checks. */
  prometheus: string | null
  /** Select the canary by workload name instead of service + version labels. */
  canaryWorkload: string | null
  /** Custom checks from the --analysis file (kept so that later jobs run the same checks). */
  custom: {name: string; query: string; min?: number; max?: number; onNoData?: NoDataPolicy}[]
}

export interface CanaryPlan {
  /** Canary weights in percent, ascending, the last one 100. */
  steps: number[]
  /** Weights after which the run stops for a manual promote. */
  gates: number[]
  bakeSeconds: number
}

/** The run state, kept as compact JSON in the `canary.cleat.dev/state` annotation. */
export interface CanaryState {
  v: 1
  runId: string
  target: {route: RouteRef; stable: DestSelector; canary: DestSelector}
  plan: CanaryPlan
  analysis: AnalysisSettings
  snapshot: {weights: Split; createdAnnotations: boolean}
  phase: Phase
  /** Index into plan.steps of the weight last written. */
  step: number
  bakeUntil: string | null
  pause: {reason: PauseReason; since: string; resume: 'Baking' | 'Passed'} | null
  lastWrite: {weights: Split; at: string}
  checks: {at: string; step: number; results: CheckResult[]} | null
  outcome: {reason: string; exitCode: number; at: string} | null
  lock: {holder: string; expires: string} | null
}

export const STATE_ANNOTATION = 'canary.cleat.dev/state'
