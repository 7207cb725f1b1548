// End-to-end: the built CLI (bin/run.js) as a real child process. systemctl is replaced by a recording
// script placed first on PATH of that child process (a real process, not a mock of cleat's code).
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fork} from 'node:child_process'
import {promisify} from 'node:util'
import {BIN, runBin} from '../helpers/cli-process.js'

const sh = promisify(execFile)

describe('cleat vm (end to end)', () => {
  let work, bin, log, bundle, root
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'cleat-vm-e2e-'))
    bin = path.join(work, 'bin')
    log = path.join(work, 'systemctl.log')
    await mkdir(bin)
    await writeFile(path.join(bin, 'systemctl'), '#!/bin/sh\necho "$*" >> "$SYSTEMCTL_LOG"\nif [ "$1" = is-active ]; then exit "${FAKE_ACTIVE:-0}"; fi\nexit 0\n')
    await chmod(path.join(bin, 'systemctl'), 0o755)
    const ca = await runBin(['vm', 'ca', 'init', '--out-dir', path.join(work, 'ca')])
    assert.equal(ca.exitCode, 0, ca.stderr)
    const b = await runBin(['vm', 'bootstrap', '--vm-name', 'web-1', '-n', 'shop', '-s', 'web-vm', '--istiod-address', '203.0.113.10:15012', '--ca-dir', path.join(work, 'ca'), '--out-dir', path.join(work, 'bundles')])
    assert.equal(b.exitCode, 0, b.stderr)
    bundle = path.join(work, 'bundles', 'web-1')
    root = path.join(work, 'root')
    await mkdir(path.join(root, 'etc'), {recursive: true})
    await writeFile(path.join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n')
  })

  const env = (extra = {}) => ({PATH: `${bin}${path.delimiter}${process.env.PATH}`, SYSTEMCTL_LOG: log, ...extra})
  const calls = async () => (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)

  it('verify: exit 0 on a fresh bundle, 79 with JSON findings after tampering', async () => {
    assert.equal((await runBin(['vm', 'verify', bundle])).exitCode, 0)
    const copy = path.join(work, 'tampered')
    await sh('cp', ['-a', bundle, copy])
    await writeFile(path.join(copy, 'root-cert.pem'), 'not a certificate\n')
    const r = await runBin(['vm', 'verify', copy, '-o', 'json'])
    assert.equal(r.exitCode, 79)
    assert.ok(JSON.parse(r.stdout).diagnostics.some((d) => d.code === 'CL4002' && d.file.endsWith('root-cert.pem')))
  })

  it('install runs systemctl through the real PATH: enable+restart, then only is-active, then enable --now when inactive', async () => {
    const first = await runBin(['vm', 'install', bundle, '--root', root], {env: env()})
    assert.equal(first.exitCode, 0, first.stderr)
    assert.deepEqual(await calls(), ['enable istio', 'restart istio'])
    const second = await runBin(['vm', 'install', bundle, '--root', root], {env: env()})
    assert.equal(second.exitCode, 0, second.stderr)
    assert.match(second.stdout, /already installed, nothing changed/)
    assert.deepEqual((await calls()).slice(2), ['is-active --quiet istio'])
    const third = await runBin(['vm', 'install', bundle, '--root', root], {env: env({FAKE_ACTIVE: '3'})})
    assert.equal(third.exitCode, 0, third.stderr)
    assert.deepEqual((await calls()).slice(3), ['is-active --quiet istio', 'enable --now istio'])
    const noService = await runBin(['vm', 'install', bundle, '--root', root, '--no-service'], {env: env()})
    assert.equal(noService.exitCode, 0)
    assert.equal((await calls()).length, 5)
    assert.equal((await runBin(['vm', 'verify', bundle, '--on-vm', '--root', root])).exitCode, 0)
  })

  it('install.sh calls the same systemctl steps', async () => {
    const r2 = path.join(work, 'root2')
    await mkdir(r2)
    const before = (await calls()).length
    await sh('sh', [path.join(bundle, 'install.sh'), '--root', r2], {env: {...process.env, ...env()}})
    await sh('sh', [path.join(bundle, 'install.sh'), '--root', r2], {env: {...process.env, ...env()}})
    assert.deepEqual((await calls()).slice(before), ['enable istio', 'restart istio', 'is-active --quiet istio'])
  })

  it('--inventory: one bundle per row; a progress bar on stderr only when it is a terminal', async () => {
    const csv = path.join(work, 'vms.csv')
    await writeFile(csv, 'vm_name,vm_ip\n' + Array.from({length: 12}, (_, i) => `inv-${i},10.9.0.${i + 1}`).join('\n') + '\n')
    const args = ['--inventory', csv, '-n', 'shop', '-s', 'inv', '--istiod-address', 'istiod.example.com', '--ca-dir', path.join(work, 'ca')]
    const plain = await runBin(['vm', 'bootstrap', ...args, '--out-dir', path.join(work, 'inv1')])
    assert.equal(plain.exitCode, 0, plain.stderr)
    assert.equal(plain.stdout.trim().split('\n').length, 12)
    assert.doesNotMatch(plain.stderr, /bootstrapping \[/)
    assert.match(plain.stderr, /warning: CL4050 12 VMs share the service account shop\/inv/)
    const hasScript = await sh('sh', ['-c', 'command -v script']).then(() => true, () => false)
    if (!hasScript) return
    // `script` gives the child a pseudo-terminal: the bar is drawn on stderr
    const cmd = [process.execPath, BIN, 'vm', 'bootstrap', ...args, '--out-dir', path.join(work, 'inv2')].map((a) => `'${a}'`).join(' ')
    const tty = await sh('script', ['-qec', `${cmd} >/dev/null`, '/dev/null'])
    assert.match(tty.stdout, /bootstrapping \[.*\] \d+\/12/)
  })

  it('--help lists the exit codes', async () => {
    const h = await runBin(['vm', 'verify', '--help'])
    assert.match(h.stdout, /79 {2}findings/)
  })
})

