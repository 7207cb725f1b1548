import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {buildRequest, claimPath, parseKeyValues, parseMultiKeyValues} from '../../../src/core/authz/request.js'
import {UsageError} from '../../../src/core/errors.js'

const TO = {toNamespace: 'shop', toLabels: {app: 'orders'}}

describe('authz request building', () => {
  it('derives the source namespace from the principal', () => {
    const {request} = buildRequest({...TO, fromPrincipal: 'cluster.local/ns/shop/sa/frontend'})
    assert.equal(request.namespace, 'shop')
    assert.equal(request.plaintext, false)
  })

  it('assumes the default service account for --from-namespace and says so', () => {
    const {request, notes} = buildRequest({...TO, fromNamespace: 'ops'}, {trustDomain: 'example.org'})
    assert.equal(request.principal, 'example.org/ns/ops/sa/default')
    assert.match(notes.join('\n'), /assumed/)
  })

  it('is plaintext without any source identity, and notes it', () => {
    const {request, notes} = buildRequest(TO)
    assert.equal(request.plaintext, true)
    assert.equal(request.principal, null)
    assert.match(notes.join('\n'), /plaintext/)
  })

  it('defaults HTTP requests to GET / and upper-cases the method', () => {
    assert.deepEqual([buildRequest(TO).request.method, buildRequest(TO).request.path], ['GET', '/'])
    assert.equal(buildRequest({...TO, method: 'post'}).request.method, 'POST')
  })

  it('splits the request principal at its last slash into iss and sub', () => {
    const {request} = buildRequest({...TO, requestPrincipal: 'https://accounts.example.com/u/1'})
    assert.deepEqual(request.claims, {iss: 'https://accounts.example.com/u', sub: '1'})
  })

  it('builds the request principal from iss and sub claims', () => {
    assert.equal(buildRequest({...TO, jwtClaims: {iss: 'i', sub: 's'}}).request.requestPrincipal, 'i/s')
  })

  for (const [name, input, pattern] of [
    ['bad principal', {fromPrincipal: 'frontend'}, /not <trust-domain>\/ns/],
    ['plaintext with a principal', {plaintext: true, fromPrincipal: 'cluster.local/ns/a/sa/b'}, /cannot be combined/],
    ['contradicting namespace', {fromPrincipal: 'cluster.local/ns/a/sa/b', fromNamespace: 'c'}, /contradicts/],
    ['bad IP', {sourceIp: '10.0.0.300'}, /not an IP/],
    ['path without slash', {path: 'orders'}, /must start with \//],
    ['TCP with a method', {tcp: true, method: 'GET'}, /no HTTP attributes/],
    ['bad request principal', {requestPrincipal: 'nosubject'}, /issuer/],
  ] as const) {
    it(`rejects ${name} with a usage error`, () => {
      assert.throws(() => buildRequest({...TO, ...input}), (e: unknown) => e instanceof UsageError && pattern.test(e.message))
    })
  }

  it('parses key=value flags, keeping = inside values', () => {
    assert.deepEqual(parseKeyValues(['app=orders', 'x=a=b'], 'to-labels'), {app: 'orders', x: 'a=b'})
    assert.throws(() => parseKeyValues(['app'], 'to-labels'), UsageError)
    assert.deepEqual(parseMultiKeyValues(['g=a', 'g=b', 'h=c'], 'jwt-claim'), {g: ['a', 'b'], h: 'c'})
  })

  it('reads nested claim names', () => {
    assert.deepEqual(claimPath('a[b][c]'), ['a', 'b', 'c'])
    assert.deepEqual(claimPath('groups'), ['groups'])
  })
})
