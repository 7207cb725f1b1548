// `npm run bench` section for `cleat canary`: the overhead of one `step` (without bake and Prometheus
// time) in GitOps and live mode, and the number of writes an abort makes.
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {createKubeClient} from '../src/adapters/kube.js'
import {abortCanary, startCanary, stepCanary, type CanaryContext, type StartOptions} from '../src/core/canary/controller.js'
import {GitopsTarget} from '../src/core/canary/gitops-target.js'
import {LiveTarget} from '../src/core/canary/live-target.js'
import type {CanaryTarget} from '../src/core/canary/target.js'
import {startKubeApiServer} from '../test/helpers/kube-api-server.js'
import {REVIEWS_FILE} from '../test/core/canary/fixtures/files.js'
import type {BenchSection} from './types.js'

const GOAL_MS = 300
const ROUNDS = 15

function ctx(target: CanaryTarget): CanaryContext {
  let n = 0
  return {
    target,
    holder: 'bench',
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    lockTtlSeconds: 60,
    forceUnlock: false,
    adoptDrift: false,
    dryRun: false,
    overrides: {},
    newRunId: () => `bench-${++n}`,
    log: () => undefined,
  }
}

const OPTS: StartOptions = {
  stable: {subset: 'v1'},
  canary: {subset: 'v2'},
  route: null,
  // Many steps so that each round has a shift and a judge to time; no bake, no metrics.
  plan: {steps: [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], gates: [], bakeSeconds: 0},
  analysis: {minSuccessRate: null, maxP99Ms: null, minRequests: 0, onNoData: 'pause', windowSeconds: 60, prometheus: null, canaryWorkload: null, custom: []},
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

/** Time every `step` of runs on fresh targets until ROUNDS steps were measured. */
async function timeSteps(make: () => Promise<CanaryTarget>): Promise<number[]> {
  // One unmeasured run first: module loading, schema compilation, TLS session set-up.
  const warm = ctx(await make())
  await startCanary(warm, OPTS)
  for (let i = 0; i < 4; i++) await stepCanary(warm)
  const times: number[] = []
  while (times.length < ROUNDS) {
    const c = ctx(await make())
    await startCanary(c, OPTS)
    for (let i = 0; i < 2 * OPTS.plan.steps.length && times.length < ROUNDS; i++) {
      const t0 = performance.now()
      const o = await stepCanary(c)
      times.push(performance.now() - t0)
      if (o.state?.phase === 'Succeeded') break
    }
  }
  return times
}

export async function run(): Promise<BenchSection> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cleat-bench-canary-'))
  const srv = await startKubeApiServer({
    namespaces: ['shop'],
    objects: [{apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'reviews', namespace: 'shop'}, spec: {host: 'reviews', subsets: [{name: 'v1'}, {name: 'v2'}]}}],
  })
  try {
    let k = 0
    const gitopsTimes = await timeSteps(async () => {
      const f = path.join(dir, `vs-${++k}.yaml`)
      await writeFile(f, REVIEWS_FILE)
      return new GitopsTarget({file: f})
    })
    const kube = createKubeClient({kubeconfigPath: srv.kubeconfigPath})
    const vsObj = (name: string) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: {name, namespace: 'shop'},
      spec: {hosts: ['reviews'], http: [{name: 'primary', route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 100}, {destination: {host: 'reviews', subset: 'v2'}, weight: 0}]}]},
    })
    const liveTimes = await timeSteps(async () => {
      const name = `r${++k}`
      srv.state.put(vsObj(name))
      return new LiveTarget(kube, {namespace: 'shop', name, now: Date.now})
    })
    // Abort: count writes on the API server (all kinds) and on the file target.
    srv.state.put(vsObj('abort'))
    const live = new LiveTarget(kube, {namespace: 'shop', name: 'abort', now: Date.now})
    await startCanary(ctx(live), OPTS)
    await stepCanary(ctx(live))
    srv.clearRequests()
    await abortCanary(ctx(live))
    const liveAbortWrites = srv.writes().length
    const f = path.join(dir, 'abort.yaml')
    await writeFile(f, REVIEWS_FILE)
    const file = new GitopsTarget({file: f})
    await startCanary(ctx(file), OPTS)
    const before = file.writes()
    await abortCanary(ctx(file))
    const fileAbortWrites = file.writes() - before
    // For reference: a whole `cleat canary step` process (Node start-up, oclif, module loading), when built.
    const cliTimes: number[] = []
    const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'run.js')
    if (existsSync(path.join(path.dirname(bin), '..', 'dist', 'commands', 'canary', 'step.js'))) {
      const cf = path.join(dir, 'cli.yaml')
      await writeFile(cf, REVIEWS_FILE)
      await startCanary(ctx(new GitopsTarget({file: cf})), OPTS)
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now()
        const r = spawnSync(process.execPath, [bin, 'canary', 'step', '-f', cf], {encoding: 'utf8'})
        cliTimes.push(performance.now() - t0)
        if (r.status !== 0) break
      }
    }
    const row = (name: string, xs: number[]) => ({
      name,
      value: `median ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms (n=${xs.length})`,
      goal: `p95 ≤ ${GOAL_MS} ms`,
      met: pct(xs, 95) <= GOAL_MS,
    })
    return {
      title: 'canary',
      rows: [
        row('one `step` overhead, GitOps file (lock write + shift or judge write)', gitopsTimes),
        row('one `step` overhead, live mode (API test server over HTTPS, Lease + JSON Patch)', liveTimes),
        ...(cliTimes.length
          ? [{name: 'whole `cleat canary step` process, GitOps file (for reference: mostly Node and oclif start-up)', value: `median ${pct(cliTimes, 50).toFixed(0)} ms (n=${cliTimes.length})`}]
          : []),
        {name: 'writes made by `abort`, live mode (all API writes)', value: String(liveAbortWrites), goal: '= 1', met: liveAbortWrites === 1},
        {name: 'writes made by `abort`, GitOps file', value: String(fileAbortWrites), goal: '= 1', met: fileAbortWrites === 1},
      ],
      notes: ['Step overhead excludes the bake and Prometheus time (no bake, no metric checks); it includes reading, locking, preflight with validate and the compare-and-swap writes.'],
    }
  } finally {
    await srv.close()
    await rm(dir, {recursive: true, force: true})
  }
}
