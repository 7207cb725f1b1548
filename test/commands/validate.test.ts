import assert from 'node:assert/strict'
import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {runCli} from '../helpers/run-command.js'

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-validate-'))
  const f = path.join(dir, name)
  await writeFile(f, text)
  return f
}

const BAD_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  htp: []
`

describe('cleat validate (command)', () => {
  it('reports an unknown field with its location and exits 79', async () => {
    const f = await tempFile('vs.yaml', BAD_VS)
    const r = await runCli(['validate', f, '--no-color'])
    assert.equal(r.exitCode, 79)
    assert.match(r.stdout, new RegExp(`${f.replaceAll('.', '\\.')}:8:3 error CL1001 unknown field 'htp'`))
  })

  it('prints the JSON report and the same exit code with -o json', async () => {
    const f = await tempFile('vs.yaml', BAD_VS)
    const r = await runCli(['validate', f, '-o', 'json'])
    assert.equal(r.exitCode, 79)
    const out = JSON.parse(r.stdout)
    const d = out.diagnostics.find((x: {code: string}) => x.code === 'CL1001')
    assert.deepEqual({line: d.line, column: d.column, path: d.path}, {line: 8, column: 3, path: '/spec/htp'})
    assert.equal(out.summary.errors, out.diagnostics.filter((x: {severity: string}) => x.severity === 'error').length)
  })

  it('exits 64 on an unknown flag and 65 on a missing file', async () => {
    assert.equal((await runCli(['validate', 'x.yaml', '--bogus'])).exitCode, 64)
    const missing = await runCli(['validate', path.join(os.tmpdir(), 'cleat-does-not-exist.yaml')])
    assert.equal(missing.exitCode, 65)
    assert.match(missing.stdout, /CL0002/)
  })
})
