import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {and, matchField, matchIp, matchPath, matchPort, matchString, not, or} from '../../../src/core/authz/match.js'
import {ANY} from '../../../src/core/authz/request.js'

describe('authz value matching', () => {
  const strings: [string, string | null, boolean][] = [
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['abc*', 'abc', true],
    ['abc*', 'abcd', true],
    ['abc*', 'xabc', false],
    ['*abc', 'xabc', true],
    ['*abc', 'abcx', false],
    ['*', 'x', true],
    ['*', '', false],
    ['*', null, false],
    ['abc', null, false],
  ]
  for (const [p, v, want] of strings) it(`string ${JSON.stringify(p)} vs ${JSON.stringify(v)} → ${want}`, () => assert.equal(matchString(p, v), want))

  it('case-insensitive matching for hosts', () => {
    assert.equal(matchString('*.Example.com', 'api.example.COM', true), true)
    assert.equal(matchString('*.Example.com', 'api.example.COM'), false)
  })

  it('paths: templates, query strings', () => {
    assert.equal(matchPath('/a/{*}', '/a/b'), true)
    assert.equal(matchPath('/a/{*}', '/a/'), false)
    assert.equal(matchPath('/a/{**}', '/a/b/c'), true)
    assert.equal(matchPath('/a.b/{*}', '/aXb/c'), false)
    assert.equal(matchPath('/a', '/a#frag'), true)
  })

  it('IP blocks: addresses, CIDRs, families, malformed blocks', () => {
    assert.equal(matchIp('10.0.0.0/8', '10.255.1.1'), true)
    assert.equal(matchIp('10.0.0.0/8', '11.0.0.1'), false)
    assert.equal(matchIp('10.0.0.1', '10.0.0.1'), true)
    assert.equal(matchIp('::1', '::1'), true)
    assert.equal(matchIp('10.0.0.0/8', '::1'), false)
    assert.equal(matchIp('10.0.0.0/33', '10.0.0.1'), false)
    assert.equal(matchIp('not-an-ip', '10.0.0.1'), false)
    assert.equal(matchIp('10.0.0.0/8', null), false)
  })

  it('ports: exact numbers only', () => {
    assert.equal(matchPort('8080', 8080), true)
    assert.equal(matchPort('8080', null), false)
    assert.equal(matchPort('*', 8080), false)
  })

  it('three-valued logic', () => {
    assert.equal(and('yes', 'maybe'), 'maybe')
    assert.equal(and('no', 'maybe'), 'no')
    assert.equal(or('no', 'maybe'), 'maybe')
    assert.equal(or('yes', 'maybe'), 'yes')
    assert.equal(not('maybe'), 'maybe')
    assert.equal(and(), 'yes')
    assert.equal(or(), 'no')
  })

  it('fields: positive OR, negative NOR, both ANDed; lists of values; ANY', () => {
    const m = (p: string, v: string | null) => matchString(p, v)
    assert.equal(matchField(['a', 'b'], undefined, 'b', m), 'yes')
    assert.equal(matchField(undefined, ['a', 'b'], 'b', m), 'no')
    assert.equal(matchField(['*'], ['admin'], 'admin', m), 'no')
    assert.equal(matchField(['*'], ['admin'], 'dev', m), 'yes')
    assert.equal(matchField(['admin'], undefined, ['dev', 'admin'], m), 'yes')
    assert.equal(matchField(['admin'], undefined, ANY, m), 'maybe')
    assert.equal(matchField(undefined, undefined, 'x', m), 'yes')
  })
})
