import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {diag} from '../diagnostics/catalog/index.js'
import {OutcomeError, UsageError} from '../errors.js'
import {EXIT, type ExitCode} from '../exit-codes.js'
import {isObj} from '../model/resource.js'
import {runAnalysis, type CheckCommandResult, type MetricsSource} from './analysis.js'
import {CanaryError, CasConflict, LockHeldError} from './errors.js'
import {findSubset, preflight} from './preflight.js'
import {
  applyJudgement,
  applyPause,
  applyPromote,
  applyPromoteFull,
  applyResume,
  applyRollback,
  applyShift,
  decodeState,
  encodeState,
  formatDuration,
  isTerminal,
  lockHeldByOther,
  newState,
  nextAction,
  withLock,
  withoutLock,
} from './state.js'
import type {CanaryTarget, TargetSnapshot} from './target.js'
import type {AnalysisSettings, CanaryPlan, CanaryState, CheckResult, DestSelector, Obj, Split} from './types.js'
import {resolveRoute, splitOf, stepSplit, withSplit, type ResolvedRoute} from './weights.js'

export type Boundary = 'after-lock' | 'after-write' | 'during-bake' | 'after-analysis'

export interface CanaryEvent {
  kind: 'info' | 'warn'
  message: string
}

/** Everything a canary operation needs from the outside world (injected; no globals). */
export interface CanaryContext {
  target: CanaryTarget
  /** Identity written into the lock (CI job, user@host:pid). */
  holder: string
  now(): number
  /** Resolves after `ms`, or early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  lockTtlSeconds: number
  forceUnlock: boolean
  adoptDrift: boolean
  dryRun: boolean
  /** Analysis settings given on this command line (override the recorded ones). */
  overrides: Partial<AnalysisSettings>
  /** Builds a metrics client for a Prometheus URL. */
  metricsFor?(url: string): MetricsSource
  /** --check command, run through the shell after each bake. */
  check?: {command: string; run(command: string, env: Record<string, string>): Promise<CheckCommandResult>}
  newRunId(): string
  log(e: CanaryEvent): void
  /** SIGINT/SIGTERM during `run`. */
  signal?: AbortSignal
  /** Fault injection for crash tests. */
  boundary?(b: Boundary): void | Promise<void>
  /**
   * GitOps mode with cluster access: the same VirtualService in the cluster. A step is then judged only
   * after the cluster shows the written weights, and its bake counts from that moment.
   */
  cluster?: CanaryTarget
  /** How long to wait for the cluster to sync (default 300 s) and how often to look (default 2 s). */
  syncTimeoutSeconds?: number
  syncPollSeconds?: number
}

export interface StartOptions {
  stable: DestSelector
  canary: DestSelector
  route?: string | null
  plan: CanaryPlan
  analysis: AnalysisSettings
}

export interface Outcome {
  exitCode: ExitCode
  message: string
  state: CanaryState | null
  diagnostics: Diagnostic[]
  /** What would be written (dry run) or was planned: old → new weights. */
  change?: {before: Split; after: Split; stepWeight: number} | null
  results?: CheckResult[]
}

interface Session {
  snap: TargetSnapshot
  state: CanaryState | null
  route: ResolvedRoute
}

function iso(t: number): string {
  return new Date(t).toISOString()
}

function splitText(s: Split): string {
  return `stable ${s.stable} / canary ${s.canary}`
}

function sameSplit(a: Split, b: Split): boolean {
  return a.stable === b.stable && a.canary === b.canary
}

function sameSelector(a: DestSelector, b: DestSelector): boolean {
  return a.host === b.host && a.subset === b.subset
}

function selectorsFromState(s: CanaryState, namespace: string): {route: string | null; stable: DestSelector; canary: DestSelector; namespace: string} {
  return {route: s.target.route.name, stable: s.target.stable, canary: s.target.canary, namespace}
}

async function load(ctx: CanaryContext, sel?: StartOptions): Promise<Session> {
  const snap = await ctx.target.read()
  const state = snap.rawState === null ? null : decodeState(snap.rawState)
  const selectors = state && !isTerminal(state) ? selectorsFromState(state, snap.namespace) : sel ? {...sel, namespace: snap.namespace} : state ? selectorsFromState(state, snap.namespace) : null
  if (!selectors) throw new UsageError(`no canary run on ${ctx.target.describe()}`, ['start one with `cleat canary start`'])
  // A finished run is only reported: the route may have been edited freely since.
  if (state && isTerminal(state) && !sel) {
    let route: ResolvedRoute = {route: state.target.route, stableIdx: -1, canaryIdx: -1, weights: []}
    try {
      route = resolveRoute(snap.vs, selectors, {lenient: true})
    } catch {
      // keep the placeholder
    }
    return {snap, state, route}
  }
  // A run in progress resolves leniently: weights someone broke are drift (31), reported by checkDrift.
  const route = resolveRoute(snap.vs, selectors, {lenient: Boolean(state && !isTerminal(state))})
  if (state && !isTerminal(state) && route.route.index !== state.target.route.index)
    throw new CanaryError('CL5030', `the shifted route moved from index ${state.target.route.index} to ${route.route.index} since the run started`)
  return {snap, state, route}
}

