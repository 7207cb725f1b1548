import assert from 'node:assert/strict'
import {test} from 'node:test'
import {parseAnalysisFile} from '../../../src/core/canary/analysis-file.js'
import {renderQuery} from '../../../src/core/canary/analysis.js'
import {InputError} from '../../../src/core/errors.js'

test('a valid analysis file (YAML) parses; per-file onNoData is the default of its metrics', async () => {
  const f = await parseAnalysisFile(
    [
      'apiVersion: canary.cleat.dev/v1',
      'kind: CanaryAnalysis',
      'onNoData: fail',
      'metrics:',
      '- name: error-ratio',
      '  query: sum(rate(errors{version="{{canary}}"}[{{window}}]))',
      '  max: 0.01',
      '- name: saturation',
      '  query: max(saturation)',
      '  min: 0',
      '  max: 0.8',
      '  onNoData: pause',
    ].join('\n'),
    'a.yaml',
  )
  assert.deepEqual(
    f.metrics.map((m) => [m.name, m.min, m.max, m.onNoData]),
    [
      ['error-ratio', undefined, 0.01, 'fail'],
      ['saturation', 0, 0.8, 'pause'],
    ],
  )
  assert.equal(renderQuery(f.metrics[0]!.query, {canary: 'v2', window: '60s'}), 'sum(rate(errors{version="v2"}[60s]))')
  assert.equal(renderQuery('x{a="{{nope}}"}', {}), 'x{a="{{nope}}"}', 'unknown placeholders stay visible')
})

test('invalid analysis files are input errors naming the problem', async () => {
  const cases: [string, RegExp][] = [
    ['metrics: []', /metrics/],
    ['metrics:\n- name: a\n  query: up', /must match a schema in anyOf|min|max/],
    ['metrics:\n- name: Bad Name\n  query: up\n  max: 1', /name/],
    ['metrics:\n- name: a\n  query: up\n  max: 1\n  extra: 1', /additional/],
    ['metrics:\n- name: a\n  query: up\n  max: 1\n- name: a\n  query: up\n  max: 2', /used twice/],
    ['metrics: [', /not valid YAML/],
  ]
  for (const [text, re] of cases) await assert.rejects(parseAnalysisFile(text, 'a.yaml'), (e: unknown) => e instanceof InputError && re.test(e.message), text)
})
