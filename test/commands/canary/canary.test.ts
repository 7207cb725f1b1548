import assert from 'node:assert/strict'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {EXIT} from '../../../src/core/exit-codes.js'
import {runCli} from '../../helpers/run-command.js'
import {runCanary} from '../../../src/core/canary/controller.js'
import {GitopsTarget} from '../../../src/core/canary/gitops-target.js'
import {REVIEWS_FILE, testContext} from '../../core/canary/fixtures/files.js'

async function temp(text = REVIEWS_FILE): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cleat-canary-cmd-'))
  const f = path.join(dir, 'vs.yaml')
  await writeFile(f, text)
  return f
}

test('canary plan prints a diff per step, the checks and the rollback; writes nothing', async () => {
  const f = await temp()
  const r = await runCli(['canary', 'plan', '-f', f, '--stable', 'v1', '--canary', 'v2', '--steps', '10,50,100', '--prometheus', 'http://127.0.0.1:9090', '--gate-after', '50'])
  assert.equal(r.exitCode, EXIT.OK, r.stderr)
  assert.match(r.stdout, /step 1\/3: canary 10 % → stable 90 \/ canary 10/)
  assert.match(r.stdout, /-      weight: 100   # stable\n\+      weight: 90   # stable/)
  assert.match(r.stdout, /step 2\/3: canary 50 % .*\(then stop for `promote`\)/)
  assert.match(r.stdout, /success-rate >= 99/)
  assert.match(r.stdout, /destination_version="v2"/)
  assert.match(r.stdout, /rollback .*stable 100 \/ canary 0/)
  assert.equal(await readFile(f, 'utf8'), REVIEWS_FILE)
})

test('canary plan exits 21 on a preflight finding', async () => {
  const f = await temp(REVIEWS_FILE.replace('  - name: v2\n    labels: {version: v2}\n', ''))
  const r = await runCli(['canary', 'plan', '-f', f, '--stable', 'v1', '--canary', 'v2'])
  assert.equal(r.exitCode, EXIT.CANARY_ROLLED_BACK_PREFLIGHT)
  assert.match(r.stdout, /CL5010/)
})

test('start → status (text and JSON) → start again (30) → abort restores the file', async () => {
  const f = await temp()
  const s = await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '1m'])
  assert.equal(s.exitCode, EXIT.OK, s.stderr)
  assert.match(s.stdout, /canary at 30 %/)
  const st = await runCli(['canary', 'status', '-f', f])
  assert.equal(st.exitCode, EXIT.OK)
  assert.match(st.stdout, /Baking at step 1\/2 \(30 %\) \(judged in/)
  assert.match(st.stdout, /written {2}stable 70 \/ canary 30/)
  const js = await runCli(['canary', 'status', '-f', f, '--json'])
  const doc = JSON.parse(js.stdout) as {kind: string; state: {phase: string}; current: {canary: number}; drift: boolean}
  assert.deepEqual([doc.kind, doc.state.phase, doc.current.canary, doc.drift], ['CanaryStatus', 'Baking', 30, false])
  const again = await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2'])
  assert.equal(again.exitCode, EXIT.CANARY_LOCK_HELD)
  assert.match(again.stderr, /already in progress/)
  const a = await runCli(['canary', 'abort', '-f', f, '--json'])
  assert.equal(a.exitCode, EXIT.OK)
  assert.equal((JSON.parse(a.stdout) as {kind: string}).kind, 'CanaryOutcome')
  assert.equal(await readFile(f, 'utf8'), REVIEWS_FILE)
})

test('status reports drift with exit 31; step refuses it; --adopt-drift accepts it', async () => {
  const f = await temp()
  await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '0s'])
  await writeFile(f, (await readFile(f, 'utf8')).replace('weight: 70   # stable', 'weight: 75   # stable').replace('weight: 30     # canary', 'weight: 25     # canary'))
  const st = await runCli(['canary', 'status', '-f', f])
  assert.equal(st.exitCode, EXIT.CANARY_DRIFT)
  assert.match(st.stdout, /DRIFT/)
  const step = await runCli(['canary', 'step', '-f', f])
  assert.equal(step.exitCode, EXIT.CANARY_DRIFT)
  assert.match(step.stderr, /CL5030 .*written 70, now 75/)
  assert.match(step.stderr, /--adopt-drift/)
  const adopted = await runCli(['canary', 'step', '-f', f, '--adopt-drift'])
  assert.equal(adopted.exitCode, EXIT.OK, adopted.stderr)
})

