import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {FORMATTERS, OUTPUT_FORMATS, renderReport} from '../../../src/core/diagnostics/format/index.js'
import {escapeData, escapeProperty} from '../../../src/core/diagnostics/format/github.js'
import {assertGolden} from '../../helpers/golden.js'
import {fixtureReport} from './fixture.js'

describe('output formats', () => {
  it('maps every format name to a formatter, and each is a pure function of its input', () => {
    assert.deepEqual(Object.keys(FORMATTERS).sort(), [...OUTPUT_FORMATS].sort())
    const input = fixtureReport()
    const before = JSON.stringify(input)
    for (const f of OUTPUT_FORMATS) assert.equal(renderReport(f, input), renderReport(f, input), f)
    assert.equal(JSON.stringify(input), before, 'formatters do not mutate their input')
  })

  for (const f of OUTPUT_FORMATS) {
    it(`renders the fixture as ${f} (golden)`, () => {
      assertGolden(`validate/ci/report.${f}.golden`, renderReport(f, fixtureReport()))
    })
  }

  it('github: one workflow command per finding, with the severity mapped and values escaped', () => {
    const out = renderReport('github', fixtureReport()).trimEnd().split('\n')
    const input = fixtureReport()
    assert.equal(out.length, input.diagnostics.length + 1)
    const errors = out.filter((l) => l.startsWith('::error file=test/golden/validate/ci/mesh.yaml,line='))
    assert.equal(errors.length, input.diagnostics.filter((d) => d.severity === 'error').length)
    assert.ok(out.some((l) => l.startsWith('::notice ')), 'info becomes notice')
    assert.ok(out.some((l) => /^::warning file=[^,]+,line=\d+,col=\d+,title=CL3020 weights-not-100::/.test(l)))
    assert.equal(escapeData('50% done\r\nnext'), '50%25 done%0D%0Anext')
    assert.equal(escapeProperty('a:b,c%'), 'a%3Ab%2Cc%25')
    for (const l of out) assert.ok(!/[\r]/.test(l))
  })

  it('junit: one test case per resource, failures for findings at or above --fail-on, XML escaped', () => {
    const input = fixtureReport()
    const xml = renderReport('junit', input)
    assert.equal((xml.match(/<testcase /g) ?? []).length, input.resources!.length + 0)
    assert.match(xml, /<testsuites name="cleat validate" tests="5" failures="1" errors="0">/)
    assert.match(xml, /<testcase name="VirtualService shop\/reviews" classname="test\/golden\/validate\/ci\/mesh.yaml">\n {6}<failure type="CL30/)
    assert.ok(xml.includes('ratings&lt;&amp;&gt;'), 'markup characters are escaped')
    assert.ok(!xml.includes('ratings<&>'))
    const warningFails = renderReport('junit', {...input, failOn: 'info'})
    assert.match(warningFails, /<testsuites name="cleat validate" tests="5" failures="2"/, 'with --fail-on info, the deny-all info fails its resource too')
    assert.match(warningFails, /<testcase name="AuthorizationPolicy shop\/deny-all" classname="[^"]+">\n {6}<failure type="CL3074"/)
    assert.match(xml, /<testcase name="AuthorizationPolicy shop\/deny-all" classname="[^"]+">\n {6}<system-out>/, 'below --fail-on, findings go to system-out')
  })
})
