// Robustness over Istio's own AuthorizationPolicy and PeerAuthentication files, read in place.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'
import {evaluate} from '../../../src/core/authz/evaluate.js'
import {buildAuthzGraph} from '../../../src/core/authz/graph.js'
import {loadAuthzInputs} from '../../../src/core/authz/load.js'
import {buildRequest} from '../../../src/core/authz/request.js'
import {mtlsStatus} from '../../../src/core/mtls/status.js'
import {CORPUS_DIR, corpusAvailable, corpusSkip} from '../../helpers/paths.js'

function corpusFiles(): string[] {
  if (!corpusAvailable) return []
  const out: string[] = []
  for (const dir of ['valid', 'valid-cases', 'analyzer']) {
    for (const f of readdirSync(path.join(CORPUS_DIR, dir)).sort()) {
      if (!f.endsWith('.yaml')) continue
      const file = path.join(CORPUS_DIR, dir, f)
      if (/kind: (AuthorizationPolicy|PeerAuthentication)\b/.test(readFileSync(file, 'utf8'))) out.push(file)
    }
  }
  return out
}

describe('authz and mTLS over the Istio corpus', {skip: corpusSkip}, () => {
  it('evaluates every policy of every file without failing, for mTLS and plaintext callers', async () => {
    const files = corpusFiles()
    assert.ok(files.length > 10, `only ${files.length} corpus files with security policies`)
    let evaluated = 0
    for (const file of files) {
      const inputs = await loadAuthzInputs([file], {cwd: CORPUS_DIR})
      for (const p of inputs.policies) {
        const labels = p.selector ?? {}
        for (const from of [{fromPrincipal: 'cluster.local/ns/foo/sa/sleep'}, {plaintext: true}]) {
          const {request} = buildRequest({toNamespace: p.namespace, toLabels: labels, method: 'GET', path: '/info', port: 8080, ...from})
          const d = evaluate(inputs.policies, request, inputs.inventory, {ignore: inputs.isInvalid})
          assert.ok(d.decision === 'ALLOW' || d.decision === 'DENY', file)
          const t = d.trace.find((x) => x.policy === p.id)
          assert.ok(t, `${file}: ${p.id} missing from the trace`)
          if (!p.invalid && p.targetRefs.length === 0) assert.equal(t.applies, true, `${file}: ${p.id} should apply to its own selector (${t.scope})`)
          evaluated++
        }
      }
      buildAuthzGraph(inputs.policies, inputs.inventory, {ignore: inputs.isInvalid})
      for (const row of mtlsStatus(inputs.inventory, {ignore: inputs.isInvalid})) assert.ok(['STRICT', 'PERMISSIVE', 'DISABLE'].includes(row.mode))
    }
    assert.ok(evaluated > 20, `only ${evaluated} evaluations`)
  })
})