/** Re-read after a failed compare-and-swap and turn it into the right error. */
async function explainConflict(ctx: CanaryContext, ours: CanaryState | null): Promise<never> {
  const snap = await ctx.target.read()
  const now = snap.rawState === null ? null : decodeState(snap.rawState)
  if (now?.lock && now.lock.holder !== ctx.holder && Date.parse(now.lock.expires) > ctx.now())
    throw new LockHeldError(`the canary is locked by ${now.lock.holder} until ${now.lock.expires}`, ['watch it with `cleat canary status -w`'])
  if (ours && !now) throw new CanaryError('CL5030', 'the canary run was aborted by another process while this one ran', null, [], EXIT.CANARY_ROLLED_BACK_PREFLIGHT)
  if (ours) {
    let cur: Split | null = null
    try {
      cur = splitOf(resolveRoute(snap.vs, selectorsFromState(ours, snap.namespace), {lenient: true}))
    } catch {
      cur = null
    }
    if (cur && !sameSplit(cur, ours.lastWrite.weights))
      throw new CanaryError('CL5030', `the weights of the route changed outside cleat while this run held the lock (stable: written ${ours.lastWrite.weights.stable}, now ${cur.stable}; canary: written ${ours.lastWrite.weights.canary}, now ${cur.canary})`, null, [
        'accept them with --adopt-drift',
        'or restore the snapshot with `cleat canary abort`',
      ])
  }
  if (now && now.phase === 'Paused' && ours?.phase !== 'Paused')
    throw new OutcomeError(`the canary was paused by another process (${now.pause?.reason ?? 'user'}); this run stopped without writing`, EXIT.CANARY_PAUSED, ['continue with `cleat canary resume`'])
  throw new LockHeldError('another process changed the canary at the same time; nothing was written by this one', ['check `cleat canary status`'])
}

interface CommitOptions {
  split?: Split
  /** Keep (and renew) our lock in the written state; default: release it. */
  keepLock?: boolean
  /** Extra seconds the renewed lock must cover (a bake to wait for). */
  lockExtraSeconds?: number
}

/** One compare-and-swap write of state (+ weights). Updates the session on success. */
async function commit(ctx: CanaryContext, sess: Session, state: CanaryState | null, o: CommitOptions = {}): Promise<void> {
  let next = state
  if (next) next = o.keepLock ? withLock(next, ctx.holder, ctx.now() + (ctx.lockTtlSeconds + (o.lockExtraSeconds ?? 0)) * 1000) : withoutLock(next)
  const r = sess.route
  const cur = splitOf(r)
  const setWeights: {destIndex: number; value: number}[] = []
  if (o.split && o.split.stable !== cur.stable) setWeights.push({destIndex: r.stableIdx, value: o.split.stable})
  if (o.split && o.split.canary !== cur.canary) setWeights.push({destIndex: r.canaryIdx, value: o.split.canary})
  const createdAnnotations = sess.state?.snapshot.createdAnnotations ?? false
  // A long run renews its Lease together with the state lock.
  if (next?.lock && sess.state?.lock?.holder === ctx.holder && ctx.target.acquireLease)
    await ctx.target.acquireLease(ctx.holder, ctx.lockTtlSeconds + (o.lockExtraSeconds ?? 0), false)
  try {
    await ctx.target.write({
      routeIndex: r.route.index,
      expectWeights: [
        {destIndex: r.stableIdx, value: cur.stable},
        {destIndex: r.canaryIdx, value: cur.canary},
      ],
      expectRawState: sess.snap.rawState,
      setWeights,
      setState: next,
      removeAnnotationsMap: next === null && createdAnnotations,
    })
  } catch (e) {
    if (sess.state?.lock?.holder === ctx.holder) await releaseLease(ctx)
    if (e instanceof CasConflict) await explainConflict(ctx, sess.state)
    throw e
  }
  const hadLock = sess.state?.lock?.holder === ctx.holder
  sess.snap = {...sess.snap, rawState: next ? encodeState(next) : null}
  sess.state = next
  if (hadLock && !next?.lock) await releaseLease(ctx)
  if (o.split) {
    const w = [...r.weights]
    w[r.stableIdx] = o.split.stable
    w[r.canaryIdx] = o.split.canary
    sess.route = {...r, weights: w}
  }
}

function requireState(ctx: CanaryContext, sess: Session): CanaryState {
  if (!sess.state) throw new UsageError(`no canary run on ${ctx.target.describe()}`, ['start one with `cleat canary start`'])
  return sess.state
}

/** Drift: the route's weights must equal the last written ones. */
function checkDrift(ctx: CanaryContext, sess: Session): CanaryState {
  const s = requireState(ctx, sess)
  const cur = splitOf(sess.route)
  if (sameSplit(cur, s.lastWrite.weights)) return s
  const diff = `stable: written ${s.lastWrite.weights.stable}, now ${cur.stable}; canary: written ${s.lastWrite.weights.canary}, now ${cur.canary}`
  if (!ctx.adoptDrift)
    throw new CanaryError('CL5030', `the weights of the route changed outside cleat (${diff})`, null, [
      'accept them with --adopt-drift',
      'or restore the snapshot with `cleat canary abort`',
    ])
  ctx.log({kind: 'warn', message: `drift adopted: ${diff}`})
  const adopted = {...s, lastWrite: {weights: cur, at: iso(ctx.now())}}
  sess.state = adopted
  return adopted
}

