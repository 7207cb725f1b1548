import {randomBytes} from 'node:crypto'
import {hostname, homedir, userInfo} from 'node:os'
import path from 'node:path'
import {Flags} from '@oclif/core'
import type {KubeClient} from '../adapters/kube.js'
import {PrometheusClient, splitCredentials} from '../adapters/prometheus.js'
import {readAnalysisFile} from '../core/canary/analysis-file.js'
import {runCheckCommand} from '../core/canary/check-command.js'
import type {CanaryContext, Outcome, StartOptions} from '../core/canary/controller.js'
import {GitopsTarget} from '../core/canary/gitops-target.js'
import {LiveTarget} from '../core/canary/live-target.js'
import {outcomeJson, renderOutcome} from '../core/canary/render.js'
import {parseDuration, parseGates, parseSteps} from '../core/canary/state.js'
import type {CanaryTarget} from '../core/canary/target.js'
import type {AnalysisSettings, DestSelector, NoDataPolicy} from '../core/canary/types.js'
import {UsageError} from '../core/errors.js'
import {writeErr, writeOut} from './io.js'

/** Which VirtualService: a file (GitOps mode) or a cluster object (live mode). Every canary command has these. */
export const targetFlags = {
  file: Flags.string({char: 'f', description: 'GitOps mode: the YAML file holding the VirtualService (only weights and the state annotation are rewritten)'}),
  'virtual-service': Flags.string({description: 'live mode: NAMESPACE/NAME of the VirtualService (with -f: which VirtualService of the file)'}),
  context: Flags.string({description: 'kubeconfig context (live mode; in GitOps mode it also makes cleat check that the cluster synced the file)'}),
  kubeconfig: Flags.string({description: 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config); in GitOps mode, like --context'}),
  'destination-rules': Flags.string({description: 'file(s) holding the DestinationRules for preflight (GitOps mode; default: the same file)', multiple: true}),
  'istio-version': Flags.string({description: 'Istio networking API version (live mode)', options: ['v1', 'v1beta1', 'v1alpha3'], default: 'v1'}),
  json: Flags.boolean({description: 'print a JSON document instead of text', default: false}),
}

/** Flags of the commands that write (everything but plan and status). */
export const writeFlags = {
  'dry-run': Flags.boolean({description: 'show what would be written; write nothing', default: false}),
  'adopt-drift': Flags.boolean({description: 'accept weights changed outside cleat instead of stopping with exit 31', default: false}),
  'force-unlock': Flags.boolean({description: 'take over a lock whose holder expired (make sure that run is gone)', default: false}),
  'lock-ttl': Flags.string({description: 'how long the lock stays valid without renewal, on top of a bake', default: '2m'}),
  holder: Flags.string({description: 'lock holder identity (default: CI job id, else user@host:pid)'}),
}

/** Which route and destinations to shift, and the plan: start, run, plan. */
export const selectFlags = {
  stable: Flags.string({description: 'stable subset (as in the DestinationRule)', default: undefined}),
  canary: Flags.string({description: 'canary subset'}),
  'stable-host': Flags.string({description: 'stable host, for host-level splits (two Services)'}),
  'canary-host': Flags.string({description: 'canary host, for host-level splits'}),
  route: Flags.string({description: 'name of the http route to shift (error if it matches zero or several routes)'}),
  steps: Flags.string({description: 'canary weights in percent, ending at 100', default: '30,100'}),
  bake: Flags.string({description: 'wait after each shift before judging (e.g. 30s, 2m)', default: '2m'}),
  'gate-after': Flags.string({description: 'stop for a manual `promote` after these weights (e.g. 30)'}),
}

/** Analysis flags; without a value they keep what the run recorded at start. */
export const analysisFlags = {
  prometheus: Flags.string({description: 'Prometheus base URL; enables the built-in Istio checks'}),
  'min-success-rate': Flags.string({description: 'lowest non-5xx percentage of canary requests (default 99)'}),
  'max-p99-ms': Flags.string({description: 'highest canary p99 latency in ms (default 500)'}),
  'min-requests': Flags.integer({description: 'fewer canary requests in the window count as no data (default 100)', min: 0}),
  'on-no-data': Flags.string({description: 'when a check has no data (default pause)', options: ['pause', 'fail', 'pass']}),
  'analysis-window': Flags.string({description: 'rate window of the built-in queries (default 1m)'}),
  'canary-workload': Flags.string({description: 'select canary metrics by destination_workload instead of service + version'}),
  analysis: Flags.string({description: 'file of custom Prometheus checks (schemas/canary/analysis.schema.json)'}),
  check: Flags.string({description: 'shell command run after each bake; non-zero exit fails the step'}),
  'check-timeout': Flags.string({description: 'time limit of --check', default: '5m'}),
}

/** GitOps mode with --context/--kubeconfig: wait for the cluster to show the written weights before judging. */
export const syncTimeoutFlag = Flags.string({description: 'GitOps mode with --context/--kubeconfig: how long to wait for the cluster to show the written weights before judging (exit 10 if it does not)', default: '5m'})

export const onInterruptFlag = Flags.string({description: 'on SIGINT/SIGTERM (default: rollback on a TTY, pause otherwise)', options: ['pause', 'rollback']})

type Bag = Record<string, unknown>

function str(f: Bag, k: string): string | undefined {
  const v = f[k]
  return typeof v === 'string' && v !== '' ? v : undefined
}

function num(f: Bag, k: string): number | undefined {
  const v = str(f, k)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) throw new UsageError(`--${k} must be a number, got '${v}'`)
  return n
}

