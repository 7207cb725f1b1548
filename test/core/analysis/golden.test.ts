import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {it} from 'node:test'
import {formatText} from '../../../src/core/diagnostics/format/text.js'
import {validateSources} from '../../../src/core/validate/engine.js'
import {assertGolden} from '../../helpers/golden.js'
import {REPO_ROOT} from '../../helpers/paths.js'

const FILE = 'test/golden/validate/analysis/mesh.yaml'

it('reports every planted cross-resource mistake of the shop mesh (golden)', () => {
  const r = validateSources([{file: FILE, text: readFileSync(path.join(REPO_ROOT, FILE), 'utf8')}], {rules: []})
  const codes = new Set(r.diagnostics.map((d) => d.code))
  for (const c of ['CL3010', 'CL3012', 'CL3013', 'CL3015', 'CL3017', 'CL3016', 'CL3020', 'CL3030', 'CL3034', 'CL3070', 'CL3073', 'CL3074']) assert.ok(codes.has(c), `${c} expected`)
  assertGolden('validate/analysis/mesh.text.golden', formatText(r.diagnostics, {files: 1, resources: r.resources.length}))
})
