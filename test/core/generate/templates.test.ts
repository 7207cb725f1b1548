import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {GENERATOR_KINDS, loadTemplate, toYaml} from '../../../src/core/generate/index.js'
import {validateSources} from '../../../src/core/validate/engine.js'
import {REPO_ROOT} from '../../helpers/paths.js'

describe('templates/ (data: a skeleton and a parameter schema per generator)', () => {
  for (const kind of GENERATOR_KINDS) {
    it(`${kind}: the skeleton is valid configuration on its own`, async () => {
      const text = await readFile(path.join(REPO_ROOT, 'templates', kind, 'template.yaml'), 'utf8')
      const report = validateSources([{file: `templates/${kind}/template.yaml`, text}], {analyzers: []})
      assert.deepEqual(report.diagnostics.filter((d) => d.severity === 'error'), [])
      assert.ok(report.summary.resources >= 1)
    })

    it(`${kind}: every parameter is described; flags and short flags are unique`, () => {
      const t = loadTemplate(kind)
      assert.ok(t.params.length > 0)
      const flags = t.params.flatMap((p) => (p.flag ? [p.flag] : []))
      assert.equal(new Set(flags).size, flags.length)
      const chars = t.params.flatMap((p) => (p.char ? [p.char] : []))
      assert.equal(new Set(chars).size, chars.length)
      for (const p of t.params) {
        assert.ok(p.description.length > 5, `${kind}.${p.name} has a description`)
        if (p.ask) assert.ok(p.prompt, `${kind}.${p.name} is asked for and has a prompt`)
        if (p.enum) assert.equal(p.type, 'string')
        assert.ok(!['o', 'y'].includes(p.char ?? ''), 'short flags -o and -y belong to the output flags')
      }
      for (const r of (t.schema.required as string[]) ?? []) assert.ok(t.params.some((p) => p.name === r))
    })
  }

  it('the parameter table drives the flags of a generator (one table for flags and prompts)', () => {
    const t = loadTemplate('virtualservice')
    const subset = t.params.find((p) => p.name === 'subsets')!
    assert.deepEqual({flag: subset.flag, multiple: subset.multiple, parse: subset.parse, syntax: subset.syntax}, {flag: 'subset', multiple: true, parse: 'nameWeight', syntax: 'NAME=WEIGHT'})
    const ns = t.params.find((p) => p.name === 'namespace')!
    assert.deepEqual({ask: ns.ask, default: ns.default, char: ns.char}, {ask: true, default: 'default', char: 'n'})
  })

  it('dumps YAML structurally: fixed key order, no anchors, no folding, quoted numeric keys and YAML 1.1 booleans', () => {
    const shared = {app: 'x'}
    const text = toYaml({spec: {a: shared, b: shared, long: 'x'.repeat(200), ports: {'8080': {mode: 'STRICT'}}}, metadata: {namespace: 'ns', name: 'web', labels: {enabled: 'yes'}}, kind: 'K', apiVersion: 'v1'})
    assert.equal(
      text,
      `apiVersion: v1\nkind: K\nmetadata:\n  name: web\n  namespace: ns\n  labels:\n    enabled: "yes"\nspec:\n  a:\n    app: x\n  b:\n    app: x\n  long: ${'x'.repeat(200)}\n  ports:\n    "8080":\n      mode: STRICT\n`,
    )
  })
})
