// End-to-end: the built CLI (bin/run.js) as a real child process.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {runBin} from '../helpers/cli-process.js'

describe('cleat (end to end)', () => {
  it('--version prints the package version', async () => {
    const r = await runBin(['--version'])
    assert.equal(r.exitCode, 0)
    assert.match(r.stdout, /^cleat\/\d+\.\d+\.\d+ /)
  })

  it('validate reads stdin to EOF and reports located findings as JSON', async () => {
    const input = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: STRIKT}\n'
    const r = await runBin(['validate', '-', '-o', 'json'], {input})
    assert.equal(r.exitCode, 79, r.stderr)
    const out = JSON.parse(r.stdout)
    const d = out.diagnostics.find((x) => x.code === 'CL1003')
    assert.ok(d, r.stdout)
    assert.equal(d.file, '-')
    assert.equal(d.line, 5)
    assert.equal(d.path, '/spec/mtls/mode')
    assert.equal(r.stderr, '')
  })

  it('an unknown command is a usage error without a stack trace', async () => {
    const r = await runBin(['no-such-command'])
    assert.equal(r.exitCode, 64)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
  })
})