/** Take the run lock (state annotation; in live mode also the Lease). */
async function takeLock(ctx: CanaryContext, sess: Session, extraSeconds: number): Promise<void> {
  const s = requireState(ctx, sess)
  const other = lockHeldByOther(s, ctx.holder, ctx.now())
  if (other && !other.expired) throw new LockHeldError(`the canary is locked by ${other.holder} until ${other.expires}`, ['watch it with `cleat canary status -w`'])
  if (other && !ctx.forceUnlock)
    throw new LockHeldError(`the lock of ${other.holder} expired at ${other.expires} (did that run die?)`, ['take it over with --force-unlock once you are sure it is gone'])
  if (other) ctx.log({kind: 'warn', message: `taking over the expired lock of ${other.holder}`})
  if (ctx.target.acquireLease) await ctx.target.acquireLease(ctx.holder, ctx.lockTtlSeconds + extraSeconds, ctx.forceUnlock)
  try {
    await commit(ctx, sess, s, {keepLock: true, lockExtraSeconds: extraSeconds})
  } catch (e) {
    await releaseLease(ctx)
    throw e
  }
  await ctx.boundary?.('after-lock')
}

async function releaseLease(ctx: CanaryContext): Promise<void> {
  if (ctx.target.releaseLease) await ctx.target.releaseLease(ctx.holder).catch(() => undefined)
}

function outcomeOf(s: CanaryState): Outcome {
  if (s.phase === 'Succeeded') return {exitCode: EXIT.OK, message: `promoted: canary at 100 % (${s.outcome?.reason ?? 'done'})`, state: s, diagnostics: []}
  const code = (s.outcome?.exitCode ?? EXIT.CANARY_ROLLED_BACK_ANALYSIS) as ExitCode
  return {exitCode: code, message: `rolled back: ${s.outcome?.reason ?? 'unknown reason'}`, state: s, diagnostics: []}
}

function pausedOutcome(s: CanaryState): Outcome {
  const w = s.plan.steps[s.step]
  const reason = s.pause?.reason ?? 'user'
  const hint = reason === 'gate' ? 'promote it with `cleat canary promote`' : 'continue with `cleat canary resume`, or `promote` / `abort`'
  return {exitCode: EXIT.CANARY_PAUSED, message: `paused at ${w} % (${reason}): ${hint}`, state: s, diagnostics: [], results: s.checks?.results}
}

// ---------------------------------------------------------------------------------------------
// Effective analysis settings

export function effectiveSettings(ctx: CanaryContext, s: CanaryState): AnalysisSettings {
  const o = ctx.overrides
  const pick = <K extends keyof AnalysisSettings>(k: K): AnalysisSettings[K] => (o[k] !== undefined ? (o[k] as AnalysisSettings[K]) : s.analysis[k])
  return {
    minSuccessRate: pick('minSuccessRate'),
    maxP99Ms: pick('maxP99Ms'),
    minRequests: pick('minRequests'),
    onNoData: pick('onNoData'),
    windowSeconds: pick('windowSeconds'),
    prometheus: pick('prometheus'),
    canaryWorkload: pick('canaryWorkload'),
    custom: pick('custom'),
  }
}

function shortHost(host: string): {name: string; namespace: string | null} {
  const parts = host.split('.')
  return {name: parts[0]!, namespace: parts.length > 1 ? parts[1]! : null}
}

function destOf(vs: Obj, r: ResolvedRoute, idx: number): {host: string; subset?: string} {
  const http = ((vs.spec as Obj | undefined)?.http as Obj[] | undefined) ?? []
  const d = ((http[r.route.index]?.route as Obj[] | undefined) ?? [])[idx]
  const dest = isObj(d?.destination) ? d.destination : {}
  return {host: String(dest.host ?? ''), subset: typeof dest.subset === 'string' ? dest.subset : undefined}
}

/** PromQL label matchers that select the canary's requests. */
export function canaryMatchers(vs: Obj, r: ResolvedRoute, namespace: string, settings: AnalysisSettings, destinationRules: readonly Obj[]): string {
  if (settings.canaryWorkload) return `destination_workload="${settings.canaryWorkload}",destination_workload_namespace="${namespace}"`
  const d = destOf(vs, r, r.canaryIdx)
  const h = shortHost(d.host)
  const base = `destination_service_name="${h.name}",destination_service_namespace="${h.namespace ?? namespace}"`
  if (d.subset === undefined) return base
  const subset = findSubset(destinationRules, d.host, d.subset, namespace)
  const labels = subset && isObj(subset.labels) ? subset.labels : {}
  const version = typeof labels.version === 'string' ? labels.version : d.subset
  return `${base},destination_version="${version}"`
}

// ---------------------------------------------------------------------------------------------
// Transitions

