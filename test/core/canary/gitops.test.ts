import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import {test} from 'node:test'
import {abortCanary, pauseCanary, promoteCanary, resumeCanary, runCanary, startCanary, stepCanary} from '../../../src/core/canary/controller.js'
import {readState} from '../../../src/core/canary/state.js'
import {findVirtualServices, parseYamlFile} from '../../../src/core/canary/yaml-edit.js'
import {EXIT} from '../../../src/core/exit-codes.js'
import {gitops, REVIEWS_FILE, startOptions, tempFile, testContext} from './fixtures/files.js'

const ANN = /^ {2,4}(annotations:|canary\.cleat\.dev\/state: '.*')\r?\n/gm

/** The file with the state annotation lines and all weight values blanked: what must never change. */
function skeleton(text: string): string {
  return text.replace(ANN, '').replace(/weight: \d+/g, 'weight: N')
}

function weightsOf(text: string): number[] {
  const vs = findVirtualServices(parseYamlFile(text, 'x'))[0]!.value as {spec: {http: {route: {weight?: number}[]}[]}}
  return vs.spec.http[1]!.route.map((d) => d.weight ?? -1)
}

test('start → abort leaves the file byte-identical (comments, key order, other documents)', async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file))
  const started = await startCanary(ctx, startOptions())
  assert.equal(started.exitCode, EXIT.OK, started.message)
  const during = await readFile(file, 'utf8')
  assert.notEqual(during, REVIEWS_FILE)
  assert.deepEqual(weightsOf(during), [70, 30, 0])
  assert.equal(skeleton(during), skeleton(REVIEWS_FILE), 'only weights and the annotation may change')
  assert.match(during, /# trailing comment inside the route list/)
  const aborted = await abortCanary(ctx)
  assert.equal(aborted.exitCode, EXIT.OK)
  assert.equal(await readFile(file, 'utf8'), REVIEWS_FILE)
  // Idempotent: a second abort changes nothing.
  assert.equal((await abortCanary(ctx)).exitCode, EXIT.OK)
  assert.equal(await readFile(file, 'utf8'), REVIEWS_FILE)
})

test('every transition of a run changes only weight scalars and the annotation', async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file))
  const seen: number[][] = []
  await startCanary(ctx, startOptions({plan: {steps: [10, 50, 100], gates: [], bakeSeconds: 0}}))
  for (let i = 0; i < 10; i++) {
    const text = await readFile(file, 'utf8')
    assert.equal(skeleton(text), skeleton(REVIEWS_FILE))
    seen.push(weightsOf(text))
    const st = readState(findVirtualServices(parseYamlFile(text, 'x'))[0]!.value as Record<string, unknown>)
    if (st?.phase === 'Succeeded') break
    const o = await stepCanary(ctx)
    assert.equal(o.exitCode, EXIT.OK, o.message)
  }
  const distinct = seen.filter((w, i) => i === 0 || w.join() !== seen[i - 1]!.join())
  assert.deepEqual(distinct, [
    [90, 10, 0],
    [50, 50, 0],
    [0, 100, 0],
  ])
  const final = readState(findVirtualServices(parseYamlFile(await readFile(file, 'utf8'), 'x'))[0]!.value as Record<string, unknown>)
  assert.equal(final?.phase, 'Succeeded')
  assert.equal(final?.lock, null)
})

const VARIANTS: Record<string, string> = {
  'existing block annotations': REVIEWS_FILE.replace('  labels:\n    app: reviews\n', '  annotations:\n    team: shop   # owner\n  labels:\n    app: reviews\n'),
  'existing flow annotations': REVIEWS_FILE.replace('  labels:\n    app: reviews\n', '  annotations: {team: shop}\n  labels:\n    app: reviews\n'),
  'empty flow annotations': REVIEWS_FILE.replace('  labels:\n    app: reviews\n', '  annotations: {}\n  labels:\n    app: reviews\n'),
  'annotations key without value': REVIEWS_FILE.replace('  labels:\n    app: reviews\n', '  labels:\n    app: reviews\n  annotations:\n'),
  'CRLF line ends': REVIEWS_FILE.replaceAll('\n', '\r\n'),
  'VirtualService last, no final newline': REVIEWS_FILE.split('---\n').slice(0, 2).join('---\n').trimEnd(),
  'JSON documents (flow maps, double quotes)': [
    JSON.stringify({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'reviews', namespace: 'shop'}, spec: {host: 'reviews', subsets: [{name: 'v1'}, {name: 'v2'}]}}, null, 2),
    JSON.stringify(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {name: 'reviews', namespace: 'shop', labels: {app: 'reviews'}},
        spec: {
          hosts: ['reviews'],
          http: [
            {name: 'admin', route: [{destination: {host: 'reviews', subset: 'v1'}}]},
            {name: 'primary', route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 100}, {destination: {host: 'reviews', subset: 'v2'}, weight: 0}, {destination: {host: 'legacy.other.svc.cluster.local'}, weight: 0}]},
          ],
        },
      },
      null,
      2,
    ),
  ].join('\n---\n') + '\n',
  'JSON-style flow metadata with annotations': REVIEWS_FILE.replace('  name: reviews   # the apex\n  namespace: shop\n  labels:\n    app: reviews\n', '  {"name": "reviews", "namespace": "shop", "annotations": {"team": "shop"}}\n').replace('metadata:\n  {"name"', 'metadata: {"name"').replace('"shop"}}\n', '"shop"}}\n'),
  'metadata ends with a nested map': REVIEWS_FILE.replace('  name: reviews   # the apex\n  namespace: shop\n  labels:\n    app: reviews\n', '  name: reviews   # the apex\n  namespace: shop\n  labels:\n    app: reviews\n    tier: backend # last\n'),
}

