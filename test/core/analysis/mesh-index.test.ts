import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {meshIndex} from '../../../src/core/analysis/mesh-index.js'
import type {Workload} from '../../../src/core/model/inventory.js'
import {deployment, doc, inventoryOf} from './helpers.js'

// selectWorkloads answers from label indexes: a short candidate list is filtered at once, a long one
// once per distinct selector. Both must give what a plain scan of every workload gives.

describe('mesh index: selectWorkloads', () => {
  // 60 workloads: app a (40 of them, so its list is long) or b, versions v0..v2, tiers, two namespaces.
  const deployments: string[] = []
  for (let i = 0; i < 60; i++) {
    const labels: Record<string, string> = {app: i < 40 ? 'a' : 'b', version: `v${i % 3}`}
    if (i % 4 === 0) labels.tier = 'web'
    deployments.push(deployment(`w${i}`, i % 2 === 0 ? 'one' : 'two', labels))
  }
  const inv = inventoryOf(doc(...deployments))
  const idx = meshIndex(inv)

  const scan = (selector: Record<string, string>, ns: string | null): string[] =>
    inv.workloads
      .filter((w) => (ns === null || w.namespace === ns) && Object.entries(selector).every(([k, v]) => w.labels[k] === v))
      .map((w) => w.name)
  const names = (ws: readonly Workload[]): string[] => ws.map((w) => w.name)

  const selectors: Record<string, string>[] = [
    {},
    {app: 'a'},
    {app: 'a', version: 'v1'},
    {version: 'v1', app: 'a'},
    {app: 'b', version: 'v2'},
    {app: 'a', tier: 'web'},
    {app: 'a', version: 'v0', tier: 'web'},
    {app: 'a', version: 'v9'},
    {app: 'c', version: 'v1'},
    {app: 'a', zone: 'x'},
  ]

  it('gives what a scan of every workload gives, in inventory order, for any selector and namespace', () => {
    for (const sel of selectors) {
      for (const ns of [null, 'one', 'two', 'three']) {
        const got = names(idx.selectWorkloads(sel, ns))
        assert.deepEqual(got, scan(sel, ns), `${JSON.stringify(sel)} in ${ns}`)
        // asked again (memoized or not), the answer is the same
        assert.deepEqual(names(idx.selectWorkloads(sel, ns)), got)
      }
    }
  })

  it('exercises both the short-list and the long-list paths', () => {
    // app=a in namespace one: 20 candidates (long); app=b: 10 (short)
    assert.equal(scan({app: 'a'}, 'one').length, 20)
    assert.equal(scan({app: 'b'}, 'one').length, 10)
    assert.deepEqual(names(idx.selectWorkloads({app: 'a', tier: 'web'}, 'one')), scan({app: 'a', tier: 'web'}, 'one'))
    assert.deepEqual(names(idx.selectWorkloads({app: 'b', tier: 'web'}, 'one')), scan({app: 'b', tier: 'web'}, 'one'))
  })

  it('treats a non-string selector value as matching nothing', () => {
    assert.deepEqual(idx.selectWorkloads({app: 'a', version: 3 as unknown as string}, null), [])
  })
})
