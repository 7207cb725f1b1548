import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {checkToken, decodeToken} from '../../../src/core/vm/token.js'
import {parseDuration} from '../../../src/core/vm/duration.js'

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const jwt = (claims: Record<string, unknown>) => `${b64({alg: 'ES256'})}.${b64(claims)}.c2ln`
const now = new Date('2026-01-01T00:00:00Z')
const t0 = Math.floor(now.getTime() / 1000)
const good = {aud: ['istio-ca'], sub: 'system:serviceaccount:shop:web-vm', exp: t0 + 600, nbf: t0, iat: t0, 'kubernetes.io': {namespace: 'shop', secret: {name: 'istio-vm-bootstrap-web-1'}}}
const opts = {namespace: 'shop', serviceAccount: 'web-vm', now, maxTtlSeconds: 3600}
const codes = (t: string) => checkToken(t, opts).diagnostics.map((d) => d.code)

describe('vm token checks', () => {
  it('accepts a bound istio-ca token for the right account', () => {
    assert.deepEqual(codes(jwt(good)), [])
    assert.equal(decodeToken(jwt(good))!.boundSecret, 'istio-vm-bootstrap-web-1')
  })
  it('reports each problem with its code', () => {
    assert.deepEqual(codes('not-a-jwt'), ['CL4020'])
    assert.deepEqual(codes('a.b.c'), ['CL4020'])
    assert.deepEqual(codes(jwt({...good, aud: 'https://kubernetes.default.svc'})), ['CL4021'])
    assert.deepEqual(codes(jwt({...good, sub: 'system:serviceaccount:shop:default'})), ['CL4022'])
    assert.deepEqual(codes(jwt({...good, exp: t0 - 1})), ['CL4023'])
    assert.deepEqual(codes(jwt({...good, exp: t0 + 7200})), ['CL4023'])
    assert.deepEqual(codes(jwt({...good, exp: t0 + 30})), ['CL4025'])
    assert.deepEqual(codes(jwt({...good, 'kubernetes.io': {namespace: 'shop'}})), ['CL4024'])
  })
  it('parses durations', () => {
    assert.equal(parseDuration('600'), 600)
    assert.equal(parseDuration('10m'), 600)
    assert.equal(parseDuration('1h30m'), 5400)
    assert.equal(parseDuration('90s'), 90)
    assert.equal(parseDuration('1d'), undefined)
    assert.equal(parseDuration(''), undefined)
    assert.equal(parseDuration('5m x'), undefined)
  })
})
