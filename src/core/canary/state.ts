import {InputError, UsageError} from '../errors.js'
import {EXIT} from '../exit-codes.js'
import {isObj} from '../model/resource.js'
import type {CanaryPlan, CanaryState, CheckResult, Obj, PauseReason, Phase, Split} from './types.js'
import {STATE_ANNOTATION} from './types.js'

export const TERMINAL: ReadonlySet<Phase> = new Set(['Succeeded', 'RolledBack'])

export function isTerminal(s: CanaryState): boolean {
  return TERMINAL.has(s.phase)
}

/** The raw annotation value on a VirtualService object, or null. */
export function rawStateOf(vs: Obj): string | null {
  const meta = isObj(vs.metadata) ? vs.metadata : {}
  const ann = isObj(meta.annotations) ? meta.annotations : {}
  const v = ann[STATE_ANNOTATION]
  return typeof v === 'string' ? v : null
}

/** Compact JSON, one line, keys in a fixed order. */
export function encodeState(s: CanaryState): string {
  return JSON.stringify(s)
}

export function decodeState(raw: string): CanaryState {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    throw new InputError(`the ${STATE_ANNOTATION} annotation is not valid JSON`, ['remove the annotation by hand, or run `cleat canary abort` to restore the snapshot'])
  }
  const ok =
    isObj(v) &&
    v.v === 1 &&
    typeof v.runId === 'string' &&
    isObj(v.target) &&
    isObj(v.plan) &&
    Array.isArray((v.plan as Obj).steps) &&
    isObj(v.snapshot) &&
    isObj(v.lastWrite) &&
    typeof v.phase === 'string' &&
    typeof v.step === 'number'
  if (!ok) throw new InputError(`the ${STATE_ANNOTATION} annotation is not a state written by this version of cleat`)
  return v as unknown as CanaryState
}

export function readState(vs: Obj): CanaryState | null {
  const raw = rawStateOf(vs)
  return raw === null ? null : decodeState(raw)
}

// ---------------------------------------------------------------------------------------------
// Plan parsing

/** `30,100` → [30, 100]; strictly ascending integers in 1..100, ending at 100. */
export function parseSteps(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim())
  const steps = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN))
  if (steps.some((n) => !Number.isInteger(n) || n < 1 || n > 100))
    throw new UsageError(`--steps must be comma-separated integers between 1 and 100, got '${text}'`)
  for (let i = 1; i < steps.length; i++)
    if (steps[i]! <= steps[i - 1]!) throw new UsageError(`--steps must be strictly increasing, got '${text}'`)
  if (steps.at(-1) !== 100) throw new UsageError(`--steps must end at 100 (the promotion), got '${text}'`)
  return steps
}

export function parseGates(text: string | undefined, steps: readonly number[]): number[] {
  if (!text) return []
  const gates = text.split(',').map((s) => Number(s.trim()))
  for (const g of gates) {
    if (!steps.includes(g)) throw new UsageError(`--gate-after ${g} is not one of the steps (${steps.join(', ')})`)
    if (g === 100) throw new UsageError('--gate-after 100 makes no sense: 100 is the promotion itself')
  }
  return gates
}

/** `90s`, `2m`, `1h`, `1m30s`, `500ms`, or a bare number of seconds → seconds. */
export function parseDuration(text: string, flag = 'duration'): number {
  const t = text.trim()
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t)
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy
  let total = 0
  let pos = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1])
    total += m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600
    pos = re.lastIndex
  }
  if (pos !== t.length || t.length === 0) throw new UsageError(`--${flag}: '${text}' is not a duration (examples: 30s, 2m, 1m30s)`)
  return total
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  return [h ? `${h}h` : '', m ? `${m}m` : '', r || (!h && !m) ? `${r}s` : ''].join('')
}

// ---------------------------------------------------------------------------------------------
// State machine: pure transitions. Each returns a new state; invalid ones throw.

function iso(now: number): string {
  return new Date(now).toISOString()
}

export function newState(init: {
  runId: string
  target: CanaryState['target']
  plan: CanaryPlan
  analysis: CanaryState['analysis']
  snapshot: Split
  createdAnnotations: boolean
  firstSplit: Split
  now: number
}): CanaryState {
  return {
    v: 1,
    runId: init.runId,
    target: init.target,
    plan: init.plan,
    analysis: init.analysis,
    snapshot: {weights: init.snapshot, createdAnnotations: init.createdAnnotations},
    phase: 'Baking',
    step: 0,
    bakeUntil: iso(init.now + init.plan.bakeSeconds * 1000),
    pause: null,
    lastWrite: {weights: init.firstSplit, at: iso(init.now)},
    checks: null,
    outcome: null,
    lock: null,
  }
}

/** What `step` would do next from this state. */
export type NextAction = 'judge' | 'shift' | 'paused' | 'done'

export function nextAction(s: CanaryState): NextAction {
  switch (s.phase) {
    case 'Baking':
      return 'judge'
    case 'Passed':
      return 'shift'
    case 'Paused':
      return 'paused'
    default:
      return 'done'
  }
}

