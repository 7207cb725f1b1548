import assert from 'node:assert/strict'
import {test} from 'node:test'
import fc from 'fast-check'
import {CanaryError} from '../../../src/core/canary/errors.js'
import {planWeights, resolveRoute, shiftWeights, splitOf} from '../../../src/core/canary/weights.js'
import type {Obj} from '../../../src/core/canary/types.js'

function vs(routes: Obj[]): Obj {
  return {apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'r', namespace: 'shop'}, spec: {hosts: ['r'], http: routes}}
}
const dest = (subset: string, weight?: number, host = 'r'): Obj => ({destination: {host, subset}, ...(weight === undefined ? {} : {weight})})
const sel = {stable: {subset: 'v1'}, canary: {subset: 'v2'}, namespace: 'shop'}

test('planWeights: non-negative, total kept, other destinations untouched, canary share monotone in percent', () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat(100), {minLength: 2, maxLength: 6}).filter((w) => w.reduce((a, b) => a + b, 0) <= 100),
      fc.nat(100),
      fc.nat(100),
      fc.nat(),
      (raw, p1, p2, seed) => {
        // Make the weights total exactly 100 by giving the rest to destination 0.
        const weights = [...raw]
        weights[0] = weights[0]! + (100 - weights.reduce((a, b) => a + b, 0))
        const s = seed % weights.length
        const c = (s + 1 + (seed % (weights.length - 1))) % weights.length
        if (s === c) return
        const out = planWeights(weights, s, c, p1)
        assert.ok(out.every((w) => Number.isInteger(w) && w >= 0), `negative or fractional: ${out}`)
        assert.equal(out.reduce((a, b) => a + b, 0), 100)
        out.forEach((w, i) => {
          if (i !== s && i !== c) assert.equal(w, weights[i], 'another destination changed')
        })
        assert.equal(out[s]! + out[c]!, weights[s]! + weights[c]!)
        const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1]
        assert.ok(planWeights(weights, s, c, lo)[c]! <= planWeights(weights, s, c, hi)[c]!)
        assert.equal(planWeights(weights, s, c, 100)[s], 0)
        assert.equal(planWeights(weights, s, c, 0)[c], 0)
      },
    ),
    {numRuns: 500},
  )
})

test('shiftWeights returns a new object and leaves the input unchanged', () => {
  const v = vs([{name: 'p', route: [dest('v1', 100), dest('v2', 0)], retries: {attempts: 3}}])
  const before = structuredClone(v)
  const target = resolveRoute(v, sel)
  const out = shiftWeights(v, {target, percent: 30})
  assert.deepEqual(v, before)
  assert.notEqual(out, v)
  const r = (out.spec as {http: {route: {weight: number}[]; retries: unknown}[]}).http[0]!
  assert.deepEqual(r.route.map((d) => d.weight), [70, 30])
  assert.deepEqual(r.retries, {attempts: 3})
})

test('shiftWeights property: only the two weights change; everything else is deep-equal', () => {
  fc.assert(
    fc.property(fc.integer({min: 0, max: 100}), fc.integer({min: 0, max: 60}), (p, other) => {
      const v = vs([
        {name: 'a', route: [dest('v1')]},
        {name: 'p', route: [dest('v1', 100 - other), dest('v2', 0), dest('x', other, 'legacy')], timeout: '3s'},
      ])
      const target = resolveRoute(v, {...sel, route: 'p'})
      const out = shiftWeights(v, {target, percent: p})
      const strip = (o: Obj): Obj => {
        const c = structuredClone(o) as {spec: {http: {route: Obj[]}[]}}
        for (const d of c.spec.http[1]!.route.slice(0, 2)) delete d.weight
        return c as unknown as Obj
      }
      assert.deepEqual(strip(out), strip(v))
      const s = splitOf(resolveRoute(out, {...sel, route: 'p'}))
      assert.equal(s.stable + s.canary, 100 - other)
      assert.ok(s.stable >= 0 && s.canary >= 0)
    }),
    {numRuns: 200},
  )
})

test('resolveRoute: zero or several matches are errors, never a silent no-op', () => {
  const two = vs([
    {name: 'a', route: [dest('v1', 100), dest('v2', 0)]},
    {name: 'b', route: [dest('v1', 100), dest('v2', 0)]},
  ])
  assert.throws(() => resolveRoute(two, sel), (e: unknown) => e instanceof CanaryError && e.diagnostic.code === 'CL5002' && e.exitCode === 64)
  assert.equal(resolveRoute(two, {...sel, route: 'b'}).route.index, 1)
  assert.throws(() => resolveRoute(two, {...sel, route: 'zzz'}), (e: unknown) => e instanceof CanaryError && e.diagnostic.code === 'CL5001')
  const dup = vs([
    {name: 'a', route: [dest('v1', 100), dest('v2', 0)]},
    {name: 'a', route: [dest('v1', 100), dest('v2', 0)]},
  ])
  assert.throws(() => resolveRoute(dup, {...sel, route: 'a'}), (e: unknown) => e instanceof CanaryError && e.diagnostic.code === 'CL5002')
  assert.throws(() => resolveRoute(vs([{route: [dest('v1', 100)]}]), sel), (e: unknown) => e instanceof CanaryError && e.diagnostic.code === 'CL5001')
})

test('resolveRoute: weights must be explicit, non-negative integers totalling 100', () => {
  assert.throws(() => resolveRoute(vs([{route: [dest('v1'), dest('v2', 0)]}]), sel), (e: unknown) => e instanceof CanaryError && e.diagnostic.code === 'CL5004')
  assert.throws(() => resolveRoute(vs([{route: [dest('v1', 90), dest('v2', 0)]}]), sel), (e: unknown) => e instanceof CanaryError && e.diagnostic.code === 'CL5005')
  assert.throws(() => resolveRoute(vs([{route: [dest('v1', 110), dest('v2', -10)]}]), sel), (e: unknown) => e instanceof CanaryError && e.diagnostic.code === 'CL5005')
})

test('resolveRoute: host-level split, short and fully qualified hosts are the same host', () => {
  const v = vs([{route: [{destination: {host: 'reviews-stable'}, weight: 100}, {destination: {host: 'reviews-canary.shop.svc.cluster.local'}, weight: 0}]}])
  const r = resolveRoute(v, {stable: {host: 'reviews-stable.shop.svc.cluster.local'}, canary: {host: 'reviews-canary'}, namespace: 'shop'})
  assert.deepEqual([r.stableIdx, r.canaryIdx], [0, 1])
})
