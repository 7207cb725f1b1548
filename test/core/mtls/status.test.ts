import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {tlsConflicts} from '../../../src/core/mtls/conflicts.js'
import {conflictDiagnostics, formatMtlsTable, mtlsStatus, toJsonRows} from '../../../src/core/mtls/status.js'
import {deployment, dr, inventoryOf, pa, service} from '../authz/helpers.js'
import {assertSchema} from '../authz/schemas.js'

const ORDERS = {namespace: 'shop', labels: {app: 'orders', version: 'v1'}}
const WORKLOADS = [
  deployment('shop', 'orders', ORDERS.labels, 'orders', [{name: 'http', containerPort: 8080}]),
  service('shop', 'orders', {app: 'orders'}, [{name: 'http', port: 80, targetPort: 'http'}, {name: 'grpc', port: 9000}]),
]

describe('DestinationRule TLS conflicts', () => {
  const cases: {name: string; server: object[]; rule: object; port?: number | null; want: string[]}[] = [
    {name: 'STRICT vs DISABLE', server: [pa('shop', 'default', {mtls: {mode: 'STRICT'}})], rule: {host: 'orders', trafficPolicy: {tls: {mode: 'DISABLE'}}}, want: ['DISABLE']},
    {name: 'STRICT vs SIMPLE (own TLS, not Istio mTLS)', server: [pa('shop', 'default', {mtls: {mode: 'STRICT'}})], rule: {host: 'orders.shop.svc.cluster.local', trafficPolicy: {tls: {mode: 'SIMPLE'}}}, want: ['SIMPLE']},
    {name: 'STRICT vs ISTIO_MUTUAL is fine', server: [pa('shop', 'default', {mtls: {mode: 'STRICT'}})], rule: {host: 'orders', trafficPolicy: {tls: {mode: 'ISTIO_MUTUAL'}}}, want: []},
    {name: 'DISABLE vs ISTIO_MUTUAL', server: [pa('shop', 'default', {mtls: {mode: 'DISABLE'}})], rule: {host: '*.shop.svc.cluster.local', trafficPolicy: {tls: {mode: 'ISTIO_MUTUAL'}}}, want: ['ISTIO_MUTUAL']},
    {name: 'PERMISSIVE accepts anything', server: [], rule: {host: 'orders', trafficPolicy: {tls: {mode: 'DISABLE'}}}, want: []},
    {name: 'another host does not conflict', server: [pa('shop', 'default', {mtls: {mode: 'STRICT'}})], rule: {host: 'payments', trafficPolicy: {tls: {mode: 'DISABLE'}}}, want: []},
    {name: 'a subset that selects the workload', server: [pa('shop', 'default', {mtls: {mode: 'STRICT'}})], rule: {host: 'orders', subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: {tls: {mode: 'DISABLE'}}}, {name: 'v2', labels: {version: 'v2'}, trafficPolicy: {tls: {mode: 'DISABLE'}}}]}, want: ['DISABLE@v1']},
    {name: 'portLevelSettings apply to the matching service port only', port: 8080, server: [pa('shop', 'default', {mtls: {mode: 'STRICT'}})], rule: {host: 'orders', trafficPolicy: {tls: {mode: 'ISTIO_MUTUAL'}, portLevelSettings: [{port: {number: 80}, tls: {mode: 'DISABLE'}}]}}, want: ['DISABLE:80']},
    {name: 'portLevelSettings of another port fall back to the default tls', port: 9000, server: [pa('shop', 'default', {mtls: {mode: 'STRICT'}})], rule: {host: 'orders', trafficPolicy: {tls: {mode: 'ISTIO_MUTUAL'}, portLevelSettings: [{port: {number: 80}, tls: {mode: 'DISABLE'}}]}}, want: []},
  ]
  for (const c of cases) {
    it(c.name, () => {
      const inv = inventoryOf([...WORKLOADS, ...c.server, dr('shop', 'orders', c.rule)])
      const port = c.port ?? null
      const rows = mtlsStatus(inv, {namespace: 'shop', labels: ORDERS.labels, port: port ?? undefined})
      const got = (port === null ? tlsConflicts(inv, ORDERS, null, rows[0]!.mode) : rows[0]!.conflicts).map((x) => `${x.tlsMode}${x.subset ? `@${x.subset}` : ''}${x.port !== null ? `:${x.port}` : ''}`)
      assert.deepEqual(got, c.want)
    })
  }
})

describe('mtls status rows', () => {
  it('lists every workload with its default and known ports (named target ports resolved)', () => {
    const inv = inventoryOf([...WORKLOADS, pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, portLevelMtls: {9090: {mode: 'PERMISSIVE'}}})])
    const rows = mtlsStatus(inv)
    assert.deepEqual(rows.map((r) => [r.workload, r.port, r.mode, r.policy]), [
      ['Deployment/orders', null, 'STRICT', 'istio-system/default'],
      ['Deployment/orders', 8080, 'STRICT', 'istio-system/default'],
      ['Deployment/orders', 9000, 'STRICT', 'istio-system/default'],
      ['Deployment/orders', 9090, 'PERMISSIVE', 'shop/orders'],
    ])
    const json = toJsonRows(rows)
    assert.deepEqual(Object.keys(json[0]!), ['namespace', 'labels', 'port', 'mode', 'policy', 'conflicts'])
    assertSchema('mtls-status', json)
    assert.match(formatMtlsTable(rows), /shop\s+Deployment\/orders\s+9090\s+PERMISSIVE\s+shop\/orders \(port\)/)
  })

  it('answers a query for a workload that is not in the inputs', () => {
    const inv = inventoryOf([pa('billing', 'default', {mtls: {mode: 'STRICT'}})])
    const rows = mtlsStatus(inv, {namespace: 'billing', labels: {app: 'ledger'}, port: 8443})
    assert.deepEqual(toJsonRows(rows), [{namespace: 'billing', labels: {app: 'ledger'}, port: 8443, mode: 'STRICT', policy: 'billing/default', conflicts: []}])
  })

  it('turns conflicts into one located CL6004 per DestinationRule setting', () => {
    const inv = inventoryOf([...WORKLOADS, pa('shop', 'default', {mtls: {mode: 'STRICT'}}), dr('shop', 'legacy', {host: 'orders', trafficPolicy: {tls: {mode: 'DISABLE'}}})])
    const diags = conflictDiagnostics(mtlsStatus(inv), inv)
    assert.equal(diags.length, 1)
    assert.equal(diags[0]!.code, 'CL6004')
    assert.equal(diags[0]!.path, '/spec/trafficPolicy/tls')
    assert.ok(diags[0]!.line !== null && diags[0]!.line > 1)
    assert.match(diags[0]!.message, /affects Deployment\/orders, Deployment\/orders:8080, Deployment\/orders:9000/)
  })
})
