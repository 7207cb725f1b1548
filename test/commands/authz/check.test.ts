import assert from 'node:assert/strict'
import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {runCli} from '../../helpers/run-command.js'
import {REPO_ROOT} from '../../helpers/paths.js'
import {assertSchema} from '../../core/authz/schemas.js'

const SHOP = path.join(REPO_ROOT, 'test', 'fixtures', 'authz', 'shop')
const CASES = path.join(REPO_ROOT, 'test', 'fixtures', 'authz', 'shop-cases.yaml')
const ORDERS = ['--to-namespace', 'shop', '--to-labels', 'app=orders']
const FRONTEND = ['--from-principal', 'cluster.local/ns/shop/sa/frontend']

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-authz-'))
  const f = path.join(dir, name)
  await writeFile(f, text)
  return f
}

describe('cleat authz check (command)', () => {
  it('can frontend POST /orders? ALLOW, with the deciding policy and rule', async () => {
    const r = await runCli(['authz', 'check', SHOP, ...ORDERS, ...FRONTEND, '--method', 'POST', '--path', '/orders'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, 'ALLOW  allowed by ALLOW policy shop/orders-api rule 0\n')
  })

  it('--explain traces every policy considered', async () => {
    const r = await runCli(['authz', 'check', SHOP, ...ORDERS, ...FRONTEND, '--method', 'DELETE', '--path', '/orders/1', '--port', '8080', '--explain'])
    assert.equal(r.exitCode, 0)
    assert.match(r.stdout, /^DENY  denied by DENY policy shop\/orders-no-delete rule 0\n/)
    assert.match(r.stdout, /mTLS\s+STRICT \(PeerAuthentication istio-system\/default, mesh level\)/)
    assert.match(r.stdout, /ALLOW\s+shop\/frontend-ingress\s+does not apply: namespace shop, selector app=frontend does not match/)
    assert.match(r.stdout, /operation\.methods \["GET","POST"\] vs "DELETE": no/)
    const noPort = await runCli(['authz', 'check', SHOP, ...ORDERS, ...FRONTEND, '--method', 'DELETE', '--path', '/orders/1', '--explain'])
    assert.match(noPort.stdout, /^DENY  ALLOW policies apply but none matched\n/)
    assert.match(noPort.stdout, /note\s+no --port given/)
  })

  it('-o json prints exactly decision, policy, rule, reason and trace', async () => {
    const r = await runCli(['authz', 'check', SHOP, ...ORDERS, '--from-namespace', 'ops', '--method', 'POST', '-o', 'json'])
    assert.equal(r.exitCode, 0)
    const out = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(out), ['decision', 'policy', 'rule', 'reason', 'trace'])
    assert.deepEqual([out.decision, out.policy, out.rule, out.reason], ['DENY', null, null, 'ALLOW policies apply but none matched'])
    assertSchema('check', out)
  })

  it('--expect makes a mismatch exit 79 and a match exit 0', async () => {
    const bad = await runCli(['authz', 'check', SHOP, ...ORDERS, '--plaintext', '--expect', 'allow'])
    assert.equal(bad.exitCode, 79)
    assert.match(bad.stderr, /expected ALLOW, got DENY/)
    const good = await runCli(['authz', 'check', SHOP, ...ORDERS, '--plaintext', '--expect', 'deny'])
    assert.equal(good.exitCode, 0)
  })

  it('shows what dry-run policies would change', async () => {
    const r = await runCli(['authz', 'check', SHOP, '--to-namespace', 'shop', '--to-labels', 'app=payments', '--from-principal', 'cluster.local/ns/shop/sa/orders', '--tcp', '--port', '9000'])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, 'ALLOW  allowed by ALLOW policy shop/payments-from-orders rule 0\n')
    const r2 = await runCli(['authz', 'check', SHOP, '--to-namespace', 'shop', '--to-labels', 'app=payments', '--from-principal', 'cluster.local/ns/ops/sa/admin', '--tcp'])
    assert.equal(r2.stdout, 'DENY  ALLOW policies apply but none matched\ndry-run: with dry-run policies enforced the decision would be DENY (denied by DENY policy shop/payments-lockdown-trial rule 0)\n')
  })

  it('--cases runs a suite: exit 0 when all pass, 79 when one fails', async () => {
    const ok = await runCli(['authz', 'check', SHOP, '--cases', CASES])
    assert.equal(ok.exitCode, 0, ok.stdout)
    assert.match(ok.stdout, /PASS  frontend can POST \/orders: ALLOW/)
    assert.match(ok.stdout, /5 cases: 5 passed, 0 failed/)
    const f = await tempFile('cases.yaml', 'cases:\n  - {name: wrong, toNamespace: shop, toLabels: {app: orders}, plaintext: true, expect: allow}\n')
    const fail = await runCli(['authz', 'check', SHOP, '--cases', f, '-o', 'json'])
    assert.equal(fail.exitCode, 79)
    const out = JSON.parse(fail.stdout)
    assertSchema('cases-report', out)
    assert.deepEqual(out.summary, {total: 1, passed: 0, failed: 1})
  })

  it('reports invalid policies on stderr and leaves them out', async () => {
    const f = await tempFile('p.yaml', 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: broken, namespace: shop}\nspec:\n  action: DENI\n  rules: [{}]\n')
    const r = await runCli(['authz', 'check', f, ...ORDERS, ...FRONTEND])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, 'ALLOW  no ALLOW policy applies\n')
    assert.match(r.stderr, /CL6001 AuthorizationPolicy shop\/broken is invalid and is left out/)
    assert.match(r.stderr, /p\.yaml:5:\d+ error CL1\d{3}/)
  })

  it('notes a destination that matches no workload of the inputs', async () => {
    const r = await runCli(['authz', 'check', SHOP, '--to-namespace', 'shop', '--to-labels', 'app=ordres', ...FRONTEND])
    assert.match(r.stderr, /CL6002 no workload in namespace shop has the labels app=ordres/)
  })

  it('usage errors exit 64: no destination, bad principal, bad label, plaintext with principal', async () => {
    for (const args of [
      [SHOP],
      [SHOP, ...ORDERS, '--from-principal', 'frontend'],
      [SHOP, '--to-namespace', 'shop', '--to-labels', 'app'],
      [SHOP, ...ORDERS, '--plaintext', ...FRONTEND],
      [SHOP, ...ORDERS, '--expect', 'maybe'],
      [SHOP, ...ORDERS, '--cases', CASES],
    ]) {
      const r = await runCli(['authz', 'check', ...args])
      assert.equal(r.exitCode, 64, `${args.join(' ')}: ${r.stderr}`)
      assert.doesNotMatch(r.stderr, /\n\s+at /)
    }
  })

  it('exits 65 for an unreadable input or cases file', async () => {
    const r = await runCli(['authz', 'check', path.join(os.tmpdir(), 'cleat-no-such-dir-authz'), ...ORDERS])
    assert.equal(r.exitCode, 65)
    assert.match(r.stderr, /CL0002/)
    const c = await runCli(['authz', 'check', SHOP, '--cases', path.join(os.tmpdir(), 'cleat-no-such-cases.yaml')])
    assert.equal(c.exitCode, 65)
  })
})

describe('cleat authz check (invalid PeerAuthentication)', () => {
  it('leaves an invalid PeerAuthentication out of the mTLS resolution', async () => {
    const f = await tempFile('pa.yaml', 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: STRIKT}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec:\n  mtls: {mode: STRICT}\n')
    const r = await runCli(['authz', 'check', f, ...ORDERS, '--plaintext', '-o', 'json'])
    assert.equal(JSON.parse(r.stdout).policy, 'istio-system/default')
    assert.match(r.stderr, /CL6001 PeerAuthentication shop\/default is invalid/)
  })
})

describe('cleat authz check (argument order)', () => {
  it('PATHS may follow repeatable flags', async () => {
    const r = await runCli(['authz', 'check', '--to-labels', 'app=orders', '--to-namespace', 'shop', '--to-labels', 'version=v1', SHOP, ...FRONTEND, '--path', '/orders', '--port', '8080'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, 'ALLOW  allowed by ALLOW policy shop/orders-api rule 0\n')
    assert.match(r.stderr, /note: no --method \(GET\) given: using the default/)
  })
})
