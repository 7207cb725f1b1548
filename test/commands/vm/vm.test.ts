import assert from 'node:assert/strict'
import {appendFile, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {load} from 'js-yaml'
import {runCli} from '../../helpers/run-command.js'
import {CORPUS_DIR, corpusSkip} from '../../helpers/paths.js'
import {startKubeApiServer, type KubeApiServer} from '../../helpers/kube-api-server.js'

const tmp = (p: string) => import('node:fs/promises').then((fs) => fs.mkdtemp(path.join(os.tmpdir(), p)))

describe('cleat vm group', () => {
  it('prints a validated WorkloadGroup', async () => {
    const r = await runCli(['vm', 'group', '--name', 'web-vm', '--namespace', 'shop', '--service-account', 'web-vm', '--label', 'app=web', '--port', 'http=8080', '--probe-http', '/healthz:8080'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(load(r.stdout), {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadGroup',
      metadata: {name: 'web-vm', namespace: 'shop'},
      spec: {metadata: {labels: {app: 'web'}}, template: {ports: {http: 8080}, serviceAccount: 'web-vm'}, probe: {httpGet: {path: '/healthz', port: 8080}}},
    })
  })

  it('exits 64 for the default service account, a bad probe, or two probes', async () => {
    const base = ['vm', 'group', '--name', 'w', '--namespace', 'shop']
    const d = await runCli([...base, '--service-account', 'default'])
    assert.equal(d.exitCode, 64)
    assert.match(d.stderr, /CL4051/)
    assert.equal((await runCli([...base, '--service-account', 'default', '--allow-default-service-account'])).exitCode, 0)
    assert.equal((await runCli([...base, '-s', 'w', '--probe-http', 'healthz'])).exitCode, 64)
    assert.equal((await runCli([...base, '-s', 'w', '--probe-tcp', '80', '--probe-exec', 'true'])).exitCode, 64)
    assert.equal((await runCli([...base, '-s', 'w', '--port', 'http=99999'])).exitCode, 64)
    // the engine rejects what the flags would produce
    const bad = await runCli([...base, '-s', 'w', '--label', 'bad key=x'])
    assert.equal(bad.exitCode, 64)
    assert.match(bad.stderr, /CL2007 label key "bad key" is invalid/)
  })
})

describe('cleat vm ca init / bootstrap / verify / install (offline)', () => {
  let work: string
  before(async () => {
    work = await tmp('cleat-vmcmd-')
  })

  it('walks the offline flow and keeps secrets off the terminal', async () => {
    const ca = path.join(work, 'ca')
    const init = await runCli(['vm', 'ca', 'init', '--out-dir', ca])
    assert.equal(init.exitCode, 0, init.stderr)
    assert.equal((await runCli(['vm', 'ca', 'init', '--out-dir', ca])).exitCode, 64)
    const out = path.join(work, 'bundles')
    const b = await runCli(['vm', 'bootstrap', '--vm-name', 'web-1', '-n', 'shop', '-s', 'web-vm', '--istiod-address', '203.0.113.10', '--ca-dir', ca, '--out-dir', out])
    assert.equal(b.exitCode, 0, b.stderr)
    assert.match(b.stdout, /^web-1 {2}offline {2}spiffe:\/\/cluster.local\/ns\/shop\/sa\/web-vm {2}expires \S+ {2}→ /)
    const key = await readFile(path.join(out, 'web-1', 'key.pem'), 'utf8')
    assert.ok(!b.stdout.includes(key.split('\n')[1]!) && !b.stderr.includes(key.split('\n')[1]!))
    assert.match(b.stderr, /CL4053/)
    const bundle = path.join(out, 'web-1')
    const v = await runCli(['vm', 'verify', bundle])
    assert.equal(v.exitCode, 0, v.stdout)
    const json = JSON.parse((await runCli(['vm', 'verify', bundle, '-o', 'json'])).stdout)
    assert.equal(json.summary.errors, 0)
    // an extra file is a warning: exit 0 by default, 79 with --fail-on warning
    await writeFile(path.join(bundle, 'notes.txt'), 'x')
    assert.equal((await runCli(['vm', 'verify', bundle])).exitCode, 0)
    assert.equal((await runCli(['vm', 'verify', bundle, '--fail-on', 'warning'])).exitCode, 79)
    // tampering → 79, in every format
    await appendFile(path.join(bundle, 'mesh.yaml'), '# x\n')
    const t = await runCli(['vm', 'verify', bundle])
    assert.equal(t.exitCode, 79)
    assert.match(t.stdout, /error CL4002 mesh.yaml does not match its sha256/)
    const sarif = JSON.parse((await runCli(['vm', 'verify', bundle, '-o', 'sarif'])).stdout)
    assert.equal(sarif.version, '2.1.0')
    assert.ok(sarif.runs[0].results.some((x: {ruleId: string}) => x.ruleId === 'CL4002'))
    assert.equal((await runCli(['vm', 'verify', path.join(work, 'nope')])).exitCode, 65)
  })

  it('bootstrap --format tar and verify of the archive; install --root twice reports no change', async () => {
    const ca = path.join(work, 'ca2')
    await runCli(['vm', 'ca', 'init', '--out-dir', ca])
    const out = path.join(work, 'tars')
    const b = await runCli(['vm', 'bootstrap', '--vm-name', 'api-1', '-n', 'shop', '-s', 'api', '--istiod-address', '203.0.113.10', '--ca-dir', ca, '--out-dir', out, '--format', 'tar'])
    assert.equal(b.exitCode, 0, b.stderr)
    const tgz = path.join(out, 'api-1.tar.gz')
    assert.equal((await runCli(['vm', 'verify', tgz])).exitCode, 0)
    const root = path.join(work, 'root')
    await mkdir(path.join(root, 'etc'), {recursive: true})
    await writeFile(path.join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n')
    const dry = await runCli(['vm', 'install', tgz, '--root', root, '--dry-run'])
    assert.match(dry.stdout, /would install key.pem → \/etc\/certs\/key.pem \(0600\)/)
    await assert.rejects(readdir(path.join(root, 'etc', 'certs')))
    const i1 = await runCli(['vm', 'install', tgz, '--root', root, '--no-service'])
    assert.equal(i1.exitCode, 0, i1.stderr)
    assert.match(i1.stdout, /VM api-1 installed/)
    const i2 = await runCli(['vm', 'install', tgz, '--root', root, '--no-service'])
    assert.equal(i2.stdout, 'VM api-1: already installed, nothing changed\n')
    assert.equal((await runCli(['vm', 'verify', tgz, '--on-vm', '--root', root])).exitCode, 0)
  })

  // Same inputs as istioctl's TestWorkloadEntryConfigure (../shared/istio-corpus/vm/SOURCE.md), through the command.
  for (const c of [{name: 'vmconfig__ipv4', vmIp: '10.10.10.10', ingress: '10.10.10.11'}, {name: 'vmconfig__ipv6', vmIp: 'fd00:10:96::1', ingress: 'fd00:10:96::2'}]) {
    it(`bootstrap with istioctl's ${c.name} inputs writes its cluster.env/mesh.yaml/hosts keys and values`, {skip: corpusSkip}, async () => {
      const ca = path.join(work, `ca-${c.name}`)
      await runCli(['vm', 'ca', 'init', '--out-dir', ca])
      const vm = path.join(CORPUS_DIR, 'vm')
      const out = path.join(work, `parity-${c.name}`)
      const r = await runCli(['vm', 'bootstrap', '--vm-name', 'vm-1', '-f', path.join(vm, `${c.name}__workloadgroup.yaml`), '--mesh-config', path.join(vm, `${c.name}__meshconfig.yaml`),
        '--vm-ip', c.vmIp, '--istiod-address', c.ingress, '-r', 'rev-1', '--cluster-id', 'Kubernetes', '--capture-dns', '--ca-dir', ca, '--out-dir', out])
      assert.equal(r.exitCode, 0, r.stderr)
      const {parseEnv, parseHosts} = await import('../../../src/core/vm/agent-config.js')
      const theirs = parseEnv(await readFile(path.join(vm, `${c.name}__cluster.env.golden`), 'utf8'))
      const mine = parseEnv(await readFile(path.join(out, 'vm-1', 'cluster.env'), 'utf8'))
      for (const [k, v] of Object.entries(theirs)) assert.equal(mine[k], k === 'TRUST_DOMAIN' ? 'cluster.local' : v, k)
      const tm = load(await readFile(path.join(vm, `${c.name}__mesh.yaml.golden`), 'utf8')) as {defaultConfig: {proxyMetadata: Record<string, string>; discoveryAddress: string; readinessProbe: unknown}}
      const mm = load(await readFile(path.join(out, 'vm-1', 'mesh.yaml'), 'utf8')) as typeof tm
      for (const [k, v] of Object.entries(tm.defaultConfig.proxyMetadata)) assert.equal(mm.defaultConfig.proxyMetadata[k], k === 'TRUST_DOMAIN' ? 'cluster.local' : v, k)
      assert.equal(mm.defaultConfig.discoveryAddress, tm.defaultConfig.discoveryAddress)
      assert.deepEqual(mm.defaultConfig.readinessProbe, tm.defaultConfig.readinessProbe)
      assert.deepEqual(parseHosts(await readFile(path.join(out, 'vm-1', 'hosts'), 'utf8')), parseHosts(await readFile(path.join(vm, `${c.name}__hosts.golden`), 'utf8')))
    })
  }

  it('usage errors: no VM name, bad TTLs, no CA and no cluster', async () => {
    assert.equal((await runCli(['vm', 'bootstrap', '--out-dir', work, '-n', 'a', '-s', 'b'])).exitCode, 64)
    assert.equal((await runCli(['vm', 'bootstrap', '--vm-name', 'a', '--out-dir', work, '-n', 'a', '-s', 'b', '--ca-dir', work, '--cert-ttl', '25h'])).exitCode, 64)
    assert.equal((await runCli(['vm', 'bootstrap', '--vm-name', 'a', '--out-dir', work, '-n', 'a', '-s', 'b', '--token-ttl', '5m'])).exitCode, 64)
    const r = await runCli(['vm', 'bootstrap', '--vm-name', 'a', '--out-dir', work, '-n', 'a', '-s', 'b', '--kubeconfig', path.join(work, 'missing-kubeconfig')])
    assert.equal(r.exitCode, 65)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
    // an output directory that cannot be created is a clear error, not a crash
    const blocker = path.join(work, 'file-not-dir')
    await writeFile(blocker, 'x')
    const w = await runCli(['vm', 'ca', 'init', '--out-dir', path.join(blocker, 'ca')])
    assert.equal(w.exitCode, 64)
    assert.match(w.stderr, /cannot write .*ENOTDIR/)
  })
})

// Online commands run against the in-process test stand-in of the Kubernetes API server (no real API server can run here).
describe('cleat vm bootstrap / revoke (online)', () => {
  let server: KubeApiServer
  before(async () => {
    const ca = path.join(await tmp('cleat-vmca-'), 'ca')
    await runCli(['vm', 'ca', 'init', '--out-dir', ca])
    const rootPem = await readFile(path.join(ca, 'root-cert.pem'), 'utf8')
    server = await startKubeApiServer({
      namespaces: ['shop'],
      objects: [
        {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'web-vm', namespace: 'shop'}},
        {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio-ca-root-cert', namespace: 'shop'}, data: {'root-cert.pem': rootPem}},
        {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'defaultConfig: {}\n'}},
      ],
    })
  })
  after(async () => server?.close())

  it('requests a bound token, prints it only with --print-token, and revoke invalidates it', async () => {
    const out = path.join(await tmp('cleat-vmonline-'), 'b')
    const args = ['vm', 'bootstrap', '-n', 'shop', '-s', 'web-vm', '--istiod-address', 'istiod.mesh.example.com', '--out-dir', out, '--kubeconfig', server.kubeconfigPath]
    const r = await runCli([...args, '--vm-name', 'web-1'])
    assert.equal(r.exitCode, 0, r.stderr)
    const token = await readFile(path.join(out, 'web-1', 'istio-token'), 'utf8')
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token))
    const p = await runCli([...args, '--vm-name', 'web-2', '--print-token'])
    const token2 = await readFile(path.join(out, 'web-2', 'istio-token'), 'utf8')
    assert.ok(p.stdout.includes(token2))
    assert.equal(server.verifyToken(token, {audiences: ['istio-ca']}).authenticated, true)
    assert.equal((await runCli(['vm', 'verify', path.join(out, 'web-1')])).exitCode, 0)
    const rv = await runCli(['vm', 'revoke', '--bundle', path.join(out, 'web-1'), '--kubeconfig', server.kubeconfigPath])
    assert.equal(rv.exitCode, 0, rv.stderr)
    assert.match(rv.stdout, /revoked: deleted Secret shop\/istio-vm-bootstrap-web-1/)
    assert.equal(server.verifyToken(token, {audiences: ['istio-ca']}).authenticated, false)
    const again = await runCli(['vm', 'revoke', '--vm-name', 'web-1', '-n', 'shop', '--kubeconfig', server.kubeconfigPath])
    assert.match(again.stdout, /nothing to revoke/)
    assert.equal((await runCli(['vm', 'revoke', '--vm-name', 'web-1'])).exitCode, 64)
  })
})