for (const [name, text] of Object.entries(VARIANTS)) {
  test(`byte-identical round trip: ${name}`, async () => {
    const file = await tempFile(text)
    const ctx = testContext(gitops(file))
    const s = await startCanary(ctx, startOptions())
    assert.equal(s.exitCode, EXIT.OK, s.message)
    const during = await readFile(file, 'utf8')
    assert.deepEqual(weightsOf(during), [70, 30, 0])
    const st = readState(findVirtualServices(parseYamlFile(during, 'x'))[0]!.value as Record<string, unknown>)
    assert.equal(st?.phase, 'Baking')
    // The other annotations survive.
    if (name.includes('existing')) assert.match(during, /team: shop/)
    // A JSON document stays valid JSON.
    if (name.startsWith('JSON documents')) {
      const doc = JSON.parse(during.split('\n---\n')[1]!) as {metadata: {annotations: Record<string, string>}}
      assert.equal(JSON.parse(doc.metadata.annotations['canary.cleat.dev/state']!).phase, 'Baking')
    }
    await pauseCanary(ctx)
    await abortCanary(ctx)
    assert.equal(await readFile(file, 'utf8'), text)
  })
}

test('drift: an outside edit stops step with exit 31 and writes nothing; --adopt-drift continues; abort still restores', async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file))
  await startCanary(ctx, startOptions())
  const edited = (await readFile(file, 'utf8')).replace('weight: 70   # stable', 'weight: 80   # stable').replace('weight: 30     # canary', 'weight: 20     # canary')
  await writeFile(file, edited)
  const o = await stepCanary(ctx).catch((e: {exitCode: number; message: string}) => e)
  assert.equal(o.exitCode, EXIT.CANARY_DRIFT)
  assert.match(o.message, /written 70, now 80/)
  assert.equal(await readFile(file, 'utf8'), edited, 'nothing written on drift')
  const adopted = await stepCanary(testContext(gitops(file), {adoptDrift: true}))
  assert.equal(adopted.exitCode, EXIT.OK, adopted.message)
  // Rollback works after drift, even a drift to weights that no longer total 100: the snapshot weights
  // come back and the file is the original again.
  await writeFile(file, (await readFile(file, 'utf8')).replace(/weight: (\d+)   # stable/, 'weight: 55   # stable').replace(/weight: (\d+)     # canary/, 'weight: 5     # canary'))
  const st = await stepCanary(ctx).catch((e: {exitCode: number}) => e)
  assert.equal(st.exitCode, EXIT.CANARY_DRIFT, 'a route that no longer totals 100 is drift, not stepped')
  const a = await abortCanary(ctx)
  assert.equal(a.exitCode, EXIT.OK)
  assert.match(a.message, /drift/)
  assert.equal(await readFile(file, 'utf8'), REVIEWS_FILE)
})

test('gates: stop at 30 with exit 10, promote applies the next step, resume refuses a gate', async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file))
  await startCanary(ctx, startOptions({plan: {steps: [30, 60, 100], gates: [30], bakeSeconds: 0}}))
  const judged = await stepCanary(ctx)
  assert.equal(judged.exitCode, EXIT.CANARY_PAUSED)
  assert.match(judged.message, /gate/)
  assert.equal((await stepCanary(ctx)).exitCode, EXIT.CANARY_PAUSED, 'step does not pass a gate')
  assert.equal((await resumeCanary(ctx, {onInterrupt: 'pause'})).exitCode, EXIT.CANARY_PAUSED)
  assert.deepEqual(weightsOf(await readFile(file, 'utf8')), [70, 30, 0])
  const p = await promoteCanary(ctx, {full: false})
  assert.equal(p.exitCode, EXIT.OK, p.message)
  assert.deepEqual(weightsOf(await readFile(file, 'utf8')), [40, 60, 0])
  const full = await promoteCanary(ctx, {full: true})
  assert.equal(full.exitCode, EXIT.OK)
  assert.deepEqual(weightsOf(await readFile(file, 'utf8')), [0, 100, 0])
  assert.equal((await stepCanary(ctx)).exitCode, EXIT.OK, 'a promoted run stays promoted')
})

