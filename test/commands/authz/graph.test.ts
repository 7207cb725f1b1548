import assert from 'node:assert/strict'
import path from 'node:path'
import {describe, it} from 'node:test'
import {runCli} from '../../helpers/run-command.js'
import {REPO_ROOT} from '../../helpers/paths.js'
import {assertGolden} from '../../helpers/golden.js'
import {assertSchema} from '../../core/authz/schemas.js'

const SHOP = path.join(REPO_ROOT, 'test', 'fixtures', 'authz', 'shop')

describe('cleat authz graph (command)', () => {
  for (const format of ['table', 'dot', 'mermaid', 'json']) {
    it(`-o ${format} prints the same graph as the core renderer (golden)`, async () => {
      const r = await runCli(['authz', 'graph', SHOP, '-o', format])
      assert.equal(r.exitCode, 0, r.stderr)
      assertGolden(`authz/graph/shop.${format}`, r.stdout)
    })
  }

  it('--namespace limits the callees', async () => {
    const r = await runCli(['authz', 'graph', SHOP, '--namespace', 'ops', '-o', 'json'])
    assert.equal(r.exitCode, 0)
    const g = JSON.parse(r.stdout)
    assertSchema('graph', g)
    assert.deepEqual([...new Set(g.edges.map((e: {to: string}) => e.to))], ['ops/admin-tool'])
  })

  it('rejects an unknown format (64) and an unreadable path (65)', async () => {
    assert.equal((await runCli(['authz', 'graph', SHOP, '-o', 'svg'])).exitCode, 64)
    assert.equal((await runCli(['authz', 'graph', path.join(REPO_ROOT, 'no-such-dir-for-graph')])).exitCode, 65)
  })
})
