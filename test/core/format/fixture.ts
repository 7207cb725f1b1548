import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {ReportInput} from '../../../src/core/diagnostics/format/index.js'
import {validateSources} from '../../../src/core/validate/engine.js'
import {REPO_ROOT} from '../../helpers/paths.js'

export const FIXTURE = 'test/golden/validate/ci/mesh.yaml'

export function fixtureText(): string {
  return readFileSync(path.join(REPO_ROOT, FIXTURE), 'utf8')
}

/** The fixture validated as the CLI would (per-resource rules left out so goldens only follow analysis and formats). */
export function fixtureReport(text = fixtureText(), file = FIXTURE): ReportInput {
  const r = validateSources([{file, text}], {rules: []})
  return {diagnostics: r.diagnostics, totals: {files: 1, resources: r.resources.length}, resources: r.resources.map((x) => ({file: x.doc.file, ref: x.ref})), failOn: 'error', toolVersion: '0.0.0-test'}
}
