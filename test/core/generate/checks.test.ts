import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {durationProblem, hostProblem, runChecks} from '../../../src/core/generate/checks.js'
import {checkParamValue, checkParams} from '../../../src/core/generate/index.js'

describe('value checks', () => {
  it('hosts: short, namespaced and fully qualified names; wildcards only as the first label', () => {
    for (const h of ['reviews', 'reviews.shop', 'reviews.shop.svc.cluster.local', 'api.example.com', 'a-1.b-2']) assert.equal(hostProblem(h, false), undefined, h)
    assert.equal(hostProblem('*.example.com', true), undefined)
    assert.equal(hostProblem('*', true), undefined)
    assert.match(hostProblem('*.example.com', false)!, /wildcard; a destination must name one service/)
    assert.match(hostProblem('*', false)!, /cannot be a destination/)
    assert.match(hostProblem('api.*.com', true)!, /not the whole first label/)
    assert.match(hostProblem('Reviews', true)!, /upper-case/)
    assert.match(hostProblem('rev_iews', true)!, /not a valid host name/)
    assert.match(hostProblem('-reviews', true)!, /not a valid host name/)
    assert.match(hostProblem(`${'a'.repeat(64)}.shop`, true)!, /not a valid host name/)
    assert.match(hostProblem('a..b', true)!, /not a valid host name/)
  })

  it('durations as Istio accepts them, at least 1ms', () => {
    for (const d of ['1ms', '5s', '1m30s', '1h', '0.5s', '250ms', '1500us']) assert.equal(durationProblem(d), undefined, d)
    for (const d of ['5', '5 s', 's', '1d', '-1s', '5S']) assert.match(durationProblem(d)!, /is not a duration/, d)
    for (const d of ['0s', '999us', '0.5ms']) assert.match(durationProblem(d)!, /shorter than 1ms/, d)
  })

  it('names are DNS-1123 subdomains, namespaces and subsets DNS-1123 labels', () => {
    assert.deepEqual(checkParamValue('virtualservice', 'name', 'reviews.v2'), [])
    assert.equal(checkParamValue('virtualservice', 'name', 'a'.repeat(254))[0]?.code, 'CL7002')
    assert.equal(checkParamValue('virtualservice', 'namespace', 'shop.prod')[0]?.code, 'CL7002')
    assert.equal(checkParamValue('virtualservice', 'namespace', 'a'.repeat(64))[0]?.code, 'CL7002')
    assert.deepEqual(checkParamValue('virtualservice', 'namespace', 'a'.repeat(63)), [])
    assert.equal(checkParamValue('virtualservice', 'subsets', [{name: 'v1.0', weight: 100}])[0]?.pointer, '/subsets/0/name')
  })

  it('labels: keys with prefixes, values up to 63 characters, empty values allowed', () => {
    assert.deepEqual(checkParamValue('authorizationpolicy', 'selector', {'app.kubernetes.io/name': 'orders', team: ''}), [])
    const bad = checkParamValue('authorizationpolicy', 'selector', {'Bad_Prefix/app': 'x', app: 'v'.repeat(64), 'a b': 'x'})
    assert.deepEqual(bad.map((p) => p.code), ['CL7004', 'CL7004', 'CL7004'])
    assert.equal(bad[0]!.pointer, '/selector/Bad_Prefix~1app')
  })

  it('policy strings: wildcards only as prefix or suffix', () => {
    assert.deepEqual(checkParamValue('authorizationpolicy', 'fromPrincipals', ['*', 'cluster.local/ns/shop/*', '*/sa/admin']), [])
    assert.equal(checkParamValue('authorizationpolicy', 'fromPrincipals', ['*cluster*'])[0]?.code, 'CL7010')
    assert.deepEqual(checkParamValue('authorizationpolicy', 'paths', ['/orders/*', '*/health', '*', '/exact']), [])
    assert.equal(checkParamValue('authorizationpolicy', 'paths', ['/a/*/b'])[0]?.code, 'CL7010')
    assert.deepEqual(checkParamValue('authorizationpolicy', 'fromNamespaces', ['shop', 'team-*']), [])
    assert.equal(checkParamValue('authorizationpolicy', 'fromNamespaces', ['Shop'])[0]?.code, 'CL7002')
  })

  it('runChecks walks nested objects and lists', () => {
    const schema = {properties: {items: {items: {properties: {host: {'x-cleat-check': 'destinationHost'}}}}}}
    const problems = runChecks(schema, {items: [{host: 'ok'}, {host: '*.x.com'}]})
    assert.deepEqual(problems.map((p) => p.pointer), ['/items/1/host'])
  })

  it('checkParams reports schema, syntax and cross-field problems together', () => {
    const p = checkParams('virtualservice', {name: 'Bad', namespace: 'shop', hosts: ['reviews'], subsets: [{name: 'v1', weight: 60}, {name: 'v1', weight: 30}]})
    assert.deepEqual(p.map((x) => x.code).sort(), ['CL7002', 'CL7005', 'CL7008'])
  })
})