/** A Kubernetes client from --kubeconfig / $KUBECONFIG / ~/.kube/config and --context; a bad file or context is a usage error. */
async function kubeClient(f: Bag): Promise<KubeClient> {
  // Loaded on demand: the Kubernetes client takes longer to load than a whole GitOps step.
  const {createKubeClient, resolveKubeconfigPath} = await import('../adapters/kube.js')
  const kubeconfigPath = str(f, 'kubeconfig') ?? resolveKubeconfigPath(process.env.KUBECONFIG, homedir(), path.delimiter)
  try {
    return createKubeClient({kubeconfigPath, context: str(f, 'context')})
  } catch (e) {
    throw new UsageError((e as Error).message, ['pass --kubeconfig FILE and --context NAME, or set KUBECONFIG'])
  }
}

/** Build the target from -f / --virtual-service. */
export async function targetFromFlags(f: Bag, now: () => number): Promise<CanaryTarget> {
  const file = str(f, 'file')
  const vsRef = str(f, 'virtual-service')
  const [ns, name] = vsRef?.includes('/') ? (vsRef.split('/', 2) as [string, string]) : [undefined, vsRef]
  if (file) {
    const drs = (f['destination-rules'] as string[] | undefined) ?? []
    return new GitopsTarget({file: path.resolve(file), displayName: file, name, namespace: ns, destinationRuleFiles: drs.map((d) => path.resolve(d))})
  }
  if (!vsRef) throw new UsageError('say which VirtualService: -f FILE (GitOps mode) or --virtual-service NAMESPACE/NAME (live mode)')
  const client = await kubeClient(f)
  return new LiveTarget(client, {namespace: ns ?? client.defaultNamespace, name: name!, version: str(f, 'istio-version'), now})
}

/**
 * GitOps mode with --context or --kubeconfig: the same VirtualService in the cluster, to show whether
 * the GitOps tool has synced the file yet. Null otherwise.
 */
export async function clusterTargetFromFlags(f: Bag, file: CanaryTarget, now: () => number): Promise<CanaryTarget | null> {
  if (file.mode !== 'gitops' || (!str(f, 'context') && !str(f, 'kubeconfig'))) return null
  const snap = await file.read()
  const client = await kubeClient(f)
  return new LiveTarget(client, {namespace: snap.namespace, name: snap.name, version: str(f, 'istio-version'), now})
}

function selector(subset: string | undefined, host: string | undefined, role: string): DestSelector {
  if (subset === undefined && host === undefined) throw new UsageError(`say which destination is the ${role}: --${role} SUBSET or --${role}-host HOST`)
  return {...(host !== undefined ? {host} : {}), ...(subset !== undefined ? {subset} : {})}
}

function noData(v: string | undefined): NoDataPolicy | undefined {
  return v as NoDataPolicy | undefined
}

/** Analysis settings given on this command line (explicit flags only). */
export async function analysisOverrides(f: Bag): Promise<Partial<AnalysisSettings>> {
  const o: Partial<AnalysisSettings> = {}
  const prom = str(f, 'prometheus')
  if (prom) {
    try {
      splitCredentials(prom)
    } catch (e) {
      throw new UsageError(`--prometheus: ${(e as Error).message}`)
    }
    o.prometheus = prom
  }
  const sr = num(f, 'min-success-rate')
  if (sr !== undefined) o.minSuccessRate = sr
  const p99 = num(f, 'max-p99-ms')
  if (p99 !== undefined) o.maxP99Ms = p99
  if (typeof f['min-requests'] === 'number') o.minRequests = f['min-requests']
  const nd = noData(str(f, 'on-no-data'))
  if (nd) o.onNoData = nd
  const w = str(f, 'analysis-window')
  if (w) o.windowSeconds = parseDuration(w, 'analysis-window')
  const wl = str(f, 'canary-workload')
  if (wl) o.canaryWorkload = wl
  const af = str(f, 'analysis')
  if (af) o.custom = (await readAnalysisFile(path.resolve(af))).metrics
  return o
}

