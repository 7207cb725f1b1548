import assert from 'node:assert/strict'
import {test} from 'node:test'
import {fqdnProblem, hostChecksUncached, labelValueProblem, wildcardDomainProblem} from '../../../src/core/validate/rules/common.js'

// The host checks take a regex fast path for plain hosts before the memoised full check. The fast
// path must never accept a host the full check rejects, and must agree on everything it accepts.

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!

/** Random hosts built from labels that sit on either side of each rule (length, digits, dashes, wildcards). */
function randomHosts(count: number): string[] {
  const r = rng(7)
  const labels = ['svc', 'a', 'Z9', '0', '12', 'x-y', '-x', 'x-', '*', '*x', '*-x', 'x*', '', '_x', 'outbound_', 'ab_c', 'a'.repeat(63), 'b'.repeat(64), '1a', 'a1', 'local', 'cluster', 'v1']
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 5)
    const parts = Array.from({length: n}, () => pick(r, labels))
    let host = parts.join('.')
    if (r() < 0.1) host += '.'
    if (r() < 0.05) host = `${'c'.repeat(60)}.`.repeat(4) + host
    out.push(host)
  }
  return out
}

const edgeHosts = [
  '',
  'svc',
  'reviews.shop.svc.cluster.local',
  'reviews.shop.svc.cluster.local.',
  '1.2.3.4',
  'a.123',
  'a.1b',
  'a.b1',
  '*.example.com',
  '*',
  '*foo.example.com',
  'outbound_.80_._.reviews.shop.svc.cluster.local',
  'UPPER.Example.COM',
  `${'a'.repeat(63)}.com`,
  `${'a'.repeat(64)}.com`,
  `${'a.'.repeat(127)}b`,
  `${'a.'.repeat(127)}bc`,
  'a..b',
  '.a',
  'a-.b',
]

test('the host fast path agrees with the full FQDN check on every host', () => {
  let accepted = 0
  for (const h of [...edgeHosts, ...randomHosts(5000)]) {
    const fast = fqdnProblem(h)
    assert.equal(fast, hostChecksUncached.fqdn(h), `fqdnProblem(${JSON.stringify(h)})`)
    if (fast === undefined) accepted++
  }
  // Both outcomes were exercised.
  assert.ok(accepted > 100, `accepted ${accepted}`)
})

test('the host fast path agrees with the full wildcard-host check on every host', () => {
  let rejected = 0
  for (const h of [...edgeHosts, ...randomHosts(5000)]) {
    const fast = wildcardDomainProblem(h)
    assert.equal(fast, hostChecksUncached.wildcard(h), `wildcardDomainProblem(${JSON.stringify(h)})`)
    if (fast !== undefined) rejected++
  }
  assert.ok(rejected > 100, `rejected ${rejected}`)
})

test('label values: empty is fine, 63 characters is the limit, alphanumeric at both ends', () => {
  assert.equal(labelValueProblem(''), undefined)
  assert.equal(labelValueProblem('v1.2_beta-3'), undefined)
  assert.equal(labelValueProblem('a'.repeat(63)), undefined)
  assert.match(labelValueProblem('a'.repeat(64)) ?? '', /at most 63/)
  assert.match(labelValueProblem('-v1') ?? '', /invalid/)
  assert.match(labelValueProblem('v1.') ?? '', /invalid/)
})