test('pause and resume: resume continues the run to the end', async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file))
  await startCanary(ctx, startOptions())
  assert.equal((await pauseCanary(ctx)).exitCode, EXIT.CANARY_PAUSED)
  assert.equal((await stepCanary(ctx)).exitCode, EXIT.CANARY_PAUSED)
  const r = await resumeCanary(ctx, {onInterrupt: 'pause'})
  assert.equal(r.exitCode, EXIT.OK, r.message)
  assert.deepEqual(weightsOf(await readFile(file, 'utf8')), [0, 100, 0])
})

test('preflight: a canary subset missing from the DestinationRule refuses start (21) and writes nothing', async () => {
  const text = REVIEWS_FILE.replace('  - name: v2\n    labels: {version: v2}\n', '')
  const file = await tempFile(text)
  const o = await startCanary(testContext(gitops(file)), startOptions())
  assert.equal(o.exitCode, EXIT.CANARY_ROLLED_BACK_PREFLIGHT)
  assert.ok(o.diagnostics.some((d) => d.code === 'CL5010'))
  assert.equal(await readFile(file, 'utf8'), text)
})

test('preflight: refuses VirtualServices managed by Flagger or Argo Rollouts', async () => {
  const flagger = REVIEWS_FILE.replace('  labels:\n    app: reviews\n', '  labels:\n    app: reviews\n  ownerReferences:\n  - {apiVersion: flagger.app/v1beta1, kind: Canary, name: reviews, uid: x, controller: true}\n')
  const o1 = await startCanary(testContext(gitops(await tempFile(flagger))), startOptions())
  assert.equal(o1.exitCode, EXIT.CANARY_ROLLED_BACK_PREFLIGHT)
  assert.ok(o1.diagnostics.some((d) => d.code === 'CL5020'))
  const argo = REVIEWS_FILE.replace('  name: reviews\n  namespace: shop\nspec:\n  host: reviews', '  name: reviews\n  namespace: shop\n  annotations: {argo-rollouts.argoproj.io/managed-by-rollouts: reviews}\nspec:\n  host: reviews')
  const o2 = await startCanary(testContext(gitops(await tempFile(argo))), startOptions())
  assert.ok(o2.diagnostics.some((d) => d.code === 'CL5021'), JSON.stringify(o2.diagnostics))
})

test('dry run writes nothing', async () => {
  const file = await tempFile()
  const o = await startCanary(testContext(gitops(file), {dryRun: true}), startOptions())
  assert.equal(o.exitCode, EXIT.OK)
  assert.deepEqual(o.change?.after, {stable: 70, canary: 30})
  assert.equal(await readFile(file, 'utf8'), REVIEWS_FILE)
})

test('re-running a promoted pipeline does nothing; starting again over a promoted canary is refused', async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file))
  const done = await runCanary(ctx, {start: startOptions(), onInterrupt: 'pause'})
  assert.equal(done.exitCode, EXIT.OK, done.message)
  const promoted = await readFile(file, 'utf8')
  const again = await runCanary(ctx, {start: startOptions(), onInterrupt: 'pause'})
  assert.equal(again.exitCode, EXIT.OK)
  assert.match(again.message, /promoted/)
  assert.equal(await readFile(file, 'utf8'), promoted, 'nothing written')
  const restart = await startCanary(ctx, startOptions()).catch((e: {exitCode: number; message: string}) => e)
  assert.equal(restart.exitCode, EXIT.USAGE)
  assert.match(restart.message, /would move traffic back to stable/)
  assert.equal(await readFile(file, 'utf8'), promoted)
})

test('pause or abort from elsewhere stops a running `run` at its next write (10 / 21)', async () => {
  for (const [other, code] of [
    [pauseCanary, EXIT.CANARY_PAUSED],
    [abortCanary, EXIT.CANARY_ROLLED_BACK_PREFLIGHT],
  ] as const) {
    const file = await tempFile()
    await startCanary(testContext(gitops(file)), startOptions({plan: {steps: [30, 100], gates: [], bakeSeconds: 1}}))
    const runner = testContext(gitops(file), {holder: 'runner'})
    const running = runCanary(runner, {onInterrupt: 'pause'}).catch((e: {exitCode: number; message: string}) => e)
    await new Promise((r) => setTimeout(r, 300))
    const o = await other(testContext(gitops(file), {holder: 'human'}))
    assert.ok([EXIT.OK, EXIT.CANARY_PAUSED].includes(o.exitCode as 0 | 10), o.message)
    const r = await running
    assert.equal(r.exitCode, code, r.message)
    assert.deepEqual(weightsOf(await readFile(file, 'utf8')), other === abortCanary ? [100, 0, 0] : [70, 30, 0])
  }
})

