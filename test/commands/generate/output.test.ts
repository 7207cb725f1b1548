import assert from 'node:assert/strict'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {loadAll} from 'js-yaml'
import {runGenerate, tempDir} from './helpers.js'

const ZT = ['zero-trust', '--namespace', 'shop', '--allow', 'frontend->orders:GET,POST:/orders/*', '--allow', 'orders->payments']

describe('cleat generate: output targets', () => {
  it('--out-file writes all resources atomically and refuses to overwrite without --force', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'zt.yaml')
    const first = await runGenerate([...ZT, '--out-file', file])
    assert.equal(first.exitCode, 0, first.stderr)
    assert.equal(first.stdout, '')
    assert.match(first.stderr, /wrote .*zt\.yaml: 4 resources/)
    const docs = loadAll(await readFile(file, 'utf8')) as {kind: string; metadata: {name: string}}[]
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['PeerAuthentication/default', 'AuthorizationPolicy/deny-all', 'AuthorizationPolicy/allow-orders', 'AuthorizationPolicy/allow-payments'])
    await writeFile(file, 'keep me\n')
    const again = await runGenerate([...ZT, '--out-file', file])
    assert.equal(again.exitCode, 64)
    assert.match(again.stderr, /already exists; nothing was written/)
    assert.match(again.stderr, /--force/)
    assert.equal(await readFile(file, 'utf8'), 'keep me\n')
    const forced = await runGenerate([...ZT, '--out-file', file, '--force'])
    assert.equal(forced.exitCode, 0, forced.stderr)
    assert.match(await readFile(file, 'utf8'), /^apiVersion: security\.istio\.io\/v1\nkind: PeerAuthentication/)
    assert.deepEqual((await readdir(dir)).sort(), ['zt.yaml'], 'no temporary files are left behind')
  })

  it('--out-dir writes one file per resource, and writes none when any exists', async () => {
    const dir = await tempDir()
    const out = path.join(dir, 'security')
    const r = await runGenerate([...ZT, '--out-dir', out])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual((await readdir(out)).sort(), ['authorizationpolicy-allow-orders.yaml', 'authorizationpolicy-allow-payments.yaml', 'authorizationpolicy-deny-all.yaml', 'peerauthentication-default.yaml'])
    assert.match(await readFile(path.join(out, 'authorizationpolicy-deny-all.yaml'), 'utf8'), /name: deny-all\n {2}namespace: shop\nspec: \{\}\n$/)
    const dir2 = await tempDir()
    await writeFile(path.join(dir2, 'authorizationpolicy-deny-all.yaml'), 'old\n')
    const refused = await runGenerate([...ZT, '--out-dir', dir2])
    assert.equal(refused.exitCode, 64)
    assert.deepEqual(await readdir(dir2), ['authorizationpolicy-deny-all.yaml'])
    const json = await runGenerate([...ZT, '--out-dir', path.join(dir, 'json'), '-o', 'json'])
    assert.equal(json.exitCode, 0, json.stderr)
    const pa = JSON.parse(await readFile(path.join(dir, 'json', 'peerauthentication-default.json'), 'utf8'))
    assert.deepEqual(pa.spec, {mtls: {mode: 'STRICT'}})
  })

  it('--out-file and --out-dir exclude each other', async () => {
    const r = await runGenerate([...ZT, '--out-file', 'a.yaml', '--out-dir', 'b'])
    assert.equal(r.exitCode, 64)
  })

  it('--dry-run prints what would be written and writes nothing', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'zt.yaml')
    await writeFile(path.join(dir, 'other.yaml'), 'x\n')
    const r = await runGenerate([...ZT, '--out-file', file, '--dry-run'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /kind: PeerAuthentication/)
    assert.match(r.stderr, /dry run: would write .*zt\.yaml: 4 resources/)
    assert.deepEqual(await readdir(dir), ['other.yaml'])
    await writeFile(file, 'old\n')
    const exists = await runGenerate([...ZT, '--out-file', file, '--dry-run'])
    assert.match(exists.stderr, /exists: a real run needs --force/)
    assert.equal(await readFile(file, 'utf8'), 'old\n')
  })

  it('-o json prints one object, or a List for several', async () => {
    const one = await runGenerate(['peerauthentication', '-n', 'shop', '--mode', 'STRICT', '-o', 'json'])
    assert.equal(JSON.parse(one.stdout).kind, 'PeerAuthentication')
    const many = JSON.parse((await runGenerate([...ZT, '-o', 'json'])).stdout)
    assert.equal(many.kind, 'List')
    assert.equal(many.items.length, 4)
    assert.deepEqual(Object.keys(many.items[2]), ['apiVersion', 'kind', 'metadata', 'spec'])
  })

  it('a target that cannot be written is a clear usage error, not a crash', async () => {
    const dir = await tempDir()
    await writeFile(path.join(dir, 'file'), 'x\n')
    const r = await runGenerate([...ZT, '--out-file', path.join(dir, 'file', 'zt.yaml')])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /cannot write .*zt\.yaml: a parent is not a directory/)
    const isDir = await runGenerate([...ZT, '--out-file', dir, '--force'])
    assert.equal(isDir.exitCode, 64)
    assert.match(isDir.stderr, /cannot write .*: it is a directory/)
  })
})