test('usage errors exit 64 with a clear message and no stack', async () => {
  const f = await temp()
  const cases: [string[], RegExp][] = [
    [['canary', 'start', '--stable', 'v1', '--canary', 'v2'], /-f FILE .* or --virtual-service/],
    [['canary', 'start', '-f', f, '--canary', 'v2'], /--stable SUBSET or --stable-host/],
    [['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--steps', '50,30'], /strictly increasing/],
    [['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', 'soon'], /not a duration/],
    [['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--route', 'nope'], /no http route is named 'nope'/],
    [['canary', 'step', '-f', f], /no canary run/],
    [['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--on-no-data', 'maybe'], /Expected --on-no-data=maybe to be one of/],
  ]
  for (const [args, re] of cases) {
    const r = await runCli(args)
    assert.equal(r.exitCode, EXIT.USAGE, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, re)
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/)
  }
  assert.equal(await readFile(f, 'utf8'), REVIEWS_FILE)
})

test('unreadable inputs exit 65', async () => {
  const r = await runCli(['canary', 'status', '-f', path.join(tmpdir(), 'does-not-exist.yaml')])
  assert.equal(r.exitCode, EXIT.INPUT)
  const f = await temp()
  const bad = path.join(path.dirname(f), 'analysis.yaml')
  await writeFile(bad, 'metrics:\n- name: Bad Name\n  query: up\n')
  const r2 = await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--analysis', bad])
  assert.equal(r2.exitCode, EXIT.INPUT)
  assert.match(r2.stderr, /not a valid analysis file/)
})

test('--help of each command lists the canary exit codes', async () => {
  for (const c of ['plan', 'start', 'step', 'run', 'status', 'promote', 'pause', 'resume', 'abort']) {
    const mod = (await import(`../../../src/commands/canary/${c}.ts`)) as {default: {description?: string}}
    const d = mod.default.description ?? ''
    for (const code of [' 0', '10', '20', '21', '30', '31', '64', '65']) assert.match(d, new RegExp(`^\\s*${code}  `, 'm'), `${c} lacks exit ${code}`)
  }
})

test('pause (10) → resume runs to the end (0); promote --full finishes a run at once', async () => {
  const f = await temp()
  await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '0s'])
  assert.equal((await runCli(['canary', 'pause', '-f', f])).exitCode, EXIT.CANARY_PAUSED)
  assert.equal((await runCli(['canary', 'status', '-f', f])).exitCode, EXIT.CANARY_PAUSED)
  const r = await runCli(['canary', 'resume', '-f', f, '--on-interrupt', 'pause'])
  assert.equal(r.exitCode, EXIT.OK, r.stderr)
  assert.match(r.stdout, /promoted/)
  const g = await temp()
  await runCli(['canary', 'start', '-f', g, '--stable', 'v1', '--canary', 'v2', '--bake', '10m'])
  const p = await runCli(['canary', 'promote', '-f', g, '--full'])
  assert.equal(p.exitCode, EXIT.OK, p.stderr)
  assert.match(await readFile(g, 'utf8'), /weight: 0   # stable/)
})

test('credentials in --prometheus are not recorded in the state annotation', async () => {
  const f = await temp()
  const r = await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--prometheus', 'https://ci:s3cret@prometheus.example:9090/'])
  assert.equal(r.exitCode, EXIT.OK, r.stderr)
  const text = await readFile(f, 'utf8')
  assert.match(text, /"prometheus":"https:\/\/prometheus.example:9090"/)
  assert.doesNotMatch(text, /s3cret/)
})

