import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {readState} from '../../../src/core/canary/state.js'
import {findVirtualServices, parseYamlFile} from '../../../src/core/canary/yaml-edit.js'
import {EXIT} from '../../../src/core/exit-codes.js'
import {startCanary} from '../../../src/core/canary/controller.js'
import {gitops, startOptions, tempFile, testContext} from './fixtures/files.js'

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'driver.ts')

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  out: string
}

function drive(cfg: Record<string, unknown>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(cfg)], {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, out})
    })
  })
}

async function stateOf(file: string) {
  return readState(findVirtualServices(parseYamlFile(await readFile(file, 'utf8'), 'x'))[0]!.value as Record<string, unknown>)
}

async function journal(file: string): Promise<{holder: string; set?: {destIndex: number; value: number}[]; phase?: string; crash?: string}[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

function weightsOf(text: string): number[] {
  const vs = findVirtualServices(parseYamlFile(text, 'x'))[0]!.value as {spec: {http: {route: {weight?: number}[]}[]}}
  return vs.spec.http[1]!.route.map((d) => d.weight ?? -1)
}

const BOUNDARIES: [string, number][] = [
  ['after-lock', 1],
  ['after-write', 1],
  ['during-bake', 1],
  ['after-analysis', 1],
  ['after-write', 2],
  ['during-bake', 2],
  ['after-analysis', 2],
]

for (const [boundary, n] of BOUNDARIES) {
  test(`SIGKILL at ${boundary} #${n}: resume converges to the promoted state without a double increase`, {timeout: 90_000}, async () => {
    const file = await tempFile()
    const jf = `${file}.journal`
    const first = await drive({file, op: 'run', holder: 'first', journal: jf, crashAt: boundary, crashCount: n, bakeSeconds: 1, lockTtlSeconds: 1})
    assert.equal(first.signal, 'SIGKILL', `the driver should have been killed at ${boundary}: ${first.out}`)
    const before = await stateOf(file)
    assert.ok(before, 'state survived the crash')
    assert.ok(['Baking', 'Passed'].includes(before!.phase), `phase after crash: ${before!.phase}`)
    if (before!.lock) {
      // Still locked by the dead run: a resume without --force-unlock is refused (30), even after expiry.
      const refused = await drive({file, op: 'resume', holder: 'second', journal: jf})
      assert.equal(refused.code, EXIT.CANARY_LOCK_HELD, refused.out)
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(before!.lock!.expires) - Date.now() + 50)))
      const stillRefused = await drive({file, op: 'resume', holder: 'second', journal: jf})
      assert.equal(stillRefused.code, EXIT.CANARY_LOCK_HELD, stillRefused.out)
      assert.match(stillRefused.out, /expired/)
    }
    const resumed = await drive({file, op: 'resume', holder: 'second', journal: jf, forceUnlock: true, lockTtlSeconds: 5})
    assert.equal(resumed.code, EXIT.OK, resumed.out)
    const end = await stateOf(file)
    assert.equal(end?.phase, 'Succeeded')
    assert.equal(end?.lock, null)
    assert.deepEqual(weightsOf(await readFile(file, 'utf8')), [0, 100, 0])
    // No double increase: the canary weight was written 30 then 100, each exactly once, in order.
    const canaryWrites = (await journal(jf)).flatMap((e) => (e.set ?? []).filter((s) => s.destIndex === 1).map((s) => s.value))
    assert.deepEqual(canaryWrites, [30, 100])
  })
}

test('two concurrent step calls: exactly one proceeds, the other exits 30', {timeout: 90_000}, async () => {
  for (let round = 0; round < 3; round++) {
    const file = await tempFile()
    const jf = `${file}.journal`
    await startCanary(testContext(gitops(file)), startOptions({plan: {steps: [30, 100], gates: [], bakeSeconds: 1}}))
    const startAt = Date.now() + 2500
    const runs = await Promise.all(['a', 'b'].map((h) => drive({file, op: 'step', holder: h, journal: jf, startAt})))
    const codes = runs.map((r) => r.code).sort((x, y) => (x ?? -1) - (y ?? -1))
    assert.deepEqual(codes, [EXIT.OK, EXIT.CANARY_LOCK_HELD], runs.map((r) => r.out).join('\n'))
    const s = await stateOf(file)
    assert.equal(s?.phase, 'Passed', 'exactly one judgement happened')
    const holders = new Set((await journal(jf)).map((e) => e.holder))
    assert.equal(holders.size, 1, 'only the winner wrote')
  }
})