test('property: any plan, any number of steps, then abort → the original bytes; weights always total 100', async () => {
  const fc = (await import('fast-check')).default
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.integer({min: 1, max: 99}), {minLength: 0, maxLength: 4}).map((a) => [...a.sort((x, y) => x - y), 100]),
      fc.integer({min: 0, max: 40}),
      fc.integer({min: 0, max: 8}),
      async (steps, legacy, moves) => {
        const text = REVIEWS_FILE.replace('weight: 100   # stable', `weight: ${100 - legacy}   # stable`).replace(/(legacy\.other\.svc\.cluster\.local\}\n\s+weight: )0/, `$1${legacy}`)
        const file = await tempFile(text)
        const ctx = testContext(gitops(file))
        const s = await startCanary(ctx, startOptions({plan: {steps, gates: [], bakeSeconds: 0}}))
        assert.equal(s.exitCode, EXIT.OK, s.message)
        for (let i = 0; i < moves; i++) {
          const w = weightsOf(await readFile(file, 'utf8'))
          assert.equal(w.reduce((a, b) => a + b, 0), 100)
          assert.equal(w[2], legacy, 'the third destination keeps its weight')
          assert.ok(w.every((x) => x >= 0))
          if ((await stepCanary(ctx)).state?.phase === 'Succeeded') break
        }
        await abortCanary(ctx)
        assert.equal(await readFile(file, 'utf8'), text)
      },
    ),
    {numRuns: 25},
  )
})

test('host-level split: no DestinationRule needed, only the two hosts move', async () => {
  const text = REVIEWS_FILE.replace('- destination: {host: reviews, subset: v1}\n      weight: 100', '- destination: {host: reviews-stable}\n      weight: 100').replace(
    '- destination:\n        host: reviews\n        subset: v2\n      weight: 0',
    '- destination:\n        host: reviews-canary.shop.svc.cluster.local\n      weight: 0',
  )
  const file = await tempFile(text)
  const ctx = testContext(gitops(file))
  const o = await runCanary(ctx, {start: startOptions({stable: {host: 'reviews-stable'}, canary: {host: 'reviews-canary'}}), onInterrupt: 'pause'})
  assert.equal(o.exitCode, EXIT.OK, o.message)
  assert.deepEqual(weightsOf(await readFile(file, 'utf8')), [0, 100, 0])
})

test('a symlinked file is written through the link, keeping its mode', async () => {
  const {symlink, lstat, stat, chmod} = await import('node:fs/promises')
  const path = await import('node:path')
  const real = await tempFile()
  await chmod(real, 0o640)
  const link = path.join(path.dirname(real), 'link.yaml')
  await symlink(real, link)
  const ctx = testContext(gitops(link))
  assert.equal((await startCanary(ctx, startOptions())).exitCode, EXIT.OK)
  assert.ok((await lstat(link)).isSymbolicLink())
  assert.deepEqual(weightsOf(await readFile(real, 'utf8')), [70, 30, 0])
  assert.equal((await stat(real)).mode & 0o777, 0o640)
  await abortCanary(ctx)
  assert.equal(await readFile(real, 'utf8'), REVIEWS_FILE)
})

test('a finished run is reported even after the route was edited (e.g. the old destination removed)', async () => {
  const file = await tempFile()
  const ctx = testContext(gitops(file))
  assert.equal((await runCanary(ctx, {start: startOptions(), onInterrupt: 'pause'})).exitCode, EXIT.OK)
  // The team cleans up: the v1 destination goes away.
  await writeFile(file, (await readFile(file, 'utf8')).replace('    - destination: {host: reviews, subset: v1}\n      weight: 0   # stable\n', ''))
  const o = await stepCanary(ctx)
  assert.equal(o.exitCode, EXIT.OK)
  assert.match(o.message, /promoted/)
})

test('preflight: a VirtualService that fails cleat validate is not shifted (CL5012, exit 21)', async () => {
  const text = REVIEWS_FILE.replace('retries: {attempts: 3, perTryTimeout: 2s}', 'retries: {attempts: 3, perTryTimeout: soon}')
  const file = await tempFile(text)
  const o = await startCanary(testContext(gitops(file)), startOptions())
  assert.equal(o.exitCode, EXIT.CANARY_ROLLED_BACK_PREFLIGHT)
  const f = o.diagnostics.find((d) => d.code === 'CL5012')
  assert.ok(f, JSON.stringify(o.diagnostics))
  assert.match(f.message, /perTryTimeout/)
  assert.equal(await readFile(file, 'utf8'), text)
})