async function doShift(ctx: CanaryContext, sess: Session, index: number, keepLock: boolean): Promise<Outcome> {
  const s = requireState(ctx, sess)
  const weight = s.plan.steps[index]!
  const split = stepSplit(sess.route, weight)
  const before = splitOf(sess.route)
  const shifted = withSplit(sess.snap.vs, sess.route, split)
  const findings = preflight({
    shifted,
    route: sess.route,
    stable: s.target.stable,
    canary: s.target.canary,
    namespace: sess.snap.namespace,
    destinationRules: await ctx.target.destinationRules(),
  })
  if (findings.length > 0) {
    const reason = `preflight failed before shifting to ${weight} %: ${findings.map((f) => f.message).join('; ')}`
    if (ctx.dryRun) return {exitCode: EXIT.CANARY_ROLLED_BACK_PREFLIGHT, message: `would roll back: ${reason}`, state: s, diagnostics: findings}
    return {...(await rollback(ctx, sess, reason, EXIT.CANARY_ROLLED_BACK_PREFLIGHT)), diagnostics: findings}
  }
  if (ctx.dryRun) return {exitCode: EXIT.OK, message: `would shift to ${weight} % (${splitText(split)})`, state: s, diagnostics: [], change: {before, after: split, stepWeight: weight}}
  const next = applyShift(s, index, split, ctx.now())
  await commit(ctx, sess, next, {split, keepLock, lockExtraSeconds: s.plan.bakeSeconds})
  await ctx.boundary?.('after-write')
  return {exitCode: EXIT.OK, message: `shifted to ${weight} % (${splitText(split)}); judged after the bake (${next.bakeUntil})`, state: sess.state, diagnostics: [], change: {before, after: split, stepWeight: weight}}
}

/** Roll back to the snapshot weights (ignores drift: forces the weights), recording why. */
async function rollback(ctx: CanaryContext, sess: Session, reason: string, exitCode: ExitCode, results?: CheckResult[]): Promise<Outcome> {
  const s = requireState(ctx, sess)
  const next = applyRollback(s, reason, exitCode, ctx.now(), results)
  await commit(ctx, sess, next, {split: s.snapshot.weights})
  ctx.log({kind: 'warn', message: `rolled back to ${splitText(s.snapshot.weights)}: ${reason}`})
  return {exitCode, message: `rolled back to ${splitText(s.snapshot.weights)}: ${reason}`, state: sess.state, diagnostics: [], results}
}

type JudgeResult = Outcome & {interrupted?: boolean}

/** Poll the cluster until its route has the last written weights: the time it did, null on timeout. */
async function waitForSync(ctx: CanaryContext, cluster: CanaryTarget, s: CanaryState): Promise<number | null | 'interrupted'> {
  const deadline = ctx.now() + (ctx.syncTimeoutSeconds ?? 300) * 1000
  let told = false
  for (;;) {
    let cur: Split | null = null
    try {
      const snap = await cluster.read()
      cur = splitOf(resolveRoute(snap.vs, selectorsFromState(s, snap.namespace), {lenient: true}))
    } catch (e) {
      if (!told) ctx.log({kind: 'warn', message: `cannot read ${cluster.describe()} yet: ${(e as Error).message}`})
      told = true
    }
    if (cur && sameSplit(cur, s.lastWrite.weights)) return ctx.now()
    if (!told && cur) {
      ctx.log({kind: 'info', message: `waiting for ${cluster.describe()} to show ${splitText(s.lastWrite.weights)} (it has ${splitText(cur)})`})
      told = true
    }
    if (ctx.now() >= deadline) return null
    await ctx.sleep(Math.min((ctx.syncPollSeconds ?? 2) * 1000, Math.max(0, deadline - ctx.now())), ctx.signal)
    if (ctx.signal?.aborted) return 'interrupted'
  }
}

