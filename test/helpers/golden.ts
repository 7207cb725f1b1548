import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {REPO_ROOT} from './paths.js'

/**
 * Compare `actual` with the golden file test/golden/<name>; UPDATE_GOLDEN=1 rewrites it.
 * A missing golden file is a failure (not silently created) unless UPDATE_GOLDEN=1.
 */
export function assertGolden(name: string, actual: string): void {
  const file = path.join(REPO_ROOT, 'test', 'golden', name)
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, actual)
    return
  }
  assert.ok(existsSync(file), `golden file test/golden/${name} is missing; run with UPDATE_GOLDEN=1 to create it`)
  assert.equal(actual, readFileSync(file, 'utf8'), `output differs from test/golden/${name} (UPDATE_GOLDEN=1 refreshes it)`)
}
