// End-to-end: `cleat canary` through the built CLI (bin/run.js) as real child processes:
// signals during `run`, two concurrent `step`s, live mode against the Kubernetes API test server.
import assert from 'node:assert/strict'
import {fork, spawn} from 'node:child_process'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {BIN, REPO_ROOT, runBin} from '../helpers/cli-process.js'

const FILE = `# reviews routing (kept byte for byte)
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - name: primary
    route:
    - destination: {host: reviews, subset: v1}
      weight: 100 # stable
    - destination: {host: reviews, subset: v2}
      weight: 0 # canary
`

async function temp() {
  const dir = await mkdtemp(path.join(tmpdir(), 'cleat-canary-e2e-'))
  const f = path.join(dir, 'vs.yaml')
  await writeFile(f, FILE)
  return f
}

function weights(text) {
  return [...text.matchAll(/weight: (\d+)/g)].map((m) => Number(m[1]))
}

/** Spawn the CLI, send `sig` once stderr matches `when`, resolve with the result. */
function runAndSignal(args, when, sig) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: REPO_ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let sent = false
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      if (!sent && when.test(stderr)) {
        sent = true
        child.kill(sig)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({stdout, stderr, exitCode: code})
    })
  })
}

describe('cleat canary (end to end)', () => {
  it('SIGINT during the bake with --on-interrupt pause: exit 10, weights kept, state Paused, lock released', async () => {
    const f = await temp()
    const r = await runAndSignal(['canary', 'run', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '20s', '--on-interrupt', 'pause'], /baking 30 %/, 'SIGINT')
    assert.equal(r.exitCode, 10, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /interrupted: paused at 30 %/)
    const text = await readFile(f, 'utf8')
    assert.deepEqual(weights(text), [70, 30])
    assert.match(text, /"phase":"Paused","step":0/)
    assert.match(text, /"reason":"interrupt"/)
    assert.match(text, /"lock":null/)
    const st = await runBin(['canary', 'status', '-f', f, '--json'])
    assert.equal(st.exitCode, 10)
    assert.equal(JSON.parse(st.stdout).state.pause.reason, 'interrupt')
  })

  it('SIGTERM during the bake with --on-interrupt rollback: exit 21 and the snapshot weights are back', async () => {
    const f = await temp()
    const r = await runAndSignal(['canary', 'run', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '20s', '--on-interrupt', 'rollback'], /baking 30 %/, 'SIGTERM')
    assert.equal(r.exitCode, 21, r.stderr)
    const text = await readFile(f, 'utf8')
    assert.deepEqual(weights(text), [100, 0])
    assert.match(text, /"phase":"RolledBack"/)
    const a = await runBin(['canary', 'abort', '-f', f])
    assert.equal(a.exitCode, 0)
    assert.equal(await readFile(f, 'utf8'), FILE, 'abort removes the record: the file is the original again')
  })

  it('two concurrent steps: one judges, the other exits 30 naming the holder', async () => {
    const f = await temp()
    // The bake is long enough that the loser, however slowly it starts, finds the winner still holding the lock.
    assert.equal((await runBin(['canary', 'start', '-f', f, '--stable', 'v1', '--canary', 'v2', '--bake', '8s'])).exitCode, 0)
    const [a, b] = await Promise.all([runBin(['canary', 'step', '-f', f, '--holder', 'job-a']), runBin(['canary', 'step', '-f', f, '--holder', 'job-b'])])
    assert.deepEqual([a.exitCode, b.exitCode].sort(), [0, 30], `${a.stderr}\n${b.stderr}`)
    const loser = a.exitCode === 30 ? a : b
    assert.match(loser.stderr, /locked by job-[ab]|same time/)
    assert.match(await readFile(f, 'utf8'), /"phase":"Passed"/)
  })

  describe('live mode against the Kubernetes API test server', () => {
    let child
    let ready
    let id = 0
    const call = (op, ...args) =>
      new Promise((resolve, reject) => {
        const me = ++id
        const on = (m) => {
          if (m.id !== me) return
          child.off('message', on)
          if (m.ok) resolve(m.result)
          else reject(new Error(m.error))
        }
        child.on('message', on)
        child.send({id: me, op, args})
      })

    before(async () => {
      child = fork(path.join(REPO_ROOT, 'test/helpers/kube-api-server.ts'), ['--serve'], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc']})
      ready = await new Promise((r) => child.once('message', r))
      await call('put', {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'reviews', namespace: 'shop'}, spec: {host: 'reviews', subsets: [{name: 'v1', labels: {version: 'v1'}}, {name: 'v2', labels: {version: 'v2'}}]}})
      await call('put', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {name: 'reviews', namespace: 'shop'},
        spec: {hosts: ['reviews'], http: [{name: 'primary', route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 100}, {destination: {host: 'reviews', subset: 'v2'}, weight: 0}]}]},
      })
    })
    after(() => child?.send({op: 'close'}))

    it('start, status, abort (exactly one write) with --kubeconfig and --context', async () => {
      const k = ['--virtual-service', 'shop/reviews', '--kubeconfig', ready.kubeconfigPath, '--context', 'test']
      const s = await runBin(['canary', 'start', ...k, '--stable', 'v1', '--canary', 'v2', '--bake', '1m'])
      assert.equal(s.exitCode, 0, s.stderr)
      const vs = await call('get', 'virtualservices.networking.istio.io', 'shop', 'reviews')
      assert.deepEqual(vs.spec.http[0].route.map((d) => d.weight), [70, 30])
      const st = await runBin(['canary', 'status', ...k, '--json'])
      assert.equal(JSON.parse(st.stdout).state.phase, 'Baking')
      await call('clearRequests')
      const a = await runBin(['canary', 'abort', ...k])
      assert.equal(a.exitCode, 0, a.stderr)
      const writes = await call('writes', {})
      assert.equal(writes.length, 1)
      assert.equal(writes[0].verb, 'patch')
      const after = await call('get', 'virtualservices.networking.istio.io', 'shop', 'reviews')
      assert.deepEqual(after.spec.http[0].route.map((d) => d.weight), [100, 0])
      assert.equal(after.metadata.annotations, undefined)
    })

    it('a missing VirtualService is an input error (65); a bad context is a usage error (64)', async () => {
      const r = await runBin(['canary', 'status', '--virtual-service', 'shop/nope', '--kubeconfig', ready.kubeconfigPath])
      assert.equal(r.exitCode, 65, r.stderr)
      assert.match(r.stderr, /does not exist/)
      const r2 = await runBin(['canary', 'status', '--virtual-service', 'shop/reviews', '--kubeconfig', ready.kubeconfigPath, '--context', 'nope'])
      assert.equal(r2.exitCode, 64, r2.stderr)
      assert.match(r2.stderr, /context "nope" not found/)
      assert.doesNotMatch(r2.stderr, /bug in cleat/)
      assert.doesNotMatch(r2.stderr, /\n\s+at /)
    })
  })
})
