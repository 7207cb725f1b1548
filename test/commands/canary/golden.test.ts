import assert from 'node:assert/strict'
import {mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {EXIT} from '../../../src/core/exit-codes.js'
import {assertGolden} from '../../helpers/golden.js'
import {runCli} from '../../helpers/run-command.js'
import {REVIEWS_FILE} from '../../core/canary/fixtures/files.js'

async function temp(): Promise<{dir: string; file: string}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cleat-canary-golden-'))
  const file = path.join(dir, 'reviews.yaml')
  await writeFile(file, REVIEWS_FILE)
  return {dir, file}
}

/** Stable text: no temp dirs, run ids, clock times or remaining durations. */
function normalize(text: string, dir: string): string {
  return text
    .replaceAll(dir, '<dir>')
    .replace(/\d{8}T\d{6}-[0-9a-f]{6}/g, '<run-id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
    .replace(/judged in [0-9hms]+/g, 'judged in <left>')
}

test('plan output (GitOps file, three steps, a gate, Prometheus checks)', async () => {
  const {dir, file} = await temp()
  const r = await runCli(['canary', 'plan', '-f', file, '--stable', 'v1', '--canary', 'v2', '--steps', '10,50,100', '--gate-after', '50', '--bake', '5m', '--prometheus', 'http://prometheus:9090', '--min-success-rate', '99.5'])
  assert.equal(r.exitCode, EXIT.OK, r.stderr)
  assertGolden('canary/plan.txt', normalize(r.stdout, dir))
})

test('status layout during a run, and the JSON outcome of start', async () => {
  const {dir, file} = await temp()
  const s = await runCli(['canary', 'start', '-f', file, '--stable', 'v1', '--canary', 'v2', '--bake', '10m', '--json'])
  assert.equal(s.exitCode, EXIT.OK, s.stderr)
  assertGolden('canary/start.json', normalize(s.stdout, dir))
  const st = await runCli(['canary', 'status', '-f', file])
  assertGolden('canary/status.txt', normalize(st.stdout, dir))
})

test('plan names the file as it was given (a relative path stays relative)', async () => {
  const {file} = await temp()
  const given = path.relative(process.cwd(), file)
  const r = await runCli(['canary', 'plan', '-f', given, '--stable', 'v1', '--canary', 'v2', '--steps', '50,100'])
  assert.equal(r.exitCode, EXIT.OK, r.stderr)
  assert.ok(r.stdout.startsWith(`plan for ${given}:`), r.stdout.split('\n')[0])
  // (the relative path ends with the absolute one when cwd is below /, so look outside its mentions)
  assert.ok(!r.stdout.split(given).join('').includes(file), 'the absolute path is not printed')
})
