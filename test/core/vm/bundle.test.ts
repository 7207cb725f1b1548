import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {appendFile, chmod, mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {promisify} from 'node:util'
import {load} from 'js-yaml'
import {bootstrapFleet, parseInventory} from '../../../src/core/vm/bootstrap.js'
import {verifyBundle} from '../../../src/core/vm/verify.js'
import {assertGolden} from '../../helpers/golden.js'
import {makeCaDir, offlineBundle, offlineSettings, WEB_ROW} from './fixtures.js'
import {openssl, opensslExt, opensslKeyMatches, opensslVerify, tempDir} from './openssl.js'

const sh = promisify(execFile)
const mode = async (p: string) => '0' + ((await stat(p)).mode & 0o777).toString(8)
const codes = (ds: {code: string; severity: string}[]) => ds.filter((d) => d.severity === 'error').map((d) => d.code)

describe('vm bootstrap (offline bundle)', () => {
  it('writes the bundle with secure modes and a chain openssl accepts', async () => {
    const {dir, caDir, outDir} = await offlineBundle()
    assert.deepEqual((await readdir(dir)).sort(), ['cert-chain.pem', 'cluster.env', 'hosts', 'install.env', 'install.sh', 'key.pem', 'manifest.json', 'mesh.yaml', 'root-cert.pem', 'uninstall.sh'])
    assert.equal(await mode(outDir), '0700')
    assert.equal(await mode(dir), '0700')
    assert.equal(await mode(path.join(dir, 'key.pem')), '0600')
    for (const f of ['cert-chain.pem', 'root-cert.pem', 'cluster.env', 'mesh.yaml', 'hosts', 'manifest.json']) assert.equal(await mode(path.join(dir, f)), '0644', f)
    assert.equal(await mode(path.join(dir, 'install.sh')), '0700')
    // openssl: the leaf (first certificate of cert-chain.pem) verifies to the root with the chain as untrusted.
    const leaf = path.join(dir, 'leaf.tmp.pem')
    const chain = await readFile(path.join(dir, 'cert-chain.pem'), 'utf8')
    await writeFile(leaf, chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 26))
    const v = await opensslVerify(path.join(dir, 'root-cert.pem'), path.join(dir, 'cert-chain.pem'), leaf, ['-purpose', 'sslclient'])
    assert.equal(v.code, 0, v.stderr)
    assert.match(await opensslExt(leaf, 'subjectAltName'), /critical\s+URI:spiffe:\/\/cluster.local\/ns\/shop\/sa\/web-vm\s*$/)
    assert.ok(await opensslKeyMatches(path.join(dir, 'key.pem'), leaf))
    assert.equal(await readFile(path.join(dir, 'root-cert.pem'), 'utf8'), await readFile(path.join(caDir, 'root-cert.pem'), 'utf8'))
    const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'))
    assert.equal(m.identity.spiffeId, 'spiffe://cluster.local/ns/shop/sa/web-vm')
    assert.equal(m.istiod.address, 'istiod.istio-system.svc:15012')
    const text = await readFile(path.join(dir, 'manifest.json'), 'utf8')
    assert.doesNotMatch(text, /PRIVATE KEY|BEGIN CERTIFICATE/)
    await import('node:fs/promises').then((fs) => fs.rm(leaf))
    assert.deepEqual((await verifyBundle(dir, {now: new Date()})).diagnostics.filter((d) => d.severity !== 'info'), [])
  })

  it('install.env and the fixed text files match the goldens', async () => {
    const {dir} = await offlineBundle({}, {vmIp: undefined})
    assertGolden('vm/bundle/install.env', await readFile(path.join(dir, 'install.env'), 'utf8'))
    assertGolden('vm/bundle/cluster.env', await readFile(path.join(dir, 'cluster.env'), 'utf8'))
    assertGolden('vm/bundle/mesh.yaml', await readFile(path.join(dir, 'mesh.yaml'), 'utf8'))
  })

  it('tampering with any bundle file makes verify fail', async () => {
    const {dir} = await offlineBundle()
    const files = (await readdir(dir)).sort()
    assert.equal(files.length, 10)
    for (const f of files) {
      const p = path.join(dir, f)
      const orig = await readFile(p)
      await appendFile(p, f === 'manifest.json' ? ' ' : '\n# tampered\n')
      const r = await verifyBundle(dir, {now: new Date()})
      assert.ok(codes(r.diagnostics).length > 0, `tampering ${f} was not detected`)
      assert.ok(codes(r.diagnostics).includes(f === 'manifest.json' ? 'CL4001' : 'CL4002'), `${f}: ${codes(r.diagnostics)}`)
      await writeFile(p, orig)
    }
    // a consistent edit of the manifest (new checksum for an edited file) is caught by the cross-checks
    const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'))
    m.identity.spiffeId = 'spiffe://cluster.local/ns/shop/sa/admin'
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2) + '\n')
    assert.ok(codes((await verifyBundle(dir, {now: new Date()})).diagnostics).includes('CL4015'))
  })

  it('verify flags open modes, missing and unexpected files, and expiry', async () => {
    const {dir} = await offlineBundle()
    await chmod(path.join(dir, 'key.pem'), 0o644)
    await chmod(dir, 0o755)
    await writeFile(path.join(dir, 'extra.txt'), 'x')
    let r = await verifyBundle(dir, {now: new Date()})
    assert.deepEqual(r.diagnostics.filter((d) => d.code === 'CL4005').length, 2)
    assert.ok(r.diagnostics.some((d) => d.code === 'CL4004' && d.severity === 'warning'))
    r = await verifyBundle(dir, {now: new Date(Date.now() + 2 * 3600_000)})
    assert.ok(codes(r.diagnostics).includes('CL4013'))
    r = await verifyBundle(dir, {now: new Date(Date.now() + 3300_000)})
    assert.ok(r.diagnostics.some((d) => d.code === 'CL4014'))
    await import('node:fs/promises').then((fs) => fs.rm(path.join(dir, 'hosts')))
    assert.ok(codes((await verifyBundle(dir, {now: new Date()})).diagnostics).includes('CL4003'))
  })

  it('a key that does not belong to the certificate is CL4012', async () => {
    const a = await offlineBundle()
    const b = await offlineBundle()
    await writeFile(path.join(a.dir, 'key.pem'), await readFile(path.join(b.dir, 'key.pem')))
    assert.ok(codes((await verifyBundle(a.dir, {now: new Date()})).diagnostics).includes('CL4012'))
  })

  it('--csr: signs the VM key, writes no key.pem, and refuses a CSR for another identity', async () => {
    const t = await tempDir()
    const key = path.join(t, 'vm.key')
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key])
    const good = await openssl(['req', '-new', '-key', key, '-subj', '/', '-addext', 'subjectAltName=URI:spiffe://cluster.local/ns/shop/sa/web-vm'])
    await writeFile(path.join(t, 'good.csr'), good.stdout)
    const {dir} = await offlineBundle({}, {csrFile: path.join(t, 'good.csr')})
    assert.ok(!(await readdir(dir)).includes('key.pem'))
    const chain = await readFile(path.join(dir, 'cert-chain.pem'), 'utf8')
    await writeFile(path.join(t, 'leaf.pem'), chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 26))
    assert.ok(await opensslKeyMatches(key, path.join(t, 'leaf.pem')))
    assert.equal((await opensslVerify(path.join(dir, 'root-cert.pem'), path.join(dir, 'cert-chain.pem'), path.join(t, 'leaf.pem'))).code, 0)
    assert.deepEqual(codes((await verifyBundle(dir, {now: new Date()})).diagnostics), [])
    const bad = await openssl(['req', '-new', '-key', key, '-subj', '/', '-addext', 'subjectAltName=URI:spiffe://cluster.local/ns/kube-system/sa/admin'])
    await writeFile(path.join(t, 'bad.csr'), bad.stdout)
    await assert.rejects(offlineBundle({}, {csrFile: path.join(t, 'bad.csr')}), /CL4031/)
  })

  it('RSA-3072 keys: keyEncipherment in the leaf, openssl verifies', async () => {
    const {dir} = await offlineBundle({keyType: 'rsa-3072'})
    const chain = await readFile(path.join(dir, 'cert-chain.pem'), 'utf8')
    const leaf = path.join(await tempDir(), 'leaf.pem')
    await writeFile(leaf, chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 26))
    assert.match(await opensslExt(leaf, 'keyUsage'), /Digital Signature, Key Encipherment/)
    assert.match((await openssl(['x509', '-in', leaf, '-noout', '-text'])).stdout, /Public-Key: \(3072 bit\)/)
    assert.ok(!(await readFile(path.join(dir, 'cluster.env'), 'utf8')).includes('ECC_SIGNATURE_ALGORITHM'))
  })

  it('never overwrites without --force; --force replaces the bundle', async () => {
    const {caDir, outDir} = await offlineBundle()
    const s = offlineSettings(caDir, outDir)
    await assert.rejects(bootstrapFleet([WEB_ROW], s, {now: () => new Date()}), /already exists; pass --force/)
    const before = await readFile(path.join(outDir, 'web-1', 'key.pem'), 'utf8')
    await bootstrapFleet([WEB_ROW], {...s, force: true}, {now: () => new Date()})
    assert.notEqual(await readFile(path.join(outDir, 'web-1', 'key.pem'), 'utf8'), before)
  })

  it('refuses the default service account unless allowed, and warns when VMs share one', async () => {
    const caDir = await makeCaDir()
    const outDir = path.join(await tempDir(), 'b')
    await assert.rejects(bootstrapFleet([{...WEB_ROW, serviceAccount: 'default'}], offlineSettings(caDir, outDir), {now: () => new Date()}), /CL4051/)
    const ok = await bootstrapFleet([{...WEB_ROW, serviceAccount: 'default'}], offlineSettings(caDir, outDir, {allowDefaultServiceAccount: true}), {now: () => new Date()})
    assert.equal(ok.results.length, 1)
    const r = await bootstrapFleet([{...WEB_ROW, vmName: 'web-2'}, {...WEB_ROW, vmName: 'web-3'}], offlineSettings(caDir, outDir), {now: () => new Date()})
    assert.ok(r.diagnostics.some((d) => d.code === 'CL4050' && /2 VMs share the service account shop\/web-vm/.test(d.message)))
    // an existing bundle in the output directory counts too
    const r2 = await bootstrapFleet([{...WEB_ROW, vmName: 'web-4'}], offlineSettings(caDir, outDir), {now: () => new Date()})
    assert.ok(r2.diagnostics.some((d) => d.code === 'CL4050' && /3 VMs/.test(d.message)))
  })

  it('--no-autoregister writes a WorkloadEntry for the VM', async () => {
    const {dir} = await offlineBundle({autoregister: false})
    const we = load(await readFile(path.join(dir, 'workloadentry.yaml'), 'utf8')) as {kind: string; spec: {address: string; serviceAccount: string}}
    assert.equal(we.kind, 'WorkloadEntry')
    assert.equal(we.spec.address, '10.0.0.5')
    assert.equal(we.spec.serviceAccount, 'web-vm')
    await assert.rejects(offlineBundle({autoregister: false}, {vmIp: undefined}), /needs the VM address/)
    await assert.rejects(offlineBundle({autoregister: false}, {vmIp: 'not an address!'}), /--vm-ip "not an address!" is not an IP address/)
  })

  it('tar format: one .tar.gz (0600) whose extracted bundle keeps its modes and verifies', async () => {
    const {dir} = await offlineBundle({format: 'tar'})
    assert.match(dir, /web-1\.tar\.gz$/)
    assert.equal(await mode(dir), '0600')
    const x = await tempDir()
    await sh('tar', ['-xzf', dir, '-C', x])
    assert.equal(await mode(path.join(x, 'web-1', 'key.pem')), '0600')
    assert.equal(await mode(path.join(x, 'web-1')), '0700')
    assert.deepEqual(codes((await verifyBundle(path.join(x, 'web-1'), {now: new Date()})).diagnostics), [])
  })

  it('cloud-init format: user-data that embeds every file with its mode and runs install.sh', async () => {
    const {dir} = await offlineBundle({format: 'cloud-init'})
    assert.equal(await mode(dir), '0600')
    const text = await readFile(dir, 'utf8')
    assert.ok(text.startsWith('#cloud-config\n'))
    const doc = load(text) as {write_files: {path: string; permissions: string; encoding: string; content: string}[]; runcmd: string[][]}
    const key = doc.write_files.find((f) => f.path.endsWith('/key.pem'))!
    assert.equal(key.permissions, '0600')
    assert.match(Buffer.from(key.content, 'base64').toString(), /BEGIN PRIVATE KEY/)
    assert.deepEqual(doc.runcmd, [['sh', '/var/lib/cleat/bundles/web-1/install.sh']])
    assert.equal(doc.write_files.length, 10)
  })

  it('inventory: parses a CSV and bootstraps one bundle per row', async () => {
    const rows = parseInventory('vm_name,namespace,service_account,vm_ip\n# comment\nweb-1,shop,web-vm,10.0.0.1\n"web-2",shop,web-vm,10.0.0.2\napi-1,shop,api-vm,\n', 'vms.csv')
    assert.deepEqual(rows.map((r) => [r.vmName, r.vmIp]), [['web-1', '10.0.0.1'], ['web-2', '10.0.0.2'], ['api-1', undefined]])
    assert.throws(() => parseInventory('vm_name,colour\nx,red\n', 'vms.csv'), /unknown column "colour"/)
    assert.equal(parseInventory('vm_name,workload_group\nx,wg.yaml\n', path.join('inv', 'vms.csv'))[0]!.workloadGroupFile, path.resolve('inv', 'wg.yaml'))
    assert.throws(() => parseInventory('vm_name\nx\nx\n', 'vms.csv'), /appears twice/)
    const caDir = await makeCaDir()
    const outDir = path.join(await tempDir(), 'b')
    await mkdir(outDir)
    const seen: number[] = []
    const r = await bootstrapFleet(rows.map((x) => ({istiodAddress: 'istiod.example.com', ...x})), offlineSettings(caDir, outDir), {now: () => new Date(), onProgress: (d) => seen.push(d)})
    assert.deepEqual(seen, [1, 2, 3])
    assert.deepEqual((await readdir(outDir)).sort(), ['api-1', 'web-1', 'web-2'])
    assert.ok(!(await readdir(path.join(outDir, 'web-1'))).includes('hosts'))
  })
})
