// End-to-end: the built CLI (bin/run.js) as a real child process. systemctl is replaced by a recording
// script placed first on PATH of that child process (a real process, not a mock of cleat's code).
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {before, describe, it} from 'node:test'
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
