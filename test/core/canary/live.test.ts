import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'
import {createKubeClient} from '../../../src/adapters/kube.js'
import {abortCanary, runCanary, startCanary, stepCanary} from '../../../src/core/canary/controller.js'
import {LiveTarget} from '../../../src/core/canary/live-target.js'
import {readState} from '../../../src/core/canary/state.js'
import {EXIT} from '../../../src/core/exit-codes.js'
import {startKubeApiServer, type KubeApiServer, type KubeObject} from '../../helpers/kube-api-server.js'
import {startOptions, testContext} from './fixtures/files.js'

let srv: KubeApiServer

const DR: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: {name: 'reviews', namespace: 'shop'},
  spec: {host: 'reviews', subsets: [{name: 'v1', labels: {version: 'v1'}}, {name: 'v2', labels: {version: 'v2'}}]},
}

function vs(name: string, extra: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {name, namespace: 'shop', labels: {app: 'reviews'}, ...(Object.keys(extra).length ? {annotations: extra} : {})},
    spec: {
      hosts: ['reviews'],
      gateways: ['mesh'],
      http: [
        {name: 'admin', match: [{uri: {prefix: '/admin'}}], route: [{destination: {host: 'reviews', subset: 'v1'}}]},
        {
          name: 'primary',
          retries: {attempts: 3, perTryTimeout: '2s'},
          route: [
            {destination: {host: 'reviews', subset: 'v1'}, weight: 100},
            {destination: {host: 'reviews', subset: 'v2'}, weight: 0},
          ],
        },
      ],
    },
  }
}

before(async () => {
  srv = await startKubeApiServer({namespaces: ['shop'], objects: [DR]})
})
after(async () => {
  await srv?.close()
})

function target(name: string): LiveTarget {
  return new LiveTarget(createKubeClient({kubeconfigPath: srv.kubeconfigPath}), {namespace: 'shop', name, now: Date.now})
}

function live(name: string): KubeObject {
  return srv.state.get('virtualservices.networking.istio.io', 'shop', name)!
}

function weights(o: KubeObject): number[] {
  return ((o.spec as {http: {route: {weight: number}[]}[]}).http[1]!.route).map((d) => d.weight)
}

function withoutServerFields(o: KubeObject): unknown {
  const c = structuredClone(o)
  for (const k of ['resourceVersion', 'generation', 'uid', 'creationTimestamp', 'managedFields']) delete c.metadata[k]
  return c
}

test('live: start writes one JSON Patch with test ops on the weights and the state; abort is exactly one write and restores everything', async () => {
  const original = srv.state.put(vs('r1', {team: 'shop'}))
  srv.clearRequests()
  const ctx = testContext(target('r1'))
  const o = await startCanary(ctx, startOptions())
  assert.equal(o.exitCode, EXIT.OK, o.message)
  const w = srv.writes({resource: 'virtualservices'})
  assert.equal(w.length, 1)
  assert.equal(w[0]!.verb, 'patch')
  assert.equal(w[0]!.contentType, 'application/json-patch+json')
  const ops = w[0]!.body as {op: string; path: string; value?: unknown}[]
  assert.deepEqual(
    ops.filter((x) => x.op === 'test').map((x) => [x.path, x.value]),
    [
      ['/spec/http/1/route/0/weight', 100],
      ['/spec/http/1/route/1/weight', 0],
      ['/metadata/annotations', {team: 'shop'}],
    ],
  )
  assert.ok(ops.every((x) => x.op === 'test' || x.path.startsWith('/spec/http/1/route/') || x.path.startsWith('/metadata/annotations')), 'no other field is touched')
  assert.deepEqual(weights(live('r1')), [70, 30])
  assert.equal(readState(live('r1') as never)?.phase, 'Baking')

  srv.clearRequests()
  const a = await abortCanary(ctx)
  assert.equal(a.exitCode, EXIT.OK)
  assert.equal(srv.writes().length, 1, 'abort is exactly one write')
  assert.deepEqual(withoutServerFields(live('r1')), withoutServerFields(original))
})

test('live: a run holds a Lease, promotes, and releases the lock', async () => {
  srv.state.put(vs('r2'))
  const ctx = testContext(target('r2'))
  const o = await runCanary(ctx, {start: startOptions(), onInterrupt: 'pause'})
  assert.equal(o.exitCode, EXIT.OK, o.message)
  assert.deepEqual(weights(live('r2')), [0, 100])
  const s = readState(live('r2') as never)
  assert.equal(s?.phase, 'Succeeded')
  assert.equal(s?.lock, null)
  const lease = srv.state.get('leases.coordination.k8s.io', 'shop', 'canary-r2') as {spec?: {holderIdentity?: string}} | undefined
  assert.ok(lease, 'the Lease was created')
  assert.equal(lease.spec?.holderIdentity, undefined, 'and released')
})