function invalid(s: CanaryState, what: string): never {
  throw new UsageError(`cannot ${what}: the canary is ${s.phase}${s.pause ? ` (${s.pause.reason})` : ''} at step ${s.step + 1}/${s.plan.steps.length}`)
}

/** Shift to step `index` (the next one, or the last one for `promote --full`). */
export function applyShift(s: CanaryState, index: number, split: Split, now: number): CanaryState {
  if (isTerminal(s)) invalid(s, 'shift')
  if (index <= s.step || index >= s.plan.steps.length) throw new Error(`bug: shift from step ${s.step} to ${index}`)
  return {
    ...s,
    phase: 'Baking',
    step: index,
    bakeUntil: iso(now + s.plan.bakeSeconds * 1000),
    pause: null,
    lastWrite: {weights: split, at: iso(now)},
  }
}

export type Judgement = {verdict: 'pass'} | {verdict: 'fail'; reason: string} | {verdict: 'no-data'; reason: string}

/** The outcome of judging the current step. `fail` is handled by rollback(); this covers pass and no-data. */
export function applyJudgement(s: CanaryState, j: Judgement, results: CheckResult[], now: number): CanaryState {
  if (s.phase !== 'Baking') invalid(s, 'judge')
  const checks = {at: iso(now), step: s.step, results}
  if (j.verdict === 'no-data') {
    return {...s, checks, phase: 'Paused', pause: {reason: 'no-data', since: iso(now), resume: 'Baking'}}
  }
  if (j.verdict === 'fail') throw new Error('bug: a failed judgement is a rollback')
  const weight = s.plan.steps[s.step]!
  if (s.step === s.plan.steps.length - 1) {
    return {...s, checks, phase: 'Succeeded', bakeUntil: null, outcome: {reason: 'promoted', exitCode: EXIT.OK, at: iso(now)}}
  }
  if (s.plan.gates.includes(weight)) return {...s, checks, phase: 'Paused', bakeUntil: null, pause: {reason: 'gate', since: iso(now), resume: 'Passed'}}
  return {...s, checks, phase: 'Passed', bakeUntil: null}
}

/** Rolled back to the snapshot weights (failed analysis or preflight); kept as a record. */
export function applyRollback(s: CanaryState, reason: string, exitCode: number, now: number, results?: CheckResult[]): CanaryState {
  return {
    ...s,
    phase: 'RolledBack',
    bakeUntil: null,
    pause: null,
    lock: null,
    lastWrite: {weights: s.snapshot.weights, at: iso(now)},
    checks: results ? {at: iso(now), step: s.step, results} : s.checks,
    outcome: {reason, exitCode, at: iso(now)},
  }
}

export function applyPause(s: CanaryState, reason: PauseReason, now: number): CanaryState {
  if (isTerminal(s)) invalid(s, 'pause')
  if (s.phase === 'Paused') return s
  const resume = s.phase === 'Passed' ? 'Passed' : 'Baking'
  return {...s, phase: 'Paused', pause: {reason, since: iso(now), resume}}
}

/** Leave a pause that is not a gate; a baking step bakes again from now. */
export function applyResume(s: CanaryState, now: number): CanaryState {
  if (s.phase !== 'Paused' || !s.pause) return s
  if (s.pause.reason === 'gate') invalid(s, 'resume a manual gate (use `cleat canary promote`)')
  if (s.pause.resume === 'Baking') return {...s, phase: 'Baking', pause: null, bakeUntil: iso(now + s.plan.bakeSeconds * 1000)}
  return {...s, phase: 'Passed', pause: null}
}

/** Pass a gate (or an inconclusive pause): the next `step` shifts. At the last step: promoted. */
export function applyPromote(s: CanaryState, now: number): CanaryState {
  if (isTerminal(s)) invalid(s, 'promote')
  if (s.step === s.plan.steps.length - 1)
    return {...s, phase: 'Succeeded', pause: null, bakeUntil: null, outcome: {reason: 'promoted by hand', exitCode: EXIT.OK, at: iso(now)}}
  return {...s, phase: 'Passed', pause: null, bakeUntil: null}
}

/** `promote --full`: canary at 100 % and done. */
export function applyPromoteFull(s: CanaryState, split: Split, now: number): CanaryState {
  if (isTerminal(s)) invalid(s, 'promote')
  const last = s.plan.steps.length - 1
  return {
    ...s,
    phase: 'Succeeded',
    step: last,
    pause: null,
    bakeUntil: null,
    lastWrite: {weights: split, at: iso(now)},
    outcome: {reason: 'promoted to 100 % by hand (promote --full)', exitCode: EXIT.OK, at: iso(now)},
  }
}

export function withLock(s: CanaryState, holder: string, expiresAt: number): CanaryState {
  return {...s, lock: {holder, expires: iso(expiresAt)}}
}

export function withoutLock(s: CanaryState): CanaryState {
  return s.lock ? {...s, lock: null} : s
}

/** Who holds a live lock other than `holder` (null when free, ours, or expired). */
export function lockHeldByOther(s: CanaryState, holder: string, now: number): {holder: string; expires: string; expired: boolean} | null {
  if (!s.lock || s.lock.holder === holder) return null
  const expired = Date.parse(s.lock.expires) <= now
  return {...s.lock, expired}
}
