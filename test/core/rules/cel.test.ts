import {test} from 'node:test'
import assert from 'node:assert/strict'
import {builtinCelRules, CelRuleSet, compileCel} from '../../../src/core/validate/cel.js'
import {ISTIO_KINDS} from '../../../src/core/model/kinds.js'

test('the built-in CEL rule data covers the 10 kinds and every expression compiles', () => {
  const rules = builtinCelRules()
  for (const k of ISTIO_KINDS) {
    const set = rules.get(k.kind)
    assert.ok(set && set.size > 0, `${k.kind} has CEL rules`)
    assert.deepEqual(set.compileErrors(), [], `${k.kind} rules compile`)
  }
})

test('CelRuleSet applies rules at list items, map values and maps, with JSON pointers', () => {
  const set = new CelRuleSet([
    {path: '/spec/ports/*/number', rule: '0 < self && self <= 65535', message: 'port range'},
    {path: '/spec/labels/{}', rule: '!self.contains("*")', message: 'no wildcard'},
    {path: '/spec/labels', rule: 'self.all(k, k.size() != 0)', message: 'no empty key'},
    {path: '/spec', rule: '!has(self.endpoints) || !has(self.selector)', message: 'exclusive'},
    {path: '/spec/url', rule: 'url(self).getScheme() in ["http", "https"]', message: 'scheme'},
    {path: '/spec/timeout', rule: "duration(self) >= duration('1ms')", message: 'duration'},
  ])
  const found = set.evaluate({spec: {
    ports: [{number: 80}, {number: 70000}],
    labels: {'a/b': 'x*', '': 'y'},
    endpoints: [],
    selector: null,
    url: 'ftp://example.com',
    timeout: 'not-a-duration',
  }})
  const byPointer = Object.fromEntries(found.map((f) => [f.pointer, f.message]))
  assert.equal(byPointer['/spec/ports/1/number'], 'port range')
  assert.equal(byPointer['/spec/labels/a~1b'], 'no wildcard', 'map keys are escaped in the pointer')
  assert.equal(byPointer['/spec/labels'], 'no empty key')
  assert.equal(byPointer['/spec/url'], 'scheme')
  assert.match(byPointer['/spec/timeout'] ?? '', /^duration \(.+\)$/, 'an evaluation error fails the rule and says why')
  assert.equal(byPointer['/spec'], undefined, 'a null field counts as unset for has()')
  assert.equal(found.length, 5)
  // Memoised scalar verdicts give the same answer the second time.
  assert.deepEqual(set.evaluate({spec: {ports: [{number: 70000}]}}).map((f) => f.pointer), ['/spec/ports/0/number'])
})

test('compileCel caches programs and returns syntax errors instead of throwing', () => {
  assert.equal(compileCel('self > 1'), compileCel('self > 1'))
  assert.ok(compileCel('self >') instanceof Error)
})
