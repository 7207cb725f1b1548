import assert from 'node:assert/strict'
import path from 'node:path'
import {describe, it} from 'node:test'
import {runCli} from '../../helpers/run-command.js'
import {REPO_ROOT} from '../../helpers/paths.js'
import {assertGolden} from '../../helpers/golden.js'
import {assertSchema} from '../../core/authz/schemas.js'

const SHOP = path.join(REPO_ROOT, 'test', 'fixtures', 'authz', 'shop')

describe('cleat mtls status (command)', () => {
  it('prints a table of every workload and port with the deciding policy (golden) and conflicts on stderr', async () => {
    const r = await runCli(['mtls', 'status', SHOP])
    assert.equal(r.exitCode, 0)
    assertGolden('mtls/status/shop.table', r.stdout)
    assert.match(r.stderr, /security\.yaml:\d+:\d+ warning CL6004 tls mode DISABLE: clients send plaintext but the workload only accepts mTLS \(STRICT\)/)
  })

  it('answers the query form as JSON', async () => {
    const r = await runCli(['mtls', 'status', SHOP, '--namespace', 'shop', '--labels', 'app=orders', '--port', '9090', '-o', 'json'])
    assert.equal(r.exitCode, 0)
    const rows = JSON.parse(r.stdout)
    assertSchema('mtls-status', rows)
    assert.deepEqual(rows, [{namespace: 'shop', labels: {app: 'orders'}, port: 9090, mode: 'PERMISSIVE', policy: 'shop/orders', conflicts: []}])
  })

  it('lists DestinationRule conflicts in the JSON rows', async () => {
    const r = await runCli(['mtls', 'status', SHOP, '-n', 'shop', '-l', 'app=payments', '-o', 'json'])
    const rows = JSON.parse(r.stdout)
    assert.equal(rows[0].mode, 'STRICT')
    assert.deepEqual(rows[0].conflicts.map((c: {destinationRule: string; tlsMode: string}) => [c.destinationRule, c.tlsMode]), [['shop/payments-legacy', 'DISABLE']])
  })

  it('--labels without --namespace is a usage error', async () => {
    const r = await runCli(['mtls', 'status', SHOP, '--labels', 'app=orders'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /--labels needs --namespace/)
  })
})

describe('cleat mtls status (query notes)', () => {
  it('notes labels that match no workload of the inputs and still answers', async () => {
    const r = await runCli(['mtls', 'status', SHOP, '-n', 'shop', '-l', 'app=ordres', '-o', 'json'])
    assert.equal(r.exitCode, 0)
    assert.match(r.stderr, /CL6002/)
    assert.deepEqual(JSON.parse(r.stdout).map((x: {mode: string; policy: string}) => [x.mode, x.policy]), [['STRICT', 'istio-system/default']])
  })
})
