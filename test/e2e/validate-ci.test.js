// End-to-end: cleat validate as a CI step (built CLI, real child process, real temp dir).
import assert from 'node:assert/strict'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {runBin} from '../helpers/cli-process.js'

const MESH = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviewz}
`

async function repo() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-e2e-ci-'))
  await writeFile(path.join(dir, 'mesh.yaml'), MESH)
  return dir
}

describe('cleat validate in CI (end to end)', () => {
  it('-o github prints workflow commands with relative paths, exit 79', async () => {
    const cwd = await repo()
    const r = await runBin(['validate', 'mesh.yaml', '-o', 'github'], {cwd})
    assert.equal(r.exitCode, 79, r.stderr)
    assert.match(r.stdout, /^::error file=mesh\.yaml,line=13,col=\d+,title=CL3010 destination-host-not-found \(IST0101\)::destination host reviewz matches no Service or ServiceEntry \[VirtualService shop\/reviews\]$/m)
  })

  it('-o sarif --output-file writes a SARIF log; the baseline workflow turns the run green and catches new findings', async () => {
    const cwd = await repo()
    const s = await runBin(['validate', '.', '-o', 'sarif', '--output-file', 'out/cleat.sarif'], {cwd})
    assert.equal(s.exitCode, 79, s.stderr)
    assert.equal(s.stdout, '')
    const log = JSON.parse(await readFile(path.join(cwd, 'out', 'cleat.sarif'), 'utf8'))
    assert.equal(log.version, '2.1.0')
    assert.equal(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'mesh.yaml')
    const w = await runBin(['validate', '.', '--write-baseline', '.cleat-baseline.json'], {cwd})
    assert.equal(w.exitCode, 0, w.stderr)
    const green = await runBin(['validate', '.', '--baseline', '.cleat-baseline.json'], {cwd})
    assert.equal(green.exitCode, 0, green.stdout + green.stderr)
    assert.match(green.stderr, /not reported: 1 by the baseline/)
    const extra = '---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ratings, namespace: shop}\nspec:\n  hosts: [ratings]\n  http:\n  - route:\n    - destination: {host: ratingz}\n'
    await writeFile(path.join(cwd, 'mesh.yaml'), '# a new comment moves every line\n' + MESH + extra)
    const red = await runBin(['validate', '.', '--baseline', '.cleat-baseline.json', '-o', 'junit'], {cwd})
    assert.equal(red.exitCode, 79)
    assert.match(red.stdout, /<testcase name="VirtualService shop\/ratings" classname="mesh.yaml">\n {6}<failure type="CL3010"/)
    assert.match(red.stdout, /<testcase name="VirtualService shop\/reviews" classname="mesh.yaml"\/>/, 'the baselined finding stays quiet')
  })
})
