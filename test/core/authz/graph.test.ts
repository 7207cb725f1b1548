import assert from 'node:assert/strict'
import path from 'node:path'
import {describe, it} from 'node:test'
import {buildAuthzGraph, summarizeRule} from '../../../src/core/authz/graph.js'
import {formatGraphDot, formatGraphJson, formatGraphMermaid, formatGraphTable} from '../../../src/core/authz/graph-render.js'
import {loadAuthzInputs} from '../../../src/core/authz/load.js'
import {readPolicies} from '../../../src/core/authz/policy.js'
import {assertGolden} from '../../helpers/golden.js'
import {REPO_ROOT} from '../../helpers/paths.js'
import {ap, deployment, inventoryOf, pa} from './helpers.js'
import {assertSchema} from './schemas.js'

const SHOP = path.join(REPO_ROOT, 'test', 'fixtures', 'authz', 'shop')

function edgeOf(g: ReturnType<typeof buildAuthzGraph>, from: string, to: string) {
  const e = g.edges.find((x) => x.from === from && x.to === to)
  assert.ok(e, `no edge ${from} → ${to}`)
  return e
}

describe('authz graph', () => {
  it('decides ALLOW, DENY and CONDITIONAL edges over all requests', () => {
    const inv = inventoryOf([
      deployment('shop', 'frontend', {app: 'frontend'}),
      deployment('shop', 'orders', {app: 'orders'}),
      deployment('shop', 'payments', {app: 'payments'}),
      ap('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, rules: [{from: [{source: {principals: ['cluster.local/ns/shop/sa/frontend']}}], to: [{operation: {methods: ['GET']}}]}]}),
      ap('shop', 'payments', {selector: {matchLabels: {app: 'payments'}}, rules: [{from: [{source: {principals: ['cluster.local/ns/shop/sa/orders']}}]}]}),
      ap('shop', 'no-admin', {selector: {matchLabels: {app: 'payments'}}, action: 'DENY', rules: [{to: [{operation: {paths: ['/admin*']}}]}]}),
      ap('shop', 'deny-frontend', {selector: {matchLabels: {app: 'payments'}}, action: 'DENY', rules: [{from: [{source: {principals: ['cluster.local/ns/shop/sa/frontend']}}]}]}),
    ])
    const g = buildAuthzGraph(readPolicies(inv), inv)
    // frontend → orders: only GET (an ALLOW rule whose operation depends on the request)
    const fo = edgeOf(g, 'shop/frontend', 'shop/orders')
    assert.equal(fo.decision, 'CONDITIONAL')
    assert.deepEqual(fo.conditions, ['allowed if GET (shop/orders rule 0)'])
    // payments → orders: no ALLOW rule can match this caller
    assert.equal(edgeOf(g, 'shop/payments', 'shop/orders').decision, 'DENY')
    // orders → payments: allowed except /admin* (a DENY rule that depends on the path)
    const op = edgeOf(g, 'shop/orders', 'shop/payments')
    assert.equal(op.decision, 'CONDITIONAL')
    assert.match(op.conditions.join('\n'), /denied if \/admin\*/)
    // frontend → payments: an explicit DENY on the caller identity
    const fp = edgeOf(g, 'shop/frontend', 'shop/payments')
    assert.deepEqual([fp.decision, fp.policies], ['DENY', ['shop/deny-frontend']])
    // orders → frontend: no policy at all
    assert.deepEqual([edgeOf(g, 'shop/orders', 'shop/frontend').decision, edgeOf(g, '(plaintext)', 'shop/frontend').decision], ['ALLOW', 'ALLOW'])
    // no self edges
    assert.equal(g.edges.some((e) => e.from === 'shop/orders' && e.to === 'shop/orders'), false)
  })

  it('refuses plaintext callers of STRICT workloads, except on PERMISSIVE ports', () => {
    const inv = inventoryOf([
      deployment('shop', 'orders', {app: 'orders'}),
      deployment('shop', 'payments', {app: 'payments'}),
      pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}),
      pa('shop', 'orders-metrics', {selector: {matchLabels: {app: 'orders'}}, portLevelMtls: {9090: {mode: 'PERMISSIVE'}}}),
    ])
    const g = buildAuthzGraph(readPolicies(inv), inv)
    assert.equal(edgeOf(g, '(plaintext)', 'shop/payments').decision, 'DENY')
    const o = edgeOf(g, '(plaintext)', 'shop/orders')
    assert.equal(o.decision, 'CONDITIONAL')
    assert.match(o.conditions[0]!, /only on port 9090/)
  })

  it('ignores dry-run policies and restricts callees with --namespace', () => {
    const inv = inventoryOf([deployment('shop', 'orders', {app: 'orders'}), deployment('ops', 'tool', {app: 'tool'}), ap('shop', 'trial', {action: 'DENY', rules: [{}]}, {'istio.io/dry-run': 'true'})])
    const g = buildAuthzGraph(readPolicies(inv), inv, {namespace: 'shop'})
    assert.deepEqual(g.workloads.map((w) => w.id), ['shop/orders'])
    assert.equal(edgeOf(g, 'ops/tool', 'shop/orders').decision, 'ALLOW')
  })

  it('summarizes the request-dependent part of a rule', () => {
    assert.equal(summarizeRule({to: [{operation: {methods: ['GET', 'POST'], paths: ['/a*'], notPorts: ['9090']}}], when: [{key: 'request.headers[x]', values: ['1']}]}), 'GET,POST /a* not port 9090; request.headers[x] in 1')
    assert.equal(summarizeRule({}), 'any request')
  })

  for (const [format, render] of [['table', formatGraphTable], ['dot', formatGraphDot], ['mermaid', formatGraphMermaid], ['json', formatGraphJson]] as const) {
    it(`renders the shop fixture as ${format} (golden)`, async () => {
      const inputs = await loadAuthzInputs([SHOP], {cwd: REPO_ROOT})
      const g = buildAuthzGraph(inputs.policies, inputs.inventory)
      const out = render(g)
      assertGolden(`authz/graph/shop.${format}`, out)
      if (format === 'json') assertSchema('graph', JSON.parse(out))
    })
  }
})