async function doJudge(ctx: CanaryContext, sess: Session, keepLock: boolean): Promise<JudgeResult> {
  const s = requireState(ctx, sess)
  const weight = s.plan.steps[s.step]!
  const settings = effectiveSettings(ctx, s)
  if (ctx.dryRun) {
    const checks = [settings.prometheus ? `Istio metrics from ${settings.prometheus}` : null, ...settings.custom.map((c) => c.name), ctx.check ? `--check ${ctx.check.command}` : null].filter(Boolean)
    return {exitCode: EXIT.OK, message: `would judge the ${weight} % step after the bake (${s.bakeUntil}) with: ${checks.join(', ') || 'no checks (bake only)'}`, state: s, diagnostics: []}
  }
  let bakeUntil = Date.parse(s.bakeUntil ?? iso(0))
  if (ctx.cluster) {
    const synced = await waitForSync(ctx, ctx.cluster, s)
    if (synced === 'interrupted') return {exitCode: EXIT.OK, message: 'interrupted', state: s, diagnostics: [], interrupted: true}
    if (synced === null) {
      await commit(ctx, sess, s)
      const msg = `${ctx.cluster.describe()} does not show the written weights (${splitText(s.lastWrite.weights)}) after ${formatDuration(ctx.syncTimeoutSeconds ?? 300)}; nothing was judged`
      return {exitCode: EXIT.CANARY_PAUSED, message: `${msg}: commit and sync the file, then run step again`, state: sess.state, diagnostics: []}
    }
    bakeUntil = Math.max(bakeUntil, synced + s.plan.bakeSeconds * 1000)
  }
  const wait = Math.max(0, bakeUntil - ctx.now())
  await ctx.boundary?.('during-bake')
  if (wait > 0) {
    ctx.log({kind: 'info', message: `baking ${weight} % for ${formatDuration(wait / 1000)} more`})
    await ctx.sleep(wait, ctx.signal)
    if (ctx.signal?.aborted) return {exitCode: EXIT.OK, message: 'interrupted', state: s, diagnostics: [], interrupted: true}
  }
  const drs = await ctx.target.destinationRules()
  if ((settings.minSuccessRate !== null || settings.maxP99Ms !== null || settings.custom.length > 0) && settings.prometheus && !ctx.metricsFor)
    throw new Error('bug: no metrics client factory')
  const metrics = settings.prometheus && ctx.metricsFor ? ctx.metricsFor(settings.prometheus) : null
  const matchers = canaryMatchers(sess.snap.vs, sess.route, sess.snap.namespace, settings, drs)
  const canaryDest = destOf(sess.snap.vs, sess.route, sess.route.canaryIdx)
  const stableDest = destOf(sess.snap.vs, sess.route, sess.route.stableIdx)
  const vars = {
    namespace: sess.snap.namespace,
    host: canaryDest.host,
    stable: stableDest.subset ?? stableDest.host,
    canary: canaryDest.subset ?? canaryDest.host,
    window: `${Math.round(settings.windowSeconds)}s`,
    weight: String(weight),
  }
  const env = {
    CLEAT_CANARY_RUN_ID: s.runId,
    CLEAT_CANARY_STEP: String(s.step + 1),
    CLEAT_CANARY_WEIGHT: String(weight),
    CLEAT_CANARY_VIRTUAL_SERVICE: `${sess.snap.namespace}/${sess.snap.name}`,
  }
  const check = ctx.check
  const {results, judgement} = await runAnalysis({
    settings,
    metrics,
    custom: settings.custom,
    canaryMatchers: matchers,
    vars,
    check: check ? {command: check.command, run: (c) => check.run(c, env)} : undefined,
  })
  if (results.length === 0) ctx.log({kind: 'warn', message: 'no checks configured (no --prometheus, --analysis or --check): the step passes after the bake'})
  const passedWithoutData = results.filter((r) => r.verdict === 'no-data')
  if (judgement.verdict === 'pass' && passedWithoutData.length > 0)
    ctx.log({kind: 'warn', message: `passed WITHOUT data for ${passedWithoutData.map((r) => r.name).join(', ')} (--on-no-data pass)`})
  await ctx.boundary?.('after-analysis')
  if (judgement.verdict === 'fail') {
    const out = await rollback(ctx, sess, `analysis failed at ${weight} %: ${judgement.reason}`, EXIT.CANARY_ROLLED_BACK_ANALYSIS, results)
    return {...out, diagnostics: results.filter((r) => r.verdict !== 'pass').map((r) => diag('CL5040', {message: `${r.name}: ${r.value ?? r.detail ?? ''} (want ${r.threshold})`}))}
  }
  const next = applyJudgement(s, judgement, results, ctx.now())
  const stays = keepLock && next.phase === 'Passed'
  await commit(ctx, sess, next, {keepLock: stays})
  const diagnostics = results.filter((r) => r.verdict === 'no-data' || r.verdict === 'invalid').map((r) => diag(r.verdict === 'invalid' ? 'CL5042' : 'CL5041', {message: `${r.name}: ${r.detail ?? r.verdict}`, severity: 'warning'}))
  if (next.phase === 'Paused') return {...pausedOutcome(next), message: `paused at ${weight} % (${next.pause?.reason}): ${judgement.verdict === 'no-data' ? judgement.reason : 'manual gate'}`, diagnostics, results}
  if (next.phase === 'Succeeded') return {...outcomeOf(next), results, diagnostics}
  return {exitCode: EXIT.OK, message: `the ${weight} % step passed; the next step shifts to ${next.plan.steps[next.step + 1]} %`, state: next, diagnostics, results}
}

