import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'
import fc from 'fast-check'
import {BUILTIN_ANALYZERS} from '../../../src/core/analysis/index.js'
import {parseSource} from '../../../src/core/input/documents.js'
import {buildInventory} from '../../../src/core/model/inventory.js'
import {extractResources, toResource} from '../../../src/core/model/resource.js'
import {ISTIO_KINDS} from '../../../src/core/model/kinds.js'
import {analyze} from '../../../src/core/validate/engine.js'
import {CORPUS_DIR, corpusSkip} from '../../helpers/paths.js'

describe('analyzers on malformed input', () => {
  it('never throw on any shape of spec (property test over all Istio kinds)', () => {
    const kinds = ISTIO_KINDS.map((k) => k)
    const spec = fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('hosts', 'http', 'tcp', 'tls', 'gateways', 'host', 'subsets', 'trafficPolicy', 'servers', 'selector', 'workloadSelector', 'rules', 'mtls', 'portLevelMtls', 'exportTo', 'ports', 'addresses'), fc.jsonValue()))
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...kinds), spec), {maxLength: 8}), (items) => {
        const doc = {file: 'x.yaml', index: 0, startLine: 0, text: '{}', value: {}}
        const resources = items.map(([k, s], i) => toResource({apiVersion: `${k.group}/v1`, kind: k.kind, metadata: {name: `r${i}`, namespace: 'ns'}, spec: s}, doc, ''))
        resources.push(toResource({apiVersion: 'v1', kind: 'Service', metadata: {name: 'svc', namespace: 'ns'}, spec: {selector: {app: 'a'}, ports: [{port: 80}]}}, doc, ''))
        resources.push(toResource({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 'ns', labels: {app: 'a'}}, spec: {}}, doc, ''))
        analyze(buildInventory(resources), BUILTIN_ANALYZERS)
      }),
      {numRuns: 300},
    )
  })

  it('never throw on the invalid/ cases of the Istio corpus, all read together', {skip: corpusSkip}, () => {
    const dir = path.join(CORPUS_DIR, 'invalid')
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.includes('over-1mb'))
    const docs = files.flatMap((f) => parseSource({file: f, text: readFileSync(path.join(dir, f), 'utf8')}).docs)
    const {resources} = extractResources(docs)
    assert.ok(resources.length > 300)
    const d = analyze(buildInventory(resources), BUILTIN_ANALYZERS)
    assert.ok(Array.isArray(d))
  })
})
