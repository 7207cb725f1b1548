// End-to-end: colour only on a real terminal (a pseudo-terminal from util-linux `script`), never with NO_COLOR,
// and the exit code is the same for every output format.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {BIN, runBin} from '../helpers/cli-process.js'

const hasScript = spawnSync('script', ['--version']).status === 0
const dir = mkdtempSync(path.join(os.tmpdir(), 'cleat-tty-'))
const file = path.join(dir, 'pa.yaml')
writeFileSync(file, 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: STRIKT}\n')

function onTty(env) {
  const cmd = `'${process.execPath}' '${BIN}' validate '${file}'`
  const {NO_COLOR: _drop, ...base} = process.env
  return spawnSync('script', ['-qec', cmd, '/dev/null'], {env: {...base, TERM: 'xterm', ...env}, encoding: 'utf8'})
}

describe('terminal behaviour', () => {
  it('colours the text output on a TTY', {skip: !hasScript && 'util-linux script is not installed'}, () => {
    const r = onTty({})
    assert.match(r.stdout, /\x1b\[/)
    assert.match(r.stdout, /CL1003/)
  })

  it('never colours with NO_COLOR, even on a TTY', {skip: !hasScript && 'util-linux script is not installed'}, () => {
    const r = onTty({NO_COLOR: '1'})
    assert.doesNotMatch(r.stdout, /\x1b\[/)
    assert.match(r.stdout, /CL1003/)
  })

  it('does not colour when stdout is a pipe', async () => {
    const r = await runBin(['validate', file], {env: {NO_COLOR: ''}})
    assert.doesNotMatch(r.stdout, /\x1b\[/)
  })

  it('gives the same exit code for text and json, and honours --fail-on', async () => {
    const text = await runBin(['validate', file])
    const json = await runBin(['validate', file, '-o', 'json'])
    assert.equal(text.exitCode, 79)
    assert.equal(json.exitCode, 79)
    const clean = path.join(dir, 'ok.yaml')
    writeFileSync(clean, 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# only comments\n')
    assert.equal((await runBin(['validate', clean])).exitCode, 0)
    assert.equal((await runBin(['validate', clean, '--fail-on', 'info'])).exitCode, 0)
  })
})