/** Exactly one transition on a session that holds the lock. */
async function transition(ctx: CanaryContext, sess: Session, keepLock: boolean): Promise<JudgeResult> {
  const s = requireState(ctx, sess)
  switch (nextAction(s)) {
    case 'judge':
      return doJudge(ctx, sess, keepLock)
    case 'shift':
      return doShift(ctx, sess, s.step + 1, keepLock)
    case 'paused':
      return pausedOutcome(s)
    default:
      return outcomeOf(s)
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

export async function startCanary(ctx: CanaryContext, opts: StartOptions): Promise<Outcome> {
  const sess = await load(ctx, opts)
  const prev = sess.state
  if (prev && !isTerminal(prev)) {
    const lock = prev.lock ? ` (locked by ${prev.lock.holder})` : ''
    throw new LockHeldError(`a canary run is already in progress on ${ctx.target.describe()}: ${prev.phase} at ${prev.plan.steps[prev.step]} %${lock}`, [
      'see it with `cleat canary status`; continue with `resume`, or stop it with `abort`',
    ])
  }
  const snapshot = splitOf(sess.route)
  const weight = opts.plan.steps[0]!
  const split = stepSplit(sess.route, weight)
  if (split.canary < snapshot.canary)
    throw new UsageError(
      `the canary destination already has weight ${snapshot.canary} (stable ${snapshot.stable}); starting at ${weight} % would move traffic back to stable`,
      ['if a previous run was promoted, point --stable at the new version and --canary at the next one', 'or set the weights by hand first'],
    )
  const drs = await ctx.target.destinationRules()
  const shifted = withSplit(sess.snap.vs, sess.route, split)
  const findings = preflight({shifted, route: sess.route, stable: opts.stable, canary: opts.canary, namespace: sess.snap.namespace, destinationRules: drs})
  if (findings.length > 0)
    return {exitCode: EXIT.CANARY_ROLLED_BACK_PREFLIGHT, message: `preflight failed; nothing was changed`, state: prev, diagnostics: findings}
  const meta = isObj(sess.snap.vs.metadata) ? sess.snap.vs.metadata : {}
  const annotations = isObj(meta.annotations) ? meta.annotations : null
  const createdAnnotations = prev ? prev.snapshot.createdAnnotations && annotations !== null && Object.keys(annotations).length === 1 : !('annotations' in meta)
  const state = newState({
    runId: ctx.newRunId(),
    target: {route: sess.route.route, stable: opts.stable, canary: opts.canary},
    plan: opts.plan,
    analysis: opts.analysis,
    snapshot,
    createdAnnotations,
    firstSplit: split,
    now: ctx.now(),
  })
  const change = {before: snapshot, after: split, stepWeight: weight}
  if (ctx.dryRun) return {exitCode: EXIT.OK, message: `would start: shift to ${weight} % (${splitText(split)})`, state, diagnostics: [], change}
  sess.state = prev
  await commit(ctx, sess, state, {split})
  await ctx.boundary?.('after-write')
  return {exitCode: EXIT.OK, message: `started run ${state.runId}: canary at ${weight} % (${splitText(split)}); judged after ${formatDuration(opts.plan.bakeSeconds)}`, state, diagnostics: [], change}
}

/** One transition (shift or judge), then exit. */
export async function stepCanary(ctx: CanaryContext, opts: {onInterrupt?: 'pause' | 'rollback'} = {}): Promise<Outcome> {
  const sess = await load(ctx)
  const early = await prepareTransition(ctx, sess)
  if (early) return early
  const out = await transition(ctx, sess, false)
  if (out.interrupted) return pauseAfterInterrupt(ctx, sess, opts.onInterrupt ?? 'pause')
  return out
}

/**
 * What every transition starts with: a finished or paused run answers at once, drift stops it, a dry
 * run only shows the transition; otherwise the lock is taken (for the rest of the bake). Returns an
 * outcome when there is nothing more to do, undefined when the caller holds the lock.
 */
async function prepareTransition(ctx: CanaryContext, sess: Session): Promise<Outcome | undefined> {
  const s = requireState(ctx, sess)
  if (isTerminal(s)) return outcomeOf(s)
  if (s.phase === 'Paused') return pausedOutcome(s)
  checkDrift(ctx, sess)
  if (ctx.dryRun) return transition(ctx, sess, false)
  const bakeLeft = s.phase === 'Baking' ? Math.max(0, (Date.parse(s.bakeUntil ?? iso(0)) - ctx.now()) / 1000) : 0
  await takeLock(ctx, sess, bakeLeft)
  return undefined
}

async function pauseAfterInterrupt(ctx: CanaryContext, sess: Session, how: 'pause' | 'rollback'): Promise<Outcome> {
  const s = requireState(ctx, sess)
  if (how === 'rollback') return rollback(ctx, sess, 'interrupted (SIGINT/SIGTERM) with --on-interrupt rollback', EXIT.CANARY_ROLLED_BACK_PREFLIGHT)
  const next = applyPause(s, 'interrupt', ctx.now())
  await commit(ctx, sess, next)
  return {...pausedOutcome(next), message: `interrupted: paused at ${s.plan.steps[s.step]} %; continue with \`cleat canary resume\``}
}

export interface RunOptions {
  /** When there is no run yet: start one. */
  start?: StartOptions
  onInterrupt: 'pause' | 'rollback'
}

/** Loop through the steps until promotion, a gate, a pause, a rollback or an interrupt. */
export async function runCanary(ctx: CanaryContext, opts: RunOptions): Promise<Outcome> {
  let sess = await load(ctx, opts.start)
  if (!sess.state || isTerminal(sess.state)) {
    if (!opts.start) return outcomeOf(requireState(ctx, sess))
    // Re-running a finished pipeline must not start the same canary again.
    const same = sess.state && sameSelector(sess.state.target.stable, opts.start.stable) && sameSelector(sess.state.target.canary, opts.start.canary)
    if (sess.state?.phase === 'Succeeded' && same) return outcomeOf(sess.state)
    const started = await startCanary(ctx, opts.start)
    if (started.exitCode !== EXIT.OK || ctx.dryRun) return started
    ctx.log({kind: 'info', message: started.message})
    sess = await load(ctx)
  }
  return loop(ctx, sess, opts.onInterrupt)
}

async function loop(ctx: CanaryContext, sess: Session, onInterrupt: 'pause' | 'rollback'): Promise<Outcome> {
  const early = await prepareTransition(ctx, sess)
  if (early) return early
  for (;;) {
    if (ctx.signal?.aborted) return pauseAfterInterrupt(ctx, sess, onInterrupt)
    const out = await transition(ctx, sess, true)
    if (out.interrupted) return pauseAfterInterrupt(ctx, sess, onInterrupt)
    const s = requireState(ctx, sess)
    if (out.exitCode !== EXIT.OK || isTerminal(s) || s.phase === 'Paused') {
      if (s.lock && !isTerminal(s)) await commit(ctx, sess, s)
      return out
    }
    ctx.log({kind: 'info', message: out.message})
  }
}

/** Continue a run: leave a (non-gate) pause, take over the lock, drift-check, then loop like `run`. */
export async function resumeCanary(ctx: CanaryContext, opts: {onInterrupt: 'pause' | 'rollback'}): Promise<Outcome> {
  const sess = await load(ctx)
  const s = requireState(ctx, sess)
  if (isTerminal(s)) return outcomeOf(s)
  if (s.phase === 'Paused' && s.pause?.reason === 'gate') return pausedOutcome(s)
  if (s.phase === 'Paused') {
    const other = lockHeldByOther(s, ctx.holder, ctx.now())
    if (other && !other.expired) throw new LockHeldError(`the canary is locked by ${other.holder} until ${other.expires}`)
    checkDrift(ctx, sess)
    const next = applyResume(requireState(ctx, sess), ctx.now())
    if (ctx.dryRun) return {exitCode: EXIT.OK, message: `would resume at ${s.plan.steps[s.step]} % (${next.phase})`, state: next, diagnostics: []}
    await commit(ctx, sess, next)
    ctx.log({kind: 'info', message: `resumed at ${s.plan.steps[s.step]} %`})
  }
  return loop(ctx, sess, opts.onInterrupt)
}

export async function pauseCanary(ctx: CanaryContext): Promise<Outcome> {
  const sess = await load(ctx)
  const s = requireState(ctx, sess)
  if (isTerminal(s)) return outcomeOf(s)
  if (s.phase === 'Paused') return pausedOutcome(s)
  const next = applyPause(s, 'user', ctx.now())
  if (ctx.dryRun) return {exitCode: EXIT.CANARY_PAUSED, message: `would pause at ${s.plan.steps[s.step]} %`, state: next, diagnostics: []}
  await commit(ctx, sess, next)
  return pausedOutcome(next)
}

/** Pass the current gate (or pause) and apply the next step; `full`: straight to 100 % and done. */
export async function promoteCanary(ctx: CanaryContext, opts: {full: boolean}): Promise<Outcome> {
  const sess = await load(ctx)
  const s = requireState(ctx, sess)
  if (isTerminal(s)) return outcomeOf(s)
  const other = lockHeldByOther(s, ctx.holder, ctx.now())
  if (other && !other.expired) throw new LockHeldError(`the canary is locked by ${other.holder} until ${other.expires}`)
  if (other && !ctx.forceUnlock) throw new LockHeldError(`the lock of ${other.holder} expired at ${other.expires}`, ['take it over with --force-unlock'])
  checkDrift(ctx, sess)
  const cur = requireState(ctx, sess)
  if (opts.full) {
    const split = stepSplit(sess.route, 100)
    const findings = preflight({
      shifted: withSplit(sess.snap.vs, sess.route, split),
      route: sess.route,
      stable: cur.target.stable,
      canary: cur.target.canary,
      namespace: sess.snap.namespace,
      destinationRules: await ctx.target.destinationRules(),
    })
    if (findings.length > 0) {
      if (ctx.dryRun) return {exitCode: EXIT.CANARY_ROLLED_BACK_PREFLIGHT, message: 'would roll back: preflight failed', state: cur, diagnostics: findings}
      return {...(await rollback(ctx, sess, `preflight failed before promoting to 100 %: ${findings.map((f) => f.message).join('; ')}`, EXIT.CANARY_ROLLED_BACK_PREFLIGHT)), diagnostics: findings}
    }
    const change = {before: splitOf(sess.route), after: split, stepWeight: 100}
    if (ctx.dryRun) return {exitCode: EXIT.OK, message: `would promote to 100 % (${splitText(split)})`, state: cur, diagnostics: [], change}
    await commit(ctx, sess, applyPromoteFull(cur, split, ctx.now()), {split})
    return {...outcomeOf(sess.state!), change}
  }
  const passed = applyPromote({...cur, phase: cur.phase === 'Baking' ? 'Passed' : cur.phase}, ctx.now())
  if (passed.phase === 'Succeeded') {
    if (ctx.dryRun) return {exitCode: EXIT.OK, message: 'would mark the canary promoted', state: passed, diagnostics: []}
    await commit(ctx, sess, passed)
    return outcomeOf(passed)
  }
  sess.state = passed
  return doShift(ctx, sess, passed.step + 1, false)
}

/** Restore the snapshot weights and remove the run state: one write, idempotent, works after drift. */
export async function abortCanary(ctx: CanaryContext): Promise<Outcome> {
  // Abort does not wait for the lock; if another writer changes the object between our read and our
  // write, read again and retry (a few times).
  for (let attempt = 0; attempt < 5; attempt++) {
    const snap = await ctx.target.read()
    if (snap.rawState === null) return {exitCode: EXIT.OK, message: `no canary run on ${ctx.target.describe()}; nothing to abort`, state: null, diagnostics: []}
    const s = decodeState(snap.rawState)
    const route = resolveRoute(snap.vs, selectorsFromState(s, snap.namespace), {lenient: true})
    const cur = splitOf(route)
    const drift = sameSplit(cur, s.lastWrite.weights) ? '' : ` (drift: the route had ${splitText(cur)}, cleat last wrote ${splitText(s.lastWrite.weights)})`
    const change = {before: cur, after: s.snapshot.weights, stepWeight: 0}
    if (ctx.dryRun) return {exitCode: EXIT.OK, message: `would restore ${splitText(s.snapshot.weights)} and remove the run state${drift}`, state: s, diagnostics: [], change}
    try {
      await ctx.target.write({
        routeIndex: route.route.index,
        expectWeights: [
          {destIndex: route.stableIdx, value: cur.stable},
          {destIndex: route.canaryIdx, value: cur.canary},
        ],
        expectRawState: snap.rawState,
        setWeights: [
          ...(cur.stable !== s.snapshot.weights.stable ? [{destIndex: route.stableIdx, value: s.snapshot.weights.stable}] : []),
          ...(cur.canary !== s.snapshot.weights.canary ? [{destIndex: route.canaryIdx, value: s.snapshot.weights.canary}] : []),
        ],
        setState: null,
        removeAnnotationsMap: s.snapshot.createdAnnotations,
      })
    } catch (e) {
      if (e instanceof CasConflict) continue
      throw e
    }
    await releaseLease(ctx)
    return {exitCode: EXIT.OK, message: `aborted run ${s.runId}: restored ${splitText(s.snapshot.weights)}${drift}`, state: null, diagnostics: [], change}
  }
  throw new LockHeldError(`${ctx.target.describe()} kept changing while abort tried to write; nothing was written`, ['run abort again'])
}

export interface StatusReport {
  target: string
  /** GitOps mode with cluster access: the weights the cluster has (null when not asked or not found). */
  cluster: {describe: string; current: Split | null; synced: boolean; error?: string} | null
  state: CanaryState | null
  /** Weights on the target now (file in GitOps mode, cluster in live mode). */
  current: Split | null
  drift: boolean
  lock: {holder: string; expires: string; expired: boolean} | null
  route: string | null
}

/** The weights of the same route on another target (the cluster, in GitOps mode). */
async function clusterView(cluster: CanaryTarget, state: CanaryState, file: Split | null): Promise<NonNullable<StatusReport['cluster']>> {
  try {
    const snap = await cluster.read()
    const current = splitOf(resolveRoute(snap.vs, selectorsFromState(state, snap.namespace)))
    return {describe: cluster.describe(), current, synced: file !== null && sameSplit(current, file)}
  } catch (e) {
    return {describe: cluster.describe(), current: null, synced: false, error: (e as Error).message}
  }
}

export async function canaryStatus(ctx: Pick<CanaryContext, 'target' | 'now'> & {cluster?: CanaryTarget}): Promise<StatusReport> {
  const snap = await ctx.target.read()
  const state = snap.rawState === null ? null : decodeState(snap.rawState)
  if (!state) return {target: ctx.target.describe(), cluster: null, state: null, current: null, drift: false, lock: null, route: null}
  let current: Split | null = null
  try {
    current = splitOf(resolveRoute(snap.vs, selectorsFromState(state, snap.namespace), {lenient: true}))
  } catch {
    current = null
  }
  const lock = state.lock ? {...state.lock, expired: Date.parse(state.lock.expires) <= ctx.now()} : null
  return {
    target: ctx.target.describe(),
    cluster: ctx.cluster ? await clusterView(ctx.cluster, state, current) : null,
    state,
    current,
    drift: current !== null && !sameSplit(current, state.lastWrite.weights),
    lock,
    route: state.target.route.name ?? `#${state.target.route.index}`,
  }
}

export interface PlanReport {
  route: ResolvedRoute
  snapshot: Split
  steps: {weight: number; split: Split; gate: boolean; vs: Obj}[]
  diagnostics: Diagnostic[]
  vs: Obj
  namespace: string
}

/** What a run would do, without writing: each step's weights and the preflight of each. */
/** The target's text now and after each step (for the plan's diffs); undefined when the target has no text form. */
export async function planTexts(target: CanaryTarget, p: PlanReport): Promise<string[] | undefined> {
  if (!target.preview) return undefined
  const splits = [p.snapshot, ...p.steps.map((s) => s.split)]
  const out: string[] = []
  for (const split of splits)
    out.push(await target.preview(p.route.route.index, [{destIndex: p.route.stableIdx, value: split.stable}, {destIndex: p.route.canaryIdx, value: split.canary}]))
  return out
}

export async function planCanary(ctx: Pick<CanaryContext, 'target'>, opts: StartOptions): Promise<PlanReport> {
  const snap = await ctx.target.read()
  const route = resolveRoute(snap.vs, {...opts, namespace: snap.namespace})
  const drs = await ctx.target.destinationRules()
  const diagnostics: Diagnostic[] = []
  const steps = opts.plan.steps.map((weight) => {
    const split = stepSplit(route, weight)
    const vs = withSplit(snap.vs, route, split)
    for (const d of preflight({shifted: vs, route, stable: opts.stable, canary: opts.canary, namespace: snap.namespace, destinationRules: drs}))
      if (!diagnostics.some((x) => x.message === d.message)) diagnostics.push(d)
    return {weight, split, gate: opts.plan.gates.includes(weight), vs}
  })
  return {route, snapshot: splitOf(route), steps, diagnostics, vs: snap.vs, namespace: snap.namespace}
}
