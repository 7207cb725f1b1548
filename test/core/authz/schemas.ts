import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {newAjv} from '../../../src/core/validate/schema-registry.js'
import {REPO_ROOT} from '../../helpers/paths.js'

/** Assert a value follows one of the schemas/authz/*.json files. */
export function assertSchema(name: 'check' | 'cases' | 'cases-report' | 'graph' | 'mtls-status', value: unknown): void {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'authz', `${name}.json`), 'utf8')) as object
  const validate = newAjv().compile(schema)
  assert.ok(validate(value), `does not follow schemas/authz/${name}.json: ${JSON.stringify(validate.errors, null, 1)}`)
}