export async function startOptionsFromFlags(f: Bag): Promise<StartOptions> {
  const steps = parseSteps(str(f, 'steps') ?? '30,100')
  const o = await analysisOverrides(f)
  return {
    stable: selector(str(f, 'stable'), str(f, 'stable-host'), 'stable'),
    canary: selector(str(f, 'canary'), str(f, 'canary-host'), 'canary'),
    route: str(f, 'route') ?? null,
    plan: {steps, gates: parseGates(str(f, 'gate-after'), steps), bakeSeconds: parseDuration(str(f, 'bake') ?? '2m', 'bake')},
    analysis: {
      minSuccessRate: o.minSuccessRate ?? 99,
      maxP99Ms: o.maxP99Ms ?? 500,
      minRequests: o.minRequests ?? 100,
      onNoData: o.onNoData ?? 'pause',
      windowSeconds: o.windowSeconds ?? 60,
      // Recorded without credentials; later calls that need them pass --prometheus again.
      prometheus: o.prometheus ? splitCredentials(o.prometheus).url : null,
      canaryWorkload: o.canaryWorkload ?? null,
      custom: o.custom ?? [],
    },
  }
}

function defaultHolder(): string {
  const e = process.env
  const ci = e.GITHUB_RUN_ID ? `github:${e.GITHUB_REPOSITORY ?? ''}/run/${e.GITHUB_RUN_ID}` : e.CI_JOB_ID ? `gitlab:job/${e.CI_JOB_ID}` : e.BUILD_TAG ? `jenkins:${e.BUILD_TAG}` : null
  let user = 'user'
  try {
    user = userInfo().username
  } catch {
    // no passwd entry (containers)
  }
  return `${ci ?? `${user}@${hostname()}`}:${process.pid}`
}

function interruptibleSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}

/** The injected context of a canary operation, from the flags. */
export async function contextFromFlags(f: Bag, target: CanaryTarget, signal?: AbortSignal): Promise<CanaryContext> {
  const check = str(f, 'check')
  const checkTimeout = parseDuration(str(f, 'check-timeout') ?? '5m', 'check-timeout')
  return {
    target,
    holder: str(f, 'holder') ?? defaultHolder(),
    now: () => Date.now(),
    sleep: interruptibleSleep,
    lockTtlSeconds: parseDuration(str(f, 'lock-ttl') ?? '2m', 'lock-ttl'),
    forceUnlock: f['force-unlock'] === true,
    adoptDrift: f['adopt-drift'] === true,
    dryRun: f['dry-run'] === true,
    overrides: await analysisOverrides(f),
    metricsFor: (url) => new PrometheusClient(url),
    check: check ? {command: check, run: (c, env) => runCheckCommand(c, {...(process.env as Record<string, string>), ...env}, checkTimeout)} : undefined,
    newRunId: () => `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`,
    log: (e) => writeErr(`${e.kind === 'warn' ? 'warning: ' : ''}${e.message}`),
    signal,
    cluster: (await clusterTargetFromFlags(f, target, Date.now)) ?? undefined,
    syncTimeoutSeconds: str(f, 'sync-timeout') ? parseDuration(str(f, 'sync-timeout')!, 'sync-timeout') : undefined,
  }
}

/** Print an outcome and set the exit code. */
export function emitOutcome(o: Outcome, f: Bag): void {
  writeOut(f.json === true ? outcomeJson(o) : renderOutcome(o))
  process.exitCode = o.exitCode
}

/** SIGINT/SIGTERM → abort signal (for run/resume); returns the signal and a function removing the handlers. */
export function interruptSignal(): {signal: AbortSignal; dispose: () => void} {
  const ac = new AbortController()
  const handler = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) return
    writeErr(`received ${sig}: finishing the current write, then stopping`)
    ac.abort()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}

export function onInterruptPolicy(f: Bag): 'pause' | 'rollback' {
  const v = str(f, 'on-interrupt')
  if (v === 'pause' || v === 'rollback') return v
  return process.stdin.isTTY && process.stderr.isTTY ? 'rollback' : 'pause'
}

/** Run one controller action (step, run, resume) with SIGINT/SIGTERM handling, then print its outcome. */
export async function runWithInterrupts(f: Bag, action: (ctx: CanaryContext, onInterrupt: 'pause' | 'rollback') => Promise<Outcome>): Promise<void> {
  const {signal, dispose} = interruptSignal()
  try {
    const ctx = await contextFromFlags(f, await targetFromFlags(f, Date.now), signal)
    emitOutcome(await action(ctx, onInterruptPolicy(f)), f)
  } finally {
    dispose()
  }
}