// Online: no real API server can run here, so the in-process test stand-in (test/helpers/kube-api-server.ts)
// runs as a child process (--serve, IPC) and the built CLI talks to it through a kubeconfig.
describe('cleat vm bootstrap / revoke online (end to end)', () => {
  let child, ready, work
  let id = 0
  const call = (op, ...args) =>
    new Promise((resolve, reject) => {
      const me = ++id
      const on = (m) => {
        if (m.id !== me) return
        child.off('message', on)
        m.ok ? resolve(m.result) : reject(new Error(m.error))
      }
      child.on('message', on)
      child.send({id: me, op, args})
    })

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'cleat-vm-e2e-online-'))
    child = fork(path.join(path.dirname(BIN), '..', 'test', 'helpers', 'kube-api-server.ts'), ['--serve'], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc']})
    ready = await new Promise((r) => child.once('message', r))
    const ca = await runBin(['vm', 'ca', 'init', '--out-dir', path.join(work, 'ca')])
    assert.equal(ca.exitCode, 0, ca.stderr)
    const rootPem = await readFile(path.join(work, 'ca', 'root-cert.pem'), 'utf8')
    await call('put', {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'web-vm', namespace: 'shop'}})
    await call('put', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio-ca-root-cert', namespace: 'shop'}, data: {'root-cert.pem': rootPem}})
    await call('put', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'defaultConfig: {}\n'}})
    await call('put', {apiVersion: 'v1', kind: 'Service', metadata: {name: 'istio-eastwestgateway', namespace: 'istio-system'}, spec: {ports: [{port: 15012}]}, status: {loadBalancer: {ingress: [{ip: '198.51.100.9'}]}}})
  })
  after(() => child?.send({op: 'close'}))

  it('bound token from the gateway address; verify passes; revoke makes the API server reject the token', async () => {
    const out = path.join(work, 'bundles')
    const b = await runBin(['vm', 'bootstrap', '--vm-name', 'web-1', '-n', 'shop', '-s', 'web-vm', '--out-dir', out, '--format', 'tar'], {env: {KUBECONFIG: ready.kubeconfigPath}})
    assert.equal(b.exitCode, 0, b.stderr)
    assert.match(b.stdout, /web-1 {2}online {2}spiffe:\/\/cluster.local\/ns\/shop\/sa\/web-vm/)
    const tgz = path.join(out, 'web-1.tar.gz')
    assert.equal((await runBin(['vm', 'verify', tgz])).exitCode, 0)
    const x = path.join(work, 'x')
    await mkdir(x)
    await sh('tar', ['-xzf', tgz, '-C', x])
    const token = await readFile(path.join(x, 'web-1', 'istio-token'), 'utf8')
    assert.equal(await readFile(path.join(x, 'web-1', 'hosts'), 'utf8'), '198.51.100.9 istiod.istio-system.svc\n')
    assert.equal((await call('verifyToken', token, {audiences: ['istio-ca']})).authenticated, true)
    const r = await runBin(['vm', 'revoke', '--vm-name', 'web-1', '-n', 'shop', '--kubeconfig', ready.kubeconfigPath])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal((await call('verifyToken', token, {audiences: ['istio-ca']})).authenticated, false)
  })
})