test('status -w waits while the run progresses and exits with its outcome; --timeout gives up with 10', async () => {
  const f = await temp()
  await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '1s'])
  const t0 = Date.now()
  const waited = await runCli(['canary', 'status', '-f', f, '-w', '--interval', '200ms', '--timeout', '1s'])
  assert.equal(waited.exitCode, EXIT.CANARY_PAUSED)
  assert.ok(Date.now() - t0 >= 900, 'it watched until the timeout')
  assert.ok((waited.stdout.match(/phase {4}Baking/g) ?? []).length >= 2, 'it printed more than once')
  // With a run progressing at the same time, the watch ends when the canary is promoted.
  const [watch, run] = await Promise.all([
    runCli(['canary', 'status', '-f', f, '-w', '--interval', '200ms', '--timeout', '30s', '--json']),
    // The other runner works through the core API (runCli shares one output sink per process).
    new Promise((r) => setTimeout(r, 300)).then(() => runCanary(testContext(new GitopsTarget({file: f})), {onInterrupt: 'pause'})),
  ])
  assert.equal(run.exitCode, EXIT.OK, run.message)
  assert.equal(watch.exitCode, EXIT.OK)
  const last = JSON.parse(watch.stdout.trim().split('\n').at(-1)!) as {state: {phase: string}}
  assert.equal(last.state.phase, 'Succeeded')
})

test('plan --json lists the steps, the checks and the findings', async () => {
  const f = await temp()
  const r = await runCli(['canary', 'plan', '-f', f, '--stable', 'v1', '--canary', 'v2', '--steps', '25,100', '--json', '--check', 'true'])
  assert.equal(r.exitCode, EXIT.OK, r.stderr)
  const doc = JSON.parse(r.stdout) as {kind: string; snapshot: unknown; steps: {weight: number; split: unknown}[]; checks: string[]; diagnostics: unknown[]}
  assert.equal(doc.kind, 'CanaryPlan')
  assert.deepEqual(doc.snapshot, {stable: 100, canary: 0})
  assert.deepEqual(doc.steps.map((s) => [s.weight, s.split]), [
    [25, {stable: 75, canary: 25}],
    [100, {stable: 0, canary: 100}],
  ])
  assert.deepEqual(doc.checks, ['command: true'])
  assert.deepEqual(doc.diagnostics, [])
})

test('a file with two VirtualServices needs --virtual-service to pick one; the other stays untouched', async () => {
  const second = REVIEWS_FILE.split('---\n')[1]!.replace('name: reviews   # the apex', 'name: ratings')
  const text = `${REVIEWS_FILE}---\n${second}`
  const f = await temp(text)
  const ambiguous = await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2'])
  assert.equal(ambiguous.exitCode, EXIT.USAGE)
  assert.match(ambiguous.stderr, /holds 2 VirtualServices; choose one with --virtual-service/)
  const r = await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--virtual-service', 'shop/ratings'])
  assert.equal(r.exitCode, EXIT.OK, r.stderr)
  const after = await readFile(f, 'utf8')
  assert.equal(after.slice(0, REVIEWS_FILE.length), REVIEWS_FILE, 'the first VirtualService is byte-identical')
  const a = await runCli(['canary', 'abort', '-f', f, '--virtual-service', 'ratings'])
  assert.equal(a.exitCode, EXIT.OK, a.stderr)
  assert.equal(await readFile(f, 'utf8'), text)
})

test('--dry-run on step, promote, pause and abort writes nothing and says what it would do', async () => {
  const f = await temp()
  await runCli(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '0s'])
  const before = await readFile(f, 'utf8')
  const cases: [string[], RegExp][] = [
    [['canary', 'step', '-f', f, '--dry-run'], /would judge the 30 % step/],
    [['canary', 'promote', '-f', f, '--dry-run'], /would shift to 100 %/],
    [['canary', 'promote', '-f', f, '--full', '--dry-run'], /would promote to 100 %/],
    [['canary', 'pause', '-f', f, '--dry-run'], /would pause at 30 %/],
    [['canary', 'abort', '-f', f, '--dry-run'], /would restore stable 100 \/ canary 0/],
  ]
  for (const [args, re] of cases) {
    const r = await runCli(args)
    assert.match(r.stdout, re, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
    assert.equal(await readFile(f, 'utf8'), before, `${args.join(' ')} wrote`)
  }
})
