import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {loadTemplate, parseOne, valueFromRaw, type ParamSpec} from '../../../src/core/generate/index.js'

function param(kind: Parameters<typeof loadTemplate>[0], flag: string): ParamSpec {
  const p = loadTemplate(kind).params.find((x) => x.flag === flag)
  assert.ok(p, `${kind} has --${flag}`)
  return p
}

describe('flag value parsers', () => {
  const cases: [Parameters<typeof parseOne>[0], string, unknown][] = [
    ['nameWeight', 'v1=70', [{name: 'v1', weight: 70}]],
    ['nameWeight', ' v2 = 30 ', [{name: 'v2', weight: 30}]],
    ['hostWeight', 'reviews', [{host: 'reviews'}]],
    ['hostWeight', 'reviews.shop.svc.cluster.local=25', [{host: 'reviews.shop.svc.cluster.local', weight: 25}]],
    ['keyValue', 'app=orders,version=v1', [['app', 'orders'], ['version', 'v1']]],
    ['keyValue', 'team=', [['team', '']]],
    ['subsetLabels', 'v1:version=v1', [{name: 'v1', labels: {version: 'v1'}}]],
    ['subsetLabels', 'canary:version=v2,track=canary', [{name: 'canary', labels: {version: 'v2', track: 'canary'}}]],
    ['portMode', '8080=permissive', [{port: 8080, mode: 'PERMISSIVE'}]],
    ['csv', '5xx, reset,,connect-failure', ['5xx', 'reset', 'connect-failure']],
    ['intCsv', '80,443', [80, 443]],
    ['int', '3', 3],
    ['bool', 'yes', true],
    ['allowRule', 'frontend->orders', [{from: ['frontend'], to: 'orders'}]],
    ['allowRule', 'frontend,ops/admin->orders:get,POST:/orders,/orders/*', [{from: ['frontend', 'ops/admin'], to: 'orders', methods: ['GET', 'POST'], paths: ['/orders', '/orders/*']}]],
    ['allowRule', 'a->b::/health', [{from: ['a'], to: 'b', paths: ['/health']}]],
  ]
  for (const [parser, text, expected] of cases) {
    it(`${parser} '${text}'`, () => {
      const r = parseOne(parser, text)
      assert.ok(r.ok, r.ok ? '' : r.message)
      assert.deepEqual(r.value, expected)
    })
  }

  const bad: [Parameters<typeof parseOne>[0], string, RegExp][] = [
    ['nameWeight', 'v1', /not NAME=WEIGHT/],
    ['nameWeight', 'v1=-5', /not a whole number/],
    ['nameWeight', 'v1=101', /percentages/],
    ['hostWeight', 'x=abc', /not a whole number/],
    ['keyValue', 'app', /not KEY=VALUE/],
    ['keyValue', '=x', /not KEY=VALUE/],
    ['subsetLabels', 'version=v1', /not NAME:KEY=VALUE/],
    ['subsetLabels', 'v1:a=1,a=2', /label 'a' is given twice/],
    ['portMode', 'http=STRICT', /not PORT=MODE/],
    ['int', '3.5', /not a whole number/],
    ['allowRule', 'frontend', /not SOURCE_SA->DEST_APP/],
    ['allowRule', '->orders', /not SOURCE_SA->DEST_APP/],
    ['allowRule', 'a->b:GET:/x:extra', /not SOURCE_SA->DEST_APP/],
    ['string', '  ', /empty/],
  ]
  for (const [parser, text, re] of bad) {
    it(`${parser} rejects '${text}'`, () => {
      const r = parseOne(parser, text)
      assert.equal(r.ok, false)
      assert.match(r.ok ? '' : r.message, re)
    })
  }
})

describe('valueFromRaw: repeated flags', () => {
  it('concatenates repeated list flags', () => {
    assert.deepEqual(valueFromRaw(param('virtualservice', 'subset'), ['v1=70', 'v2=30']).value, [{name: 'v1', weight: 70}, {name: 'v2', weight: 30}])
    assert.deepEqual(valueFromRaw(param('authorizationpolicy', 'method'), ['GET', 'POST,PUT']).value, ['GET', 'POST', 'PUT'])
  })

  it('merges KEY=VALUE flags into one map and reports a key given twice with different values', () => {
    assert.deepEqual(valueFromRaw(param('authorizationpolicy', 'selector'), ['app=orders', 'version=v1']).value, {app: 'orders', version: 'v1'})
    const r = valueFromRaw(param('authorizationpolicy', 'selector'), ['app=orders', 'app=payments'])
    assert.deepEqual(r.problems.map((p) => p.code), ['CL7008'])
    assert.match(r.problems[0]!.message, /'app' is given twice \('orders' and 'payments'\)/)
  })

  it('matches enum values case-insensitively', () => {
    assert.equal(valueFromRaw(param('destinationrule', 'tls'), 'istio_mutual').value, 'ISTIO_MUTUAL')
  })

  it('reports every value that does not parse', () => {
    const r = valueFromRaw(param('virtualservice', 'subset'), ['v1=x', 'v2', 'v3=10'])
    assert.equal(r.problems.length, 2)
    assert.equal(r.value, undefined)
  })
})
