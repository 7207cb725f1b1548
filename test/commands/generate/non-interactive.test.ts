import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {runGenerate} from './helpers.js'

/** Without a terminal (as under the test runner) missing values are never asked for: exit 64 naming every one. */
const MISSING: {kind: string; args: string[]; flags: string[]}[] = [
  {kind: 'virtualservice', args: [], flags: ['--name', '--namespace', '--host']},
  {kind: 'virtualservice', args: ['--name', 'reviews'], flags: ['--namespace', '--host']},
  {kind: 'destinationrule', args: [], flags: ['--name', '--namespace', '--host']},
  {kind: 'authorizationpolicy', args: [], flags: ['--name', '--namespace', '--action']},
  {kind: 'authorizationpolicy', args: ['--name', 'ext', '--namespace', 'shop', '--action', 'CUSTOM'], flags: ['--provider']},
  {kind: 'authorizationpolicy', args: ['--deny-all'], flags: ['--namespace']},
  {kind: 'peerauthentication', args: [], flags: ['--namespace', '--mode']},
  {kind: 'zero-trust', args: [], flags: ['--namespace', '--allow']},
]

describe('cleat generate without a terminal', () => {
  for (const c of MISSING) {
    it(`${c.kind} ${c.args.join(' ') || '(no flags)'}: exits 64 naming ${c.flags.join(', ')}`, async () => {
      const r = await runGenerate([c.kind, ...c.args])
      assert.equal(r.exitCode, 64)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /no terminal to ask on/)
      const listed = r.stderr.split('\n').filter((l) => /^\s+--/.test(l)).map((l) => l.trim().split(/[ :]/)[0])
      assert.deepEqual(listed, c.flags)
    })
  }

  it('--no-input fails the same way', async () => {
    const r = await runGenerate(['peerauthentication', '--no-input', '--namespace', 'shop'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /\(--no-input\): missing required value:\n {2}--mode STRICT\|PERMISSIVE\|DISABLE\|UNSET: mutual TLS mode \[-y uses "STRICT"\]/)
  })

  it('-y/--yes accepts the defaults that exist and still names values without one', async () => {
    const pa = await runGenerate(['peerauthentication', '-y'])
    assert.equal(pa.exitCode, 0, pa.stderr)
    assert.match(pa.stdout, /name: default\n {2}namespace: default\nspec:\n {2}mtls:\n {4}mode: STRICT\n/)
    const vs = await runGenerate(['virtualservice', '--name', 'reviews', '--yes'])
    assert.equal(vs.exitCode, 0, vs.stderr)
    assert.match(vs.stdout, /namespace: default\nspec:\n {2}hosts:\n {2}- reviews\n/)
    const ap = await runGenerate(['authorizationpolicy', '-y'])
    assert.equal(ap.exitCode, 64)
    const listed = ap.stderr.split('\n').filter((l) => /^\s+--/.test(l)).map((l) => l.trim().split(/[ :]/)[0])
    assert.deepEqual(listed, ['--name'])
  })
})
