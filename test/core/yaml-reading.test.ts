// How cleat reads YAML: the core-schema scalar types (one dispatch instead of four resolvers) must give
// exactly js-yaml's CORE_SCHEMA values, and the text bound that lets a file skip the depth/alias walk
// must never let a too-deep document through.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import * as jsYaml from 'js-yaml'
import {CORE_SCHEMA, dump, load, type Type} from 'js-yaml'
import {boundedByText, MAX_DEPTH, parseSource} from '../../src/core/input/documents.js'
import {YAML_SCHEMA} from '../../src/core/input/yaml-schema.js'

const REFERENCE = CORE_SCHEMA.extend({implicit: [(jsYaml as unknown as {types: {merge: Type}}).types.merge]})

/** Both schemas' reading of a text: the value, or the error message. */
function both(text: string): [unknown, unknown] {
  const read = (schema: typeof REFERENCE) => {
    try {
      return {value: load(text, {schema})}
    } catch (e) {
      return {error: (e as Error).message}
    }
  }
  return [read(YAML_SCHEMA), read(REFERENCE)]
}

describe('core-schema scalars', () => {
  const scalars = [
    '', '~', 'null', 'Null', 'NULL', 'nULL', 'nil', 'none', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n',
    '0', '-0', '+0', '7', '-7', '+7', '012', '0o17', '0o8', '0x1F', '0xg', '0b101', '1_000', '1__0', '-', '+', '.', '..',
    '1.5', '-1.5', '+.5', '.5', '1e3', '1.0e+3', '-1E-3', '1_0.5', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', '.nAn', '1.2.3', '1:30',
    '2024-01-02', '2024-01-02T10:00:00Z', 'v1', 'reviews', '<<', '<', '=', 'tru', 'nulll', 'fals', '9.9.9.9', '-x', '+x', '0.', '-.', '1e', 'e1',
  ]
  for (const s of scalars) {
    it(`reads ${JSON.stringify(s)} as a plain value and as a key as the core schema does`, () => {
      const [fast, ref] = both(`v: ${s}\n${s || '""'}: k\n`)
      assert.deepEqual(fast, ref)
    })
  }

  it('keeps quoted scalars strings, explicit tags, merge keys and typed keys', () => {
    const texts = [
      'a: "1"\nb: \'true\'\nc: "null"\n',
      'a: !!int "3"\nb: !!float "1"\nc: !!bool "true"\nd: !!null ""\ne: !!str 5\n',
      'base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n',
      'm:\n  <<: [{a: 1}, {b: 2}]\n',
      '1: a\ntrue: b\nnull: c\n0x10: d\n.5: e\n',
      'list: [1, two, 3.0, ~, false, .inf]\n',
      'a: !!int "x"\n',
    ]
    for (const t of texts) {
      const [fast, ref] = both(t)
      assert.deepEqual(fast, ref, t)
    }
    assert.deepEqual(both('m:\n  <<: {a: 1}\n')[0], {value: {m: {a: 1}}})
  })

  it('agrees with the core schema on 3,000 random short scalars', () => {
    const alphabet = ['0', '1', '9', '-', '+', '.', '_', 'e', 'E', 'x', 'o', 'b', 'n', 'N', 't', 'T', 'f', 'F', 'a', 'l', 'u', 'r', 's', 'i', '~', '<', ':', 'I']
    let seed = 11
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n)
    let typed = 0
    for (let i = 0; i < 3000; i++) {
      const s = Array.from({length: 1 + rnd(6)}, () => alphabet[rnd(alphabet.length)]).join('')
      const [fast, ref] = both(`v: ${s}\n`)
      assert.deepEqual(fast, ref, s)
      const v = (ref as {value?: {v?: unknown}}).value?.v
      if (v !== undefined && typeof v !== 'string') typed++
    }
    // the sample must exercise the typed branches, not only strings
    assert.ok(typed >= 200, `only ${typed} typed values`)
  })
})

/** Object nesting depth as measure() counts it: the root object is 0. */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return -1
  const kids = Object.values(v as object)
  return 1 + Math.max(-1, ...kids.map(depthOf))
}

/** n nested collections; `shape` picks a mapping (m) or a sequence (s) per level, cycling. */
function nested(n: number, shape: string): unknown {
  let v: unknown = 'leaf'
  for (let i = n - 1; i >= 0; i--) v = shape[i % shape.length] === 'm' ? {k: v} : [v]
  return v
}

describe('skipping the depth and alias walk when the text bounds it', () => {
  it('still refuses every document deeper than MAX_DEPTH, whatever its layout', () => {
    const styles: jsYaml.DumpOptions[] = [
      {indent: 1},
      {indent: 1, noArrayIndent: true},
      {indent: 2},
      {indent: 1, flowLevel: 150},
      {indent: 1, flowLevel: 180},
      {indent: 2, flowLevel: 30},
      {flowLevel: 0},
    ]
    let refused = 0
    let skipped = 0
    for (const shape of ['m', 's', 'ms', 'sm', 'mms']) {
      for (const n of [10, 30, 45, 60, 100, 150, 190, 200, 201, 202, 203, 240]) {
        const value = nested(n, shape)
        for (const style of styles) {
          const text = dump({root: value}, {...style, lineWidth: -1})
          const deep = depthOf(load(text)) > MAX_DEPTH
          if (boundedByText(text)) {
            skipped++
            assert.ok(!deep, `bound let through ${shape} ${n} ${JSON.stringify(style)}`)
          }
          const r = parseSource({file: 'd.yaml', text})
          assert.equal(r.diagnostics.some((d) => d.code === 'CL0005'), deep, `${shape} ${n} ${JSON.stringify(style)}`)
          if (deep) refused++
        }
      }
    }
    assert.ok(refused > 50 && skipped > 20, `refused ${refused}, skipped ${skipped}`)
  })

  it('refuses compact, flow and CR-only layouts that nest too deep', () => {
    const texts = [
      '- '.repeat(MAX_DEPTH + 5) + 'x\n',
      'a: ' + '['.repeat(MAX_DEPTH + 5) + ']'.repeat(MAX_DEPTH + 5) + '\n',
      'a: ' + '{k: '.repeat(MAX_DEPTH + 5) + '1' + '}'.repeat(MAX_DEPTH + 5) + '\n',
      Array.from({length: MAX_DEPTH + 5}, (_, i) => ' '.repeat(i) + 'k:').join('\r') + ' 1\r',
      '\ufeff' + Array.from({length: MAX_DEPTH + 5}, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1\n',
    ]
    for (const text of texts) {
      assert.equal(boundedByText(text), false, JSON.stringify(text.slice(0, 30)))
      assert.equal(parseSource({file: 'd.yaml', text}).diagnostics[0]?.code, 'CL0005', JSON.stringify(text.slice(0, 30)))
    }
  })

  it('takes the shortcut for an ordinary manifest, not for one with anchors', () => {
    const manifest = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  http:\n  - route:\n    - destination: {host: r}\n'
    assert.equal(boundedByText(manifest), true)
    assert.equal(boundedByText(manifest + 'x: &a 1\ny: *a\n'), false)
  })
})
