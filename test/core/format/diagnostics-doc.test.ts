import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {CATALOG, docUrl} from '../../../src/core/diagnostics/catalog/index.js'
import {DOC_PATH, renderDiagnosticsDoc} from '../../../scripts/gen-diagnostics-doc.js'

describe('docs/diagnostics.md', () => {
  it('is up to date with the catalog (regenerate: node --import tsx scripts/gen-diagnostics-doc.ts)', () => {
    assert.equal(readFileSync(DOC_PATH, 'utf8'), renderDiagnosticsDoc(CATALOG))
  })

  it('has a heading for every code, so each documentation link (docUrl) lands on it', () => {
    const text = renderDiagnosticsDoc(CATALOG)
    for (const e of CATALOG) {
      assert.ok(text.includes(`\n### ${e.code}\n`), e.code)
      assert.ok(docUrl(e.code).endsWith(`#${e.code.toLowerCase()}`))
      assert.ok(text.includes(e.help), `${e.code} help`)
    }
  })
})
