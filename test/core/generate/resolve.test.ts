import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {loadTemplate, resolveParams} from '../../../src/core/generate/index.js'

const names = (r: ReturnType<typeof resolveParams>) => r.missing.map((p) => p.name)

describe('resolveParams: defaults and what must be asked for', () => {
  it('asked-for values without a value are missing; silent defaults are filled in', () => {
    const r = resolveParams(loadTemplate('peerauthentication'), {}, {acceptDefaults: false})
    assert.deepEqual(names(r), ['namespace', 'mode'])
    assert.equal(r.params.name, 'default')
    assert.equal(r.params.rootNamespace, 'istio-system')
  })

  it('acceptDefaults (-y) fills asked-for values that have a default, including derived ones', () => {
    const r = resolveParams(loadTemplate('virtualservice'), {name: 'reviews'}, {acceptDefaults: true})
    assert.deepEqual(names(r), [])
    assert.deepEqual(r.params.hosts, ['reviews'])
    assert.equal(r.params.namespace, 'default')
  })

  it('conditions: --deny-all names the policy and needs no action; CUSTOM needs a provider', () => {
    const ap = loadTemplate('authorizationpolicy')
    const deny = resolveParams(ap, {denyAll: true, namespace: 'shop'}, {acceptDefaults: false})
    assert.deepEqual(names(deny), [])
    assert.equal(deny.params.name, 'deny-all')
    assert.equal(deny.params.action, 'ALLOW')
    assert.deepEqual(names(resolveParams(ap, {name: 'x', namespace: 'shop', action: 'CUSTOM'}, {acceptDefaults: true})), ['provider'])
    assert.deepEqual(names(resolveParams(ap, {name: 'x', namespace: 'shop', action: 'DENY'}, {acceptDefaults: false})), [])
  })

  it('--mesh-wide puts the policy into the root namespace', () => {
    const pa = loadTemplate('peerauthentication')
    assert.equal(resolveParams(pa, {meshWide: true, mode: 'STRICT'}, {acceptDefaults: false}).params.namespace, 'istio-system')
    assert.equal(resolveParams(pa, {meshWide: true, mode: 'STRICT', rootNamespace: 'mesh'}, {acceptDefaults: false}).params.namespace, 'mesh')
  })

  it('a PeerAuthentication with a selector is named after the selector values', () => {
    const r = resolveParams(loadTemplate('peerauthentication'), {namespace: 'shop', mode: 'STRICT', selector: {app: 'legacy'}}, {acceptDefaults: false})
    assert.equal(r.params.name, 'legacy')
  })

  it('does not change its input', () => {
    const given = {name: 'reviews'}
    resolveParams(loadTemplate('virtualservice'), given, {acceptDefaults: true})
    assert.deepEqual(given, {name: 'reviews'})
  })
})
