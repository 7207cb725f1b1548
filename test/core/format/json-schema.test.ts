import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'
import {Ajv} from 'ajv'
import {diag} from '../../../src/core/diagnostics/catalog/index.js'
import {formatJson} from '../../../src/core/diagnostics/format/json.js'
import {REPO_ROOT} from '../../helpers/paths.js'
import {fixtureReport} from './fixture.js'

const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas/output/validate.json'), 'utf8'))
const validate = new Ajv({allErrors: true, strict: false}).compile(schema)

describe('schemas/output/validate.json', () => {
  it('accepts the -o json report, with findings with and without resource and location', () => {
    const input = fixtureReport()
    const note = diag('CL3001', {message: 'no Secret in the inputs'})
    const doc = JSON.parse(formatJson([...input.diagnostics, note], input.totals))
    assert.ok(doc.diagnostics.some((d: {resource: unknown}) => d.resource === null), 'the fixture has a resource-less note')
    assert.ok(validate(doc), JSON.stringify(validate.errors))
  })

  it('rejects reports that break the contract', () => {
    const input = fixtureReport()
    const doc = JSON.parse(formatJson(input.diagnostics, input.totals))
    assert.equal(validate({...doc, summary: {...doc.summary, infos: undefined}}), false)
    assert.equal(validate({...doc, diagnostics: [{...doc.diagnostics[0], severity: 'fatal'}]}), false)
    assert.equal(validate({...doc, diagnostics: [{...doc.diagnostics[0], extra: 1}]}), false)
  })
})
