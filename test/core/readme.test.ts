import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'
import {EXIT_CODE_TABLE} from '../../src/core/exit-codes.js'
import {REPO_ROOT} from '../helpers/paths.js'

describe('README', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')

  it('shows exactly the exit-code table of src/core/exit-codes.ts', () => {
    const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('## Findings'))
    const rows = [...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]!.replaceAll('`', '')])
    assert.deepEqual(rows, EXIT_CODE_TABLE.map((r) => [r.code, r.meaning]))
  })

  it('has a two-command quick start that runs cleat on the bundled example and the tests', () => {
    const quick = readme.slice(readme.indexOf('## Quick start'))
    const block = /```sh\n([\s\S]*?)```/.exec(quick)![1]!.trim().split('\n')
    assert.equal(block.length, 2)
    assert.match(block[0]!, /validate examples\//)
    assert.match(block[1]!, /npm test/)
  })
})