test('live: a Lease held by another run stops step with exit 30, before any VirtualService write', async () => {
  srv.state.put(vs('r3'))
  await startCanary(testContext(target('r3')), startOptions())
  srv.state.put({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {name: 'canary-r3', namespace: 'shop'},
    spec: {holderIdentity: 'gitlab:job/1', leaseDurationSeconds: 600, renewTime: new Date().toISOString()},
  })
  srv.clearRequests()
  const e = await stepCanary(testContext(target('r3'))).catch((x: {exitCode: number; message: string}) => x)
  assert.equal(e.exitCode, EXIT.CANARY_LOCK_HELD)
  assert.match(e.message, /gitlab:job\/1/)
  assert.equal(srv.writes({resource: 'virtualservices'}).length, 0)
})

test('live: an edit between our read and our write fails the patch test (nothing written) and is reported as drift (31)', async () => {
  srv.state.put(vs('r4'))
  await startCanary(testContext(target('r4')), startOptions({plan: {steps: [30, 100], gates: [], bakeSeconds: 0}}))
  const ctx = testContext(target('r4'), {
    boundary: (b) => {
      if (b !== 'after-lock') return
      const cur = live('r4')
      ;(cur.spec as {http: {route: {weight: number}[]}[]}).http[1]!.route[0]!.weight = 50
      ;(cur.spec as {http: {route: {weight: number}[]}[]}).http[1]!.route[1]!.weight = 50
      srv.state.put(cur)
    },
  })
  const e = await stepCanary(ctx).catch((x: {exitCode: number; message: string}) => x)
  assert.equal(e.exitCode, EXIT.CANARY_DRIFT, e.message)
  const failed = srv.writes({resource: 'virtualservices'}).filter((r) => r.status === 422)
  assert.equal(failed.length, 1, 'the JSON Patch test op failed')
  assert.deepEqual(weights(live('r4')), [50, 50])
  // Rollback works after drift.
  const a = await abortCanary(testContext(target('r4')))
  assert.equal(a.exitCode, EXIT.OK)
  assert.deepEqual(weights(live('r4')), [100, 0])
})

test('live: missing DestinationRule subset fails preflight (21) without writing', async () => {
  const v = vs('r5')
  ;(v.spec as {http: {route: {destination: {subset: string}}[]}[]}).http[1]!.route[1]!.destination.subset = 'v9'
  srv.state.put(v)
  srv.clearRequests()
  const o = await startCanary(testContext(target('r5')), startOptions({canary: {subset: 'v9'}}))
  assert.equal(o.exitCode, EXIT.CANARY_ROLLED_BACK_PREFLIGHT)
  assert.ok(o.diagnostics.some((d) => d.code === 'CL5010'))
  assert.equal(srv.writes().length, 0)
})

test('live: each step releases the Lease, so the next CI job (another holder) can step', async () => {
  srv.state.put(vs('r6'))
  await startCanary(testContext(target('r6')), startOptions())
  const a = await stepCanary(testContext(target('r6'), {holder: 'job-a'}))
  assert.equal(a.exitCode, EXIT.OK, a.message)
  const lease = srv.state.get('leases.coordination.k8s.io', 'shop', 'canary-r6') as {spec?: {holderIdentity?: string}}
  assert.equal(lease.spec?.holderIdentity, undefined)
  const b = await stepCanary(testContext(target('r6'), {holder: 'job-b'}))
  assert.equal(b.exitCode, EXIT.OK, b.message)
  assert.deepEqual(weights(live('r6')), [0, 100])
})

test('GitOps status with cluster access shows whether the cluster has synced the file', async () => {
  const {writeFile, mkdtemp} = await import('node:fs/promises')
  const {tmpdir} = await import('node:os')
  const path = await import('node:path')
  const {dump} = await import('js-yaml')
  const {GitopsTarget} = await import('../../../src/core/canary/gitops-target.js')
  const {canaryStatus} = await import('../../../src/core/canary/controller.js')
  const cluster = srv.state.put(vs('r7'))
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'cleat-sync-')), 'vs.yaml')
  await writeFile(file, `${dump(DR)}---\n${dump(vs('r7'))}`)
  const fileTarget = new GitopsTarget({file})
  await startCanary(testContext(fileTarget), startOptions())
  const before = await canaryStatus({target: fileTarget, now: Date.now, cluster: target('r7')})
  assert.deepEqual(before.current, {stable: 70, canary: 30})
  assert.deepEqual(before.cluster?.current, {stable: 100, canary: 0})
  assert.equal(before.cluster?.synced, false)
  // The GitOps tool applies the file.
  ;(cluster.spec as {http: {route: {weight: number}[]}[]}).http[1]!.route[0]!.weight = 70
  ;(cluster.spec as {http: {route: {weight: number}[]}[]}).http[1]!.route[1]!.weight = 30
  srv.state.put(cluster)
  const synced = await canaryStatus({target: fileTarget, now: Date.now, cluster: target('r7')})
  assert.equal(synced.cluster?.synced, true)
})

