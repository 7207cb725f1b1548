import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {promisify} from 'node:util'
import {applyInstall, mergeHostsBlock, planInstall, readIstioProxyOwner, removeHostsBlock, serviceSteps} from '../../../src/core/vm/install.js'
import {verifyInstalled} from '../../../src/core/vm/verify.js'
import {offlineBundle, snapshotTree} from './fixtures.js'
import {tempDir} from './openssl.js'

const run = promisify(execFile)

async function freshRoot(): Promise<string> {
  const root = await tempDir('cleat-root-')
  await mkdir(path.join(root, 'etc'))
  await writeFile(path.join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n::1 localhost\n')
  await chmod(path.join(root, 'etc', 'hosts'), 0o644)
  return root
}

async function install(dir: string, root: string) {
  const plan = await planInstall(dir, root, new Date())
  await applyInstall(plan, root, null)
  return plan
}

describe('vm install --root', () => {
  it('places files with their modes, manages the hosts block, and a second run changes nothing', async () => {
    const {dir} = await offlineBundle()
    const root = await freshRoot()
    const first = await install(dir, root)
    assert.ok(first.actions.length >= 8)
    const tree1 = await snapshotTree(root)
    const second = await install(dir, root)
    assert.deepEqual(second.actions, [])
    assert.deepEqual(await snapshotTree(root), tree1)
    const byPath = Object.fromEntries(tree1.map((e) => [e.path, e]))
    assert.equal(byPath['etc/certs/key.pem']!.mode, '0600')
    assert.equal(byPath['etc/certs/cert-chain.pem']!.mode, '0644')
    assert.equal(byPath['etc/certs']!.mode, '0750')
    assert.equal(byPath['var/run/secrets/tokens']!.mode, '0750')
    assert.equal(byPath['var/lib/istio/envoy/cluster.env']!.content, await readFile(path.join(dir, 'cluster.env'), 'utf8'))
    assert.equal(byPath['etc/istio/config/mesh']!.content, await readFile(path.join(dir, 'mesh.yaml'), 'utf8'))
    assert.equal(
      byPath['etc/hosts']!.content,
      '127.0.0.1 localhost\n::1 localhost\n# BEGIN cleat-vm (managed by cleat; do not edit this block)\n203.0.113.10 istiod.istio-system.svc\n# END cleat-vm\n',
    )
    assert.deepEqual((await verifyInstalled(dir, root, {now: new Date()})).diagnostics.filter((d) => d.severity === 'error'), [])
  })

  it('install.sh (POSIX sh) and cleat vm install produce the same tree, and both are idempotent', async () => {
    const {dir} = await offlineBundle()
    const a = await freshRoot()
    const b = await freshRoot()
    await install(dir, a)
    const r1 = await run('sh', [path.join(dir, 'install.sh'), '--root', b, '--no-service'])
    assert.match(r1.stdout, /VM web-1 installed/)
    assert.deepEqual(await snapshotTree(b), await snapshotTree(a))
    const r2 = await run('sh', [path.join(dir, 'install.sh'), '--root', b, '--no-service'])
    assert.match(r2.stdout, /already installed, nothing changed/)
    assert.deepEqual(await snapshotTree(b), await snapshotTree(a))
    // uninstall.sh removes the files and the hosts block, keeping the rest of /etc/hosts
    await run('sh', [path.join(dir, 'uninstall.sh'), '--root', b, '--no-service'])
    assert.equal(await readFile(path.join(b, 'etc/hosts'), 'utf8'), '127.0.0.1 localhost\n::1 localhost\n')
    await assert.rejects(readFile(path.join(b, 'etc/certs/key.pem')))
  })

  it('install.sh refuses a tampered bundle; planInstall too', async () => {
    const {dir} = await offlineBundle()
    await writeFile(path.join(dir, 'cluster.env'), 'CA_ADDR=evil.example.com:15012\n')
    const root = await freshRoot()
    await assert.rejects(run('sh', [path.join(dir, 'install.sh'), '--root', root, '--no-service']), (e: {code: number; stderr: string}) => e.code === 65 && /does not match its manifest/.test(e.stderr))
    await assert.rejects(planInstall(dir, root, new Date()), /not an intact bundle/)
  })

  it('verify --on-vm catches a changed installed file, an open mode and a removed hosts block', async () => {
    const {dir} = await offlineBundle()
    const root = await freshRoot()
    await install(dir, root)
    await writeFile(path.join(root, 'var/lib/istio/envoy/cluster.env'), 'X=1\n')
    await chmod(path.join(root, 'etc/certs/key.pem'), 0o644)
    await writeFile(path.join(root, 'etc/hosts'), '127.0.0.1 localhost\n')
    const codes = (await verifyInstalled(dir, root, {now: new Date()})).diagnostics.map((d) => d.code)
    assert.ok(codes.includes('CL4040'))
    assert.ok(codes.includes('CL4041'))
    assert.ok(codes.includes('CL4042'))
    // a re-install repairs everything
    const plan = await install(dir, root)
    assert.equal(plan.actions.length, 3)
    assert.deepEqual((await verifyInstalled(dir, root, {now: new Date()})).diagnostics.filter((d) => d.severity === 'error'), [])
  })

  it('owners: istio-proxy from ROOT/etc/passwd owns the credentials, root the configuration', {skip: process.getuid?.() !== 0 ? 'needs root to chown' : false}, async () => {
    const {dir} = await offlineBundle()
    const root = await freshRoot()
    await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nistio-proxy:x:1337:1337::/var/lib/istio:/usr/sbin/nologin\n')
    const owners = await readIstioProxyOwner(root)
    assert.deepEqual(owners, {uid: 1337, gid: 1337})
    await applyInstall(await planInstall(dir, root, new Date()), root, owners)
    const {stat} = await import('node:fs/promises')
    assert.equal((await stat(path.join(root, 'etc/certs/key.pem'))).uid, 1337)
    assert.equal((await stat(path.join(root, 'etc/certs'))).gid, 1337)
    assert.equal((await stat(path.join(root, 'var/lib/istio/envoy/cluster.env'))).uid, 0)
    assert.equal(await readIstioProxyOwner(await freshRoot()), null)
  })

  it('a symlinked /etc/hosts is updated through the link by both installers', async () => {
    const {dir} = await offlineBundle()
    const {symlink, lstat, rm} = await import('node:fs/promises')
    for (const viaShell of [false, true]) {
      const root = await freshRoot()
      await writeFile(path.join(root, 'etc', 'hosts.real'), '127.0.0.1 localhost\n')
      await rm(path.join(root, 'etc', 'hosts'))
      await symlink('hosts.real', path.join(root, 'etc', 'hosts'))
      if (viaShell) await run('sh', [path.join(dir, 'install.sh'), '--root', root, '--no-service'])
      else await install(dir, root)
      assert.ok((await lstat(path.join(root, 'etc', 'hosts'))).isSymbolicLink(), `link kept (${viaShell ? 'install.sh' : 'cleat'})`)
      assert.match(await readFile(path.join(root, 'etc', 'hosts.real'), 'utf8'), /203\.0\.113\.10 istiod\.istio-system\.svc/)
    }
  })

  it('hosts block merge: replaces an old block, keeps other lines, removable', () => {
    const base = 'a\n# BEGIN cleat-vm (managed by cleat; do not edit this block)\n1.1.1.1 old\n# END cleat-vm\nb'
    const merged = mergeHostsBlock(base, '2.2.2.2 istiod.istio-system.svc\n')
    assert.equal(merged, 'a\nb\n# BEGIN cleat-vm (managed by cleat; do not edit this block)\n2.2.2.2 istiod.istio-system.svc\n# END cleat-vm\n')
    assert.equal(mergeHostsBlock(merged, '2.2.2.2 istiod.istio-system.svc\n'), merged)
    assert.equal(removeHostsBlock(merged), 'a\nb\n')
  })

  it('service steps: restart after a change, start when inactive, nothing when active and unchanged', async () => {
    const calls: string[][] = []
    const runner = (active: boolean) => async (a: string[]) => {
      calls.push(a)
      return a[0] === 'is-active' ? (active ? 0 : 3) : 0
    }
    assert.deepEqual(await serviceSteps(true, 'istio', runner(true)), ['systemctl enable istio', 'systemctl restart istio'])
    calls.length = 0
    assert.deepEqual(await serviceSteps(false, 'istio', runner(true)), [])
    assert.deepEqual(calls, [['is-active', '--quiet', 'istio']])
    assert.deepEqual(await serviceSteps(false, 'istio', runner(false)), ['systemctl enable --now istio'])
    await assert.rejects(serviceSteps(true, 'istio', async () => 1), /systemctl enable istio failed/)
  })
})
