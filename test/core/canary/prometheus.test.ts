import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {after, before, test} from 'node:test'
import {PrometheusClient} from '../../../src/adapters/prometheus.js'
import {toScalar, type MetricsSource} from '../../../src/core/canary/analysis.js'
import {runCheckCommand} from '../../../src/core/canary/check-command.js'
import {runCanary, startCanary, stepCanary} from '../../../src/core/canary/controller.js'
import {readState} from '../../../src/core/canary/state.js'
import {findVirtualServices, parseYamlFile} from '../../../src/core/canary/yaml-edit.js'
import {EXIT} from '../../../src/core/exit-codes.js'
import {startIstioExporter, type IstioExporter} from '../../helpers/istio-exporter.js'
import {prometheusSkip, startPrometheus, type RunningPrometheus} from '../../helpers/prometheus.js'
import {gitops, REVIEWS_FILE, startOptions, tempFile, testContext} from './fixtures/files.js'

// One real Prometheus scraping one exporter per scenario; each scenario's canary has its own version
// label, so the scenarios do not see each other's traffic.
const SCENARIOS = {healthy: 'v2', failing: 'v3', silent: 'v4', slow: 'v5'} as const
let prom: RunningPrometheus | undefined
const exporters: IstioExporter[] = []

before(async () => {
  if (prometheusSkip) return
  exporters.push(await startIstioExporter({canary: {version: SCENARIOS.healthy, workload: 'reviews-v2'}}))
  exporters.push(await startIstioExporter({canary: {version: SCENARIOS.failing, workload: 'reviews-v3'}, traffic: {canary: {errorRate: 0.3}}}))
  exporters.push(await startIstioExporter({canary: {version: SCENARIOS.silent, workload: 'reviews-v4'}, traffic: {canary: {rps: 0}}}))
  exporters.push(await startIstioExporter({canary: {version: SCENARIOS.slow, workload: 'reviews-v5'}, traffic: {canary: {latencyMs: 900}}}))
  prom = await startPrometheus(exporters.map((e) => e.address))
  // Enough samples for a 5 s rate window.
  await prom.waitFor(`sum(increase(istio_requests_total{destination_version="v2"}[5s]))`, (v) => v > 50, 30_000)
})

after(async () => {
  await prom?.stop()
  await Promise.all(exporters.map((e) => e.close()))
})

function fileFor(version: string): string {
  return REVIEWS_FILE.replaceAll('v2', version)
}

function weights(text: string): number[] {
  const vs = findVirtualServices(parseYamlFile(text, 'x'))[0]!.value as {spec: {http: {route: {weight?: number}[]}[]}}
  return vs.spec.http[1]!.route.map((d) => d.weight ?? -1)
}

async function stateOf(file: string) {
  return readState(findVirtualServices(parseYamlFile(await readFile(file, 'utf8'), 'x'))[0]!.value as Record<string, unknown>)
}

const analysis = () => ({prometheus: prom!.url, minRequests: 20, windowSeconds: 5})

test('healthy canary: promoted 30 → 100 (exit 0), checks recorded', {skip: prometheusSkip, timeout: 60_000}, async () => {
  const file = await tempFile(fileFor(SCENARIOS.healthy))
  const written: number[][] = []
  const ctx = testContext(gitops(file), {boundary: async (b) => void (b === 'after-write' && written.push(weights(await readFile(file, 'utf8'))))})
  const o = await runCanary(ctx, {start: startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.healthy}, plan: {steps: [30, 100], gates: [], bakeSeconds: 2}}, analysis()), onInterrupt: 'pause'})
  assert.equal(o.exitCode, EXIT.OK, `${o.message}\n${ctx.lines.join('\n')}`)
  assert.deepEqual(written, [
    [70, 30, 0],
    [0, 100, 0],
  ])
  const s = await stateOf(file)
  assert.equal(s?.phase, 'Succeeded')
  const sr = s?.checks?.results.find((r) => r.name === 'success-rate')
  assert.equal(sr?.verdict, 'pass')
  assert.equal(sr?.value, 100)
  assert.equal(s?.checks?.results.find((r) => r.name === 'p99-ms')?.verdict, 'pass')
})

test('failing canary (30 % errors): rolled back to the snapshot after the first step (exit 20)', {skip: prometheusSkip, timeout: 60_000}, async () => {
  const file = await tempFile(fileFor(SCENARIOS.failing))
  const ctx = testContext(gitops(file))
  const o = await runCanary(ctx, {start: startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.failing}, plan: {steps: [30, 100], gates: [], bakeSeconds: 2}}, analysis()), onInterrupt: 'pause'})
  assert.equal(o.exitCode, EXIT.CANARY_ROLLED_BACK_ANALYSIS, o.message)
  assert.deepEqual(weights(await readFile(file, 'utf8')), [100, 0, 0])
  const s = await stateOf(file)
  assert.equal(s?.phase, 'RolledBack')
  const sr = s?.checks?.results.find((r) => r.name === 'success-rate')
  assert.equal(sr?.verdict, 'fail')
  assert.ok(sr!.value! > 60 && sr!.value! < 80, `success rate ${sr?.value}`)
  assert.equal(s?.step, 0, 'never reached 100 %')
})

test('slow canary: p99 above --max-p99-ms rolls back', {skip: prometheusSkip, timeout: 60_000}, async () => {
  const file = await tempFile(fileFor(SCENARIOS.slow))
  const o = await runCanary(testContext(gitops(file)), {start: startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.slow}, plan: {steps: [50, 100], gates: [], bakeSeconds: 1}}, analysis()), onInterrupt: 'pause'})
  assert.equal(o.exitCode, EXIT.CANARY_ROLLED_BACK_ANALYSIS, o.message)
  assert.ok(o.results?.some((r) => r.name === 'p99-ms' && r.verdict === 'fail' && r.value! > 500))
})