test('live: two concurrent steps on one VirtualService: one proceeds, the other gets 30 (Lease or patch test)', async () => {
  for (let round = 0; round < 3; round++) {
    const name = `c${round}`
    srv.state.put(vs(name))
    await startCanary(testContext(target(name)), startOptions({plan: {steps: [30, 100], gates: [], bakeSeconds: 0.5}}))
    srv.clearRequests()
    const results = await Promise.all(
      ['job-a', 'job-b'].map((holder) =>
        stepCanary(testContext(target(name), {holder})).then(
          (o) => o.exitCode,
          (e: {exitCode: number}) => e.exitCode,
        ),
      ),
    )
    assert.deepEqual(results.sort(), [EXIT.OK, EXIT.CANARY_LOCK_HELD])
    assert.equal(readState(live(name) as never)?.phase, 'Passed')
    const vsWrites = srv.writes({resource: 'virtualservices'}).filter((w) => w.status < 300)
    assert.equal(new Set(vsWrites.map((w) => w.user)).size, 1)
    assert.equal(vsWrites.length, 2, 'the winner: lock write + judgement write')
  }
})

test('live: an annotation added by someone else between read and start is not clobbered (patch test fails)', async () => {
  srv.state.put(vs('r8'))
  const t = target('r8')
  const snap = await t.read()
  const cur = live('r8')
  cur.metadata.annotations = {'owner': 'team-shop'}
  srv.state.put(cur)
  await assert.rejects(
    t.write({
      routeIndex: 1,
      expectWeights: [{destIndex: 0, value: 100}],
      expectRawState: snap.rawState,
      setWeights: [{destIndex: 0, value: 70}, {destIndex: 1, value: 30}],
      setState: null,
    }),
    /changed since it was read/,
  )
  assert.deepEqual(live('r8').metadata.annotations, {owner: 'team-shop'})
})

test('live: RBAC denial and an unreachable server are clear input errors (65), not bugs', async () => {
  srv.state.put(vs('r9'))
  srv.setRbacDeny([{verb: 'patch', resource: 'virtualservices'}])
  try {
    const e = (await startCanary(testContext(target('r9')), startOptions()).catch((x: unknown) => x)) as {exitCode: number; message: string; actions: string[]}
    assert.equal(e.exitCode, EXIT.INPUT, e.message)
    assert.match(e.message, /forbidden/i)
    assert.match(e.actions.join(' '), /patch on virtualservices/)
  } finally {
    srv.setRbacDeny([])
  }
})

test('GitOps mode with cluster access: a step is judged only after the cluster shows the written weights', async () => {
  const {writeFile, mkdtemp} = await import('node:fs/promises')
  const {tmpdir} = await import('node:os')
  const path = await import('node:path')
  const {dump} = await import('js-yaml')
  const {GitopsTarget} = await import('../../../src/core/canary/gitops-target.js')
  const cluster = srv.state.put(vs('r10'))
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'cleat-sync-')), 'vs.yaml')
  await writeFile(file, `${dump(DR)}---\n${dump(vs('r10'))}`)
  const fileTarget = new GitopsTarget({file})
  await startCanary(testContext(fileTarget), startOptions({plan: {steps: [30, 100], gates: [], bakeSeconds: 0.5}}))
  // Nobody syncs: after the timeout the step stops with 10 and judges nothing.
  const t0 = Date.now()
  const notSynced = await stepCanary(testContext(fileTarget, {cluster: target('r10'), syncTimeoutSeconds: 1, syncPollSeconds: 0.1}))
  assert.equal(notSynced.exitCode, EXIT.CANARY_PAUSED, notSynced.message)
  assert.match(notSynced.message, /does not show the written weights/)
  assert.ok(Date.now() - t0 >= 900)
  assert.equal(notSynced.state?.phase, 'Baking')
  assert.equal(notSynced.state?.lock, null)
  // The GitOps tool applies the file 600 ms into the next step: the bake counts from then.
  setTimeout(() => {
    const c = structuredClone(cluster)
    ;(c.spec as {http: {route: {weight: number}[]}[]}).http[1]!.route[0]!.weight = 70
    ;(c.spec as {http: {route: {weight: number}[]}[]}).http[1]!.route[1]!.weight = 30
    srv.state.put(c)
  }, 600)
  const t1 = Date.now()
  const judged = await stepCanary(testContext(fileTarget, {cluster: target('r10'), syncTimeoutSeconds: 10, syncPollSeconds: 0.1}))
  assert.equal(judged.exitCode, EXIT.OK, judged.message)
  assert.equal(judged.state?.phase, 'Passed')
  assert.ok(Date.now() - t1 >= 1050, `judged ${Date.now() - t1} ms after the step began: the bake must start at sync`)
})
