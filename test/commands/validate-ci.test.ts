import assert from 'node:assert/strict'
import {mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {runCli} from '../helpers/run-command.js'
import {CORPUS_DIR, corpusSkip} from '../helpers/paths.js'

const MESH = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: shop}
spec:
  hosts: [a]
  http:
  - route:
    - destination: {host: nope}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: w, namespace: blog}
spec:
  hosts: [w]
  http:
  - route:
    - destination: {host: reviews.shop.svc.cluster.local}
      weight: 50
`

async function mesh(text = MESH): Promise<{dir: string; file: string}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-validate-ci-'))
  const file = path.join(dir, 'mesh.yaml')
  await writeFile(file, text)
  return {dir, file}
}

describe('cleat validate: CI formats and suppression (command)', () => {
  it('the exit code does not depend on -o', async () => {
    const {file} = await mesh()
    for (const o of ['text', 'json', 'sarif', 'junit', 'github']) {
      const r = await runCli(['validate', file, '-o', o, '--no-color'])
      assert.equal(r.exitCode, 79, o)
      const w = await runCli(['validate', file, '-o', o, '--suppress', 'CL3010'])
      assert.equal(w.exitCode, 0, `${o} without the error`)
      const ww = await runCli(['validate', file, '-o', o, '--suppress', 'CL3010', '--fail-on', 'warning'])
      assert.equal(ww.exitCode, 79, `${o} --fail-on warning`)
    }
  })

  it('-o sarif and -o github print their formats', async () => {
    const {file} = await mesh()
    const s = await runCli(['validate', file, '-o', 'sarif'])
    const log = JSON.parse(s.stdout)
    assert.equal(log.version, '2.1.0')
    assert.ok(log.runs[0].results.some((r: {ruleId: string}) => r.ruleId === 'CL3010'))
    const g = await runCli(['validate', file, '-o', 'github'])
    assert.match(g.stdout, /^::error file=[^,]+mesh\.yaml,line=13,col=\d+,title=CL3010 destination-host-not-found \(IST0101\)::destination host nope/m)
  })

  it('--output-file writes the report atomically and keeps stdout empty', async () => {
    const {dir, file} = await mesh()
    const out = path.join(dir, 'reports', 'cleat.junit.xml')
    const r = await runCli(['validate', file, '-o', 'junit', '--output-file', out])
    assert.equal(r.exitCode, 79)
    assert.equal(r.stdout, '')
    assert.match(await readFile(out, 'utf8'), /<testsuites name="cleat validate" tests="3" failures="1"/)
    const again = await runCli(['validate', file, '-o', 'json', '--output-file', out])
    assert.equal(again.exitCode, 79)
    assert.equal(JSON.parse(await readFile(out, 'utf8')).summary.errors, 1, 'an existing report is replaced')
    assert.deepEqual((await readdir(path.dirname(out))).filter((f) => f.endsWith('.tmp')), [])
  })

  it('-n filters the findings by namespace', async () => {
    const {file} = await mesh()
    const r = await runCli(['validate', file, '-o', 'json', '-n', 'blog'])
    const out = JSON.parse(r.stdout)
    assert.deepEqual(out.diagnostics.map((d: {code: string}) => d.code), ['CL3021'])
    assert.equal(r.exitCode, 0)
    assert.match(r.stderr, /not reported: 1 outside the selected namespaces/)
  })

  it('--write-baseline records findings and exits 0; --baseline then only fails on new findings', async () => {
    const {dir, file} = await mesh()
    const baseline = path.join(dir, '.cleat-baseline.json')
    const w = await runCli(['validate', file, '--write-baseline', baseline])
    assert.equal(w.exitCode, 0)
    assert.match(w.stderr, /baseline: 2 finding\(s\) recorded/)
    const same = await runCli(['validate', file, '--baseline', baseline, '-o', 'json'])
    assert.equal(same.exitCode, 0)
    assert.equal(JSON.parse(same.stdout).diagnostics.length, 0)
    await writeFile(file, '# moved down\n' + MESH + '---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: c, namespace: shop}\nspec:\n  hosts: [c]\n  http:\n  - route:\n    - destination: {host: nope2}\n')
    const newer = await runCli(['validate', file, '--baseline', baseline, '-o', 'json'])
    assert.equal(newer.exitCode, 79)
    assert.deepEqual(JSON.parse(newer.stdout).diagnostics.map((d: {message: string}) => d.message.match(/nope\d?/)?.[0]), ['nope2'])
  })

  it('bad suppression rules are usage errors (64); a missing baseline is an input error (65)', async () => {
    const {dir, file} = await mesh()
    const bad = await runCli(['validate', file, '--suppress', '=VirtualService x'])
    assert.equal(bad.exitCode, 64)
    assert.match(bad.stderr, /--suppress '=VirtualService x': the code is missing/)
    const missing = await runCli(['validate', file, '--baseline', path.join(dir, 'nope.json')])
    assert.equal(missing.exitCode, 65)
    assert.match(missing.stderr, /cannot read baseline/)
    const badFormat = await runCli(['validate', file, '-o', 'xml'])
    assert.equal(badFormat.exitCode, 64)
  })

  it('--crds validates against the given CustomResourceDefinitions; a missing path is an input error (65)', {skip: corpusSkip}, async () => {
    const crds = path.join(CORPUS_DIR, 'crds', 'istio-crds.yaml')
    const {dir, file} = await mesh(MESH.replace('  hosts: [a]', '  hosts: [a]\n  notAField: 1'))
    const r = await runCli(['validate', file, '--crds', crds, '-o', 'json'])
    assert.equal(r.exitCode, 79)
    const codes = JSON.parse(r.stdout).diagnostics.map((d: {code: string; path: string}) => `${d.code} ${d.path}`)
    assert.ok(codes.some((c: string) => c.endsWith(' /spec/notAField')), codes.join('\n'))
    const missing = await runCli(['validate', file, '--crds', path.join(dir, 'none')])
    assert.equal(missing.exitCode, 65)
    assert.match(missing.stderr, /--crds: .* does not exist/)
  })
})
