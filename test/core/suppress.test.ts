import assert from 'node:assert/strict'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {InputError, UsageError} from '../../src/core/errors.js'
import {applyBaseline, buildBaseline, parseBaseline, readBaseline, writeBaseline} from '../../src/core/validate/baseline.js'
import {validateSources} from '../../src/core/validate/engine.js'
import {applySuppressions, ignoreCodes, parseSuppressRule, refineFindings} from '../../src/core/validate/suppress.js'

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
    - destination: {host: nope-a}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: legacy}
spec:
  hosts: [b]
  http:
  - route:
    - destination: {host: nope-b}
`

function run(text: string, file = 'mesh.yaml') {
  return validateSources([{file, text}], {rules: []})
}

const hostFindings = (ds: {code: string; resource: {name: string | null} | null}[]) =>
  ds.filter((d) => d.code === 'CL3010').map((d) => d.resource?.name).sort()

describe('--suppress rules', () => {
  it('parses CODE=Kind namespace/name with globs and matches CL code, name or IST code', () => {
    const r = run(MESH)
    assert.deepEqual(hostFindings(r.diagnostics), ['a', 'b'])
    for (const rule of ['CL3010=VirtualService legacy/b', 'IST0101=VirtualService legacy/*', 'destination-host-*=* legacy/b', 'CL30??=VirtualService b', 'CL3010=VirtualService {legacy,other}/b']) {
      const s = applySuppressions(r.diagnostics, {rules: [parseSuppressRule(rule)], resources: r.resources})
      assert.deepEqual(hostFindings(s.kept), ['a'], rule)
      assert.deepEqual(s.suppressed.map((x) => x.by), ['flag'], rule)
    }
    const none = applySuppressions(r.diagnostics, {rules: [parseSuppressRule('CL3010=DestinationRule */*')], resources: r.resources})
    assert.deepEqual(hostFindings(none.kept), ['a', 'b'])
    const all = applySuppressions(r.diagnostics, {rules: [parseSuppressRule('CL3010')], resources: r.resources})
    assert.deepEqual(hostFindings(all.kept), [])
  })

  it('treats a resource without namespace as namespace default, and rejects malformed rules as usage errors', () => {
    const r = run(MESH.replace('namespace: legacy', 'labels: {}'))
    const s = applySuppressions(r.diagnostics, {rules: [parseSuppressRule('CL3010=VirtualService default/b')], resources: r.resources})
    assert.deepEqual(hostFindings(s.kept), ['a'])
    assert.throws(() => parseSuppressRule('=VirtualService a'), UsageError)
    assert.throws(() => parseSuppressRule('CL3010=VirtualService a b c'), UsageError)
  })
})

describe('galley.istio.io/analyze-suppress annotation', () => {
  it('suppresses the listed IST codes (and * for every analysis finding) on that resource only', () => {
    for (const value of ['IST0101', 'IST0002, IST0101', '*', 'CL3010']) {
      const text = MESH.replace('metadata: {name: b, namespace: legacy}', `metadata: {name: b, namespace: legacy, annotations: {galley.istio.io/analyze-suppress: "${value}"}}`)
      const r = run(text)
      const s = applySuppressions(r.diagnostics, {resources: r.resources})
      assert.deepEqual(hostFindings(s.kept), ['a'], value)
      assert.equal(s.suppressed[0]!.by, 'annotation')
    }
    const other = run(MESH.replace('metadata: {name: b, namespace: legacy}', 'metadata: {name: b, namespace: legacy, annotations: {galley.istio.io/analyze-suppress: "IST0102"}}'))
    assert.deepEqual(hostFindings(applySuppressions(other.diagnostics, {resources: other.resources}).kept), ['a', 'b'])
  })
})

describe('# cleat-ignore comments', () => {
  it('reads codes from a comment line', () => {
    assert.deepEqual(ignoreCodes('# cleat-ignore CL3010 the host is created by another team'), ['CL3010'])
    assert.deepEqual(ignoreCodes('  #cleat-ignore IST0101,CL3020'), ['IST0101', 'CL3020'])
    assert.equal(ignoreCodes('# just a comment'), undefined)
  })

  it('applies to the field below, to the whole resource at its top, or at the end of the line', () => {
    const above = MESH.replace('    - destination: {host: nope-b}', '    # cleat-ignore CL3010 migrated next sprint\n    - destination: {host: nope-b}')
    const top = MESH.replace('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: b', '# cleat-ignore IST0101 legacy namespace\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: b')
    const trailing = MESH.replace('    - destination: {host: nope-b}', '    - destination: {host: nope-b} # cleat-ignore destination-host-not-found')
    for (const [name, text] of [['above', above], ['top', top], ['trailing', trailing]] as const) {
      const r = run(text)
      const s = applySuppressions(r.diagnostics, {resources: r.resources})
      assert.deepEqual(hostFindings(s.kept), ['a'], name)
      assert.equal(s.suppressed[0]!.by, 'comment', name)
    }
    const wrongCode = MESH.replace('    - destination: {host: nope-b}', '    # cleat-ignore CL3020\n    - destination: {host: nope-b}')
    const r = run(wrongCode)
    assert.deepEqual(hostFindings(applySuppressions(r.diagnostics, {resources: r.resources}).kept), ['a', 'b'])
    const notAdjacent = MESH.replace('  http:\n  - route:\n    - destination: {host: nope-b}', '  # cleat-ignore CL3010\n  hosts2: []\n  http:\n  - route:\n    - destination: {host: nope-b}')
    const r2 = run(notAdjacent)
    assert.ok(hostFindings(applySuppressions(r2.diagnostics, {resources: r2.resources}).kept).includes('b'), 'a comment only covers the line right below it')
  })
})

describe('baselines', () => {
  it('round-trips through a file and ignores line moves, but reports new findings', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-baseline-'))
    const file = path.join(dir, 'baseline.json')
    const first = run(MESH)
    assert.equal(await writeBaseline(file, first.diagnostics), first.diagnostics.length)
    const baseline = await readBaseline(file)
    assert.equal(baseline.findings.length, first.diagnostics.length)
    const moved = run('# new header\n\n' + MESH)
    assert.deepEqual(applyBaseline(moved.diagnostics, baseline).kept, [])
    const more = run(MESH.replace('{host: nope-a}', '{host: nope-a}\n  - route:\n    - destination: {host: nope-c}'))
    const kept = applyBaseline(more.diagnostics, baseline).kept
    assert.deepEqual(kept.map((d) => d.message.match(/nope-\w/)?.[0]), ['nope-c'])
    assert.match(await readFile(file, 'utf8'), /"fingerprintVersion": "cleat\/v1"/)
  })

  it('rejects unreadable or foreign baseline files as input errors (exit 65)', async () => {
    await assert.rejects(readBaseline(path.join(os.tmpdir(), 'does-not-exist-cleat.json')), InputError)
    assert.throws(() => parseBaseline('{', 'b.json'), InputError)
    assert.throws(() => parseBaseline('{"version": 2, "findings": []}', 'b.json'), InputError)
    assert.throws(() => parseBaseline(JSON.stringify({...buildBaseline([]), fingerprintVersion: 'other/v9'}), 'b.json'), InputError)
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-baseline-'))
    await writeFile(path.join(dir, 'x.json'), 'null')
    await assert.rejects(readBaseline(path.join(dir, 'x.json')), InputError)
  })

  it('refineFindings filters namespaces, then suppressions, then the baseline, and counts each', () => {
    const r = run(MESH)
    const baseline = buildBaseline(r.diagnostics.filter((d) => d.resource?.name === 'a'))
    const out = refineFindings(r.diagnostics, {resources: r.resources, namespaces: ['shop', 'legacy'], suppress: ['CL3010=* legacy/*'], baseline})
    assert.deepEqual(hostFindings(out.diagnostics), [])
    assert.equal(out.suppressedCounts.flag, 1)
    assert.equal(out.suppressedCounts.baseline, 1)
    const filtered = refineFindings(r.diagnostics, {resources: r.resources, namespaces: ['shop']})
    assert.deepEqual(hostFindings(filtered.diagnostics), ['a'])
    assert.equal(filtered.filteredOut, 1)
  })
})
