// End-to-end: authz check / authz graph / mtls status through the built CLI on the bundled examples/.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {REPO_ROOT, runBin} from '../helpers/cli-process.js'

const EXAMPLES = 'examples/'
const ORDERS = ['--to-namespace', 'shop', '--to-labels', 'app=orders']
const FRONTEND = ['--from-principal', 'cluster.local/ns/shop/sa/frontend']

describe('cleat authz and mtls (end to end, examples/)', () => {
  it('can frontend POST /orders? yes, and --expect allow exits 0', async () => {
    const r = await runBin(['authz', 'check', EXAMPLES, ...ORDERS, ...FRONTEND, '--method', 'POST', '--path', '/orders', '--expect', 'allow'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, 'ALLOW  allowed by ALLOW policy shop/allow-orders rule 0\n')
  })

  it('can frontend DELETE /orders/17? no: --expect allow exits 79 and -o json explains', async () => {
    const r = await runBin(['authz', 'check', EXAMPLES, ...ORDERS, ...FRONTEND, '--method', 'DELETE', '--path', '/orders/17', '--expect', 'allow', '-o', 'json'])
    assert.equal(r.exitCode, 79)
    const out = JSON.parse(r.stdout)
    assert.deepEqual([out.decision, out.policy, out.reason], ['DENY', null, 'ALLOW policies apply but none matched'])
    assert.ok(out.trace.some((t) => t.policy === 'shop/allow-orders' && t.applies && t.result === 'no-match'))
    assert.match(r.stderr, /expected ALLOW, got DENY/)
  })

  it('a plaintext caller is refused by STRICT mTLS', async () => {
    const r = await runBin(['authz', 'check', EXAMPLES, ...ORDERS, '--plaintext'])
    assert.equal(r.exitCode, 0)
    assert.match(r.stdout, /^DENY  plaintext request refused before authorization: mTLS mode is STRICT \(PeerAuthentication shop\/default\)/)
  })

  it('reads policies from stdin and runs a --cases suite', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-authz-e2e-'))
    const cases = path.join(dir, 'cases.yaml')
    await writeFile(cases, [
      'defaults: {toNamespace: shop}',
      'cases:',
      '  - {name: frontend reads orders, toLabels: {app: orders}, fromPrincipal: cluster.local/ns/shop/sa/frontend, method: GET, path: /orders/1, expect: allow}',
      '  - {name: orders pays, toLabels: {app: payments}, fromPrincipal: cluster.local/ns/shop/sa/orders, method: POST, path: /payments, expect: allow}',
      '  - {name: frontend cannot pay directly, toLabels: {app: payments}, fromPrincipal: cluster.local/ns/shop/sa/frontend, method: POST, path: /payments, expect: deny}',
      '',
    ].join('\n'))
    const input = await readFile(path.join(REPO_ROOT, 'examples', 'shop.yaml'), 'utf8')
    const r = await runBin(['authz', 'check', '-', '--cases', cases], {input})
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /3 cases: 3 passed, 0 failed/)
  })

  it('authz graph renders mermaid and dot', async () => {
    const m = await runBin(['authz', 'graph', EXAMPLES, '-o', 'mermaid'])
    assert.equal(m.exitCode, 0, m.stderr)
    assert.match(m.stdout, /^flowchart LR\n/)
    assert.match(m.stdout, /sa_shop_frontend -\.->\|"allowed if GET,POST \/orders,\/orders\/\*"\| wl_shop_orders_v1/)
    const d = await runBin(['authz', 'graph', EXAMPLES, '-o', 'dot'])
    assert.match(d.stdout, /^digraph authz \{/)
  })

  it('mtls status -o json lists the effective mode per workload and port', async () => {
    const r = await runBin(['mtls', 'status', EXAMPLES, '-o', 'json'])
    assert.equal(r.exitCode, 0, r.stderr)
    const rows = JSON.parse(r.stdout)
    assert.ok(rows.length > 0)
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), ['namespace', 'labels', 'port', 'mode', 'policy', 'conflicts'])
      assert.deepEqual([row.mode, row.policy], ['STRICT', 'shop/default'])
    }
  })

  it('bad usage exits 64 without a stack trace', async () => {
    const r = await runBin(['authz', 'check', EXAMPLES, '--to-labels', 'app=orders'])
    assert.equal(r.exitCode, 64)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
  })
})