test('no canary traffic: paused by default (exit 10), weights kept; --on-no-data fail rolls back (exit 20)', {skip: prometheusSkip, timeout: 60_000}, async () => {
  const file = await tempFile(fileFor(SCENARIOS.silent))
  const ctx = testContext(gitops(file))
  const o = await runCanary(ctx, {start: startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.silent}, plan: {steps: [30, 100], gates: [], bakeSeconds: 1}}, analysis()), onInterrupt: 'pause'})
  assert.equal(o.exitCode, EXIT.CANARY_PAUSED, o.message)
  assert.deepEqual(weights(await readFile(file, 'utf8')), [70, 30, 0])
  const s = await stateOf(file)
  assert.equal(s?.pause?.reason, 'no-data')
  assert.equal(s?.checks?.results.find((r) => r.name === 'requests')?.verdict, 'no-data')

  const file2 = await tempFile(fileFor(SCENARIOS.silent))
  const o2 = await runCanary(testContext(gitops(file2)), {start: startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.silent}, plan: {steps: [30, 100], gates: [], bakeSeconds: 1}}, {...analysis(), onNoData: 'fail'}), onInterrupt: 'pause'})
  assert.equal(o2.exitCode, EXIT.CANARY_ROLLED_BACK_ANALYSIS, o2.message)
  assert.deepEqual(weights(await readFile(file2, 'utf8')), [100, 0, 0])

  // --on-no-data pass is explicit: it passes, and the result still says "no-data".
  const file3 = await tempFile(fileFor(SCENARIOS.silent))
  const o3 = await startCanary(testContext(gitops(file3)), startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.silent}, plan: {steps: [30, 100], gates: [], bakeSeconds: 1}}, {...analysis(), onNoData: 'pass'}))
  assert.equal(o3.exitCode, EXIT.OK)
  const jctx = testContext(gitops(file3))
  const j = await stepCanary(jctx)
  assert.equal(j.exitCode, EXIT.OK, j.message)
  assert.ok(j.results?.some((r) => r.verdict === 'no-data'))
  assert.ok(jctx.lines.some((l) => /passed WITHOUT data for requests/.test(l)), jctx.lines.join('\n'))
})

test('query semantics against the real Prometheus: NaN, ±Inf and empty are no data, several series are invalid', {skip: prometheusSkip}, async () => {
  const c = new PrometheusClient(prom!.url)
  assert.equal(toScalar(await c.query('sum(istio_requests_total{destination_version="nope"})')).kind, 'no-data')
  assert.equal(toScalar(await c.query('vector(0) / vector(0)')).kind, 'no-data')
  assert.equal(toScalar(await c.query('vector(1) / vector(0)')).kind, 'no-data')
  assert.equal(toScalar(await c.query('sum by (destination_version) (istio_requests_total)')).kind, 'invalid')
  const one = toScalar(await c.query('sum(up)'))
  assert.deepEqual(one, {kind: 'value', value: exporters.length})
  await assert.rejects(c.query('sum(('), /bad_data|parse/i)
})

test('custom --analysis metric and a provider error: an unreachable Prometheus never passes (paused)', {skip: prometheusSkip, timeout: 60_000}, async () => {
  const file = await tempFile(fileFor(SCENARIOS.healthy))
  const custom = [{name: 'error-ratio', query: 'sum(rate(istio_requests_total{destination_version="{{canary}}",response_code=~"5.."}[{{window}}])) or vector(0)', max: 0.01}]
  const o = await runCanary(testContext(gitops(file)), {start: startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.healthy}, plan: {steps: [100], gates: [], bakeSeconds: 1}}, {...analysis(), minSuccessRate: null, maxP99Ms: null, custom}), onInterrupt: 'pause'})
  assert.equal(o.exitCode, EXIT.OK, o.message)
  assert.deepEqual(o.results?.map((r) => [r.name, r.verdict]), [['error-ratio', 'pass']])

  const file2 = await tempFile(fileFor(SCENARIOS.healthy))
  const dead: MetricsSource = new PrometheusClient('http://127.0.0.1:9', {timeoutMs: 2000})
  const o2 = await runCanary(testContext(gitops(file2), {metricsFor: () => dead}), {start: startOptions({stable: {subset: 'v1'}, canary: {subset: SCENARIOS.healthy}, plan: {steps: [30, 100], gates: [], bakeSeconds: 0}}, {...analysis(), onNoData: 'pass'}), onInterrupt: 'pause'})
  assert.equal(o2.exitCode, EXIT.CANARY_PAUSED, o2.message)
  assert.ok(o2.results?.every((r) => r.verdict === 'invalid'))
})

test('--check command: non-zero exit fails the step and rolls back', {timeout: 30_000}, async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file), {check: {command: 'test "$CLEAT_CANARY_WEIGHT" -lt 50', run: (c, env) => runCheckCommand(c, env, 10)}})
  const o = await runCanary(ctx, {start: startOptions(), onInterrupt: 'pause'})
  // 30 % passes (30 < 50), 100 % fails.
  assert.equal(o.exitCode, EXIT.CANARY_ROLLED_BACK_ANALYSIS, o.message)
  assert.equal((await stateOf(file))?.step, 1)
  assert.deepEqual(weights(await readFile(file, 'utf8')), [100, 0, 0])
})
