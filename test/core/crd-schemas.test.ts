// --crds: loadCrdSchemaProvider reads CRDs from real temp files and validates through the real engine.
// The small CRD below is written for this test (a cut-down WorkloadEntry); the last test also loads
// the corpus' Istio CRD file in place when ../shared/istio-corpus is present.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {dump} from 'js-yaml'
import {InputError} from '../../src/core/errors.js'
import {EXIT} from '../../src/core/exit-codes.js'
import {loadCrdSchemaProvider} from '../../src/core/validate/crd-schemas.js'
import {validateSources} from '../../src/core/validate/engine.js'
import type {Diagnostic} from '../../src/core/diagnostics/diagnostic.js'
import {CORPUS_DIR, corpusSkip} from '../helpers/paths.js'

const specSchema = {
  type: 'object',
  'x-kubernetes-validations': [{rule: "!has(self.address) || !self.address.startsWith('192.168.')", message: 'addresses in 192.168.0.0/16 are reserved here'}],
  properties: {
    address: {type: 'string', maxLength: 64},
    ports: {type: 'object', additionalProperties: {type: 'integer', maximum: 65535, 'x-kubernetes-validations': [{rule: 'self > 1024', message: 'only unprivileged ports'}]}},
    weight: {'x-kubernetes-int-or-string': true},
    network: {type: 'string', nullable: true},
    extra: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true},
    mode: {type: 'string', enum: ['A', 'B']},
  },
}

function crd(versions: {name: string; served?: boolean}[], schema: object = specSchema): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {name: 'workloadentries.networking.istio.io'},
    spec: {
      group: 'networking.istio.io',
      names: {kind: 'WorkloadEntry', plural: 'workloadentries'},
      scope: 'Namespaced',
      versions: versions.map((v) => ({name: v.name, served: v.served ?? true, storage: v.name === 'v1', schema: {openAPIV3Schema: {type: 'object', properties: {spec: schema}}}})),
    },
  }
}

async function tmp(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'cleat-crds-'))
}

function we(spec: unknown, apiVersion = 'networking.istio.io/v1'): string {
  return dump({apiVersion, kind: 'WorkloadEntry', metadata: {name: 'vm1', namespace: 'shop'}, spec})
}

function errorsOf(ds: readonly Diagnostic[]): string[] {
  return ds.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.path}`)
}

test('CRD schema: strict unknown fields, nullable, int-or-string, preserve-unknown, enum, CEL', async () => {
  const dir = await tmp()
  await writeFile(path.join(dir, 'crd.yaml'), dump(crd([{name: 'v1'}, {name: 'v1beta1'}, {name: 'v1alpha3', served: false}])))
  const schemas = await loadCrdSchemaProvider(['crd.yaml'], dir)
  assert.deepEqual(schemas.kinds, ['networking.istio.io/WorkloadEntry'])
  assert.match(schemas.description, /crd\.yaml/)
  const run = (text: string) => validateSources([{file: 'we.yaml', text}], {schemas, analyzers: []}).diagnostics

  assert.deepEqual(errorsOf(run(we({address: '10.0.0.1', ports: {http: 8080}, weight: 5, network: null, extra: {anything: {goes: 1}}, mode: 'A'}))), [])
  assert.deepEqual(errorsOf(run(we({address: '10.0.0.1', weight: '50%'}))), [])
  assert.deepEqual(errorsOf(run(we({address: '10.0.0.1', adress: 'typo'}))), ['CL1001 /spec/adress'])
  assert.ok(errorsOf(run(we({address: '10.0.0.1', weight: true}))).some((e) => e.endsWith('/spec/weight')), 'int-or-string rejects a boolean')
  assert.deepEqual(errorsOf(run(we({address: '10.0.0.1', mode: 'C'}))), ['CL1003 /spec/mode'])
  const cel = run(we({address: '192.168.1.1', ports: {http: 80}}))
  assert.deepEqual(errorsOf(cel).sort(), ['CL2000 /spec', 'CL2000 /spec/ports/http'])
  assert.match(cel.find((d) => d.path === '/spec')!.message, /reserved here/, "the CRD's own message is shown")
  assert.ok(cel.every((d) => d.line !== null), 'CEL findings are located')

  // v1beta1 is served, v1alpha3 is not.
  assert.deepEqual(errorsOf(run(we({address: '10.0.0.1'}, 'networking.istio.io/v1beta1'))), [])
  const unserved = run(we({address: '10.0.0.1'}, 'networking.istio.io/v1alpha3'))
  assert.ok(unserved.some((d) => d.severity === 'error' && /not served/.test(d.message)), 'an unserved version is reported')

  // Kinds the CRDs do not define fall back to the built-in schemas and rules.
  const vs = dump({apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'x'}, spec: {hosts: ['a.example.com'], htp: []}})
  assert.deepEqual(errorsOf(run(vs)).filter((e) => e.startsWith('CL1001')), ['CL1001 /spec/htp'])
})

test('--crds reads directories, kind: List and multi-document files', async () => {
  const dir = await tmp()
  await mkdir(path.join(dir, 'nested'))
  await writeFile(path.join(dir, 'nested', 'list.yml'), dump({apiVersion: 'v1', kind: 'List', items: [crd([{name: 'v1'}])]}))
  await writeFile(path.join(dir, 'notes.txt'), 'ignored: not a YAML file name')
  const schemas = await loadCrdSchemaProvider(['.'], dir)
  assert.deepEqual(schemas.kinds, ['networking.istio.io/WorkloadEntry'])
  const file = path.join(dir, 'multi.yaml')
  await writeFile(file, [dump({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'x'}}), dump(crd([{name: 'v1'}]))].join('---\n'))
  assert.deepEqual((await loadCrdSchemaProvider([file], os.tmpdir())).kinds, ['networking.istio.io/WorkloadEntry'])
})

test('bad --crds inputs are InputErrors (exit 65) with a clear message', async () => {
  const dir = await tmp()
  const expectInput = async (paths: string[], pattern: RegExp) => {
    await assert.rejects(loadCrdSchemaProvider(paths, dir), (e: unknown) => {
      assert.ok(e instanceof InputError, `InputError, got ${String(e)}`)
      assert.equal(e.exitCode, EXIT.INPUT)
      assert.match(e.message, pattern)
      return true
    })
  }
  await expectInput([], /needs a file or directory/)
  await expectInput(['missing.yaml'], /missing\.yaml does not exist/)
  await writeFile(path.join(dir, 'broken.yaml'), 'a: [unclosed\n')
  await expectInput(['broken.yaml'], /broken\.yaml is not valid YAML/)
  await writeFile(path.join(dir, 'none.yaml'), dump({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}}))
  await expectInput(['none.yaml'], /no CustomResourceDefinition found/)
  await writeFile(path.join(dir, 'old.yaml'), dump({...crd([{name: 'v1'}]), apiVersion: 'apiextensions.k8s.io/v1beta1'}))
  await expectInput(['old.yaml'], /only apiextensions\.k8s\.io\/v1/)
  const noSchema = crd([{name: 'v1'}]) as {spec: {versions: {schema?: unknown}[]}}
  delete noSchema.spec.versions[0]!.schema
  await writeFile(path.join(dir, 'noschema.yaml'), dump(noSchema))
  await expectInput(['noschema.yaml'], /has no schema\.openAPIV3Schema/)
  await mkdir(path.join(dir, 'empty'))
  await expectInput(['empty'], /holds no \.yaml/)
})

test('a CEL rule the library cannot compile is skipped and noted', async () => {
  const dir = await tmp()
  const schema = {...specSchema, 'x-kubernetes-validations': [{rule: 'self.address.noSuchFunction()', message: 'x'}, {rule: 'self.address.startsWith(', message: 'y'}]}
  await writeFile(path.join(dir, 'crd.yaml'), dump(crd([{name: 'v1'}], schema)))
  const schemas = await loadCrdSchemaProvider(['crd.yaml'], dir)
  assert.ok(schemas.notes.length >= 1, 'the broken rule is noted')
  assert.ok(schemas.notes.every((n) => /CEL rule skipped/.test(n)))
})

test('the corpus Istio CRD file works as --crds', {skip: corpusSkip}, async () => {
  const schemas = await loadCrdSchemaProvider(['crds/istio-crds.yaml'], CORPUS_DIR)
  assert.equal(schemas.kinds.length, 10)
  assert.deepEqual(schemas.notes, [], 'every CEL rule of the Istio CRDs compiles')
  const expected = JSON.parse(await readFile(path.join(CORPUS_DIR, 'invalid', 'expected.json'), 'utf8')) as {file: string; layer: string}[]
  let caught = 0
  let crdLayer = 0
  for (const c of expected) {
    const text = await readFile(path.join(CORPUS_DIR, 'invalid', c.file), 'utf8')
    const ds = validateSources([{file: c.file, text}], {schemas, analyzers: []}).diagnostics
    if (ds.some((d) => d.severity === 'error')) caught++
    if (c.layer.startsWith('crd-schema')) {
      // The OpenAPI part of the CRD alone (no rules, so no CEL and no webhook rules):
      const crdOnly = validateSources([{file: c.file, text}], {schemas, analyzers: [], rules: []}).diagnostics
      if (crdOnly.some((d) => d.severity === 'error')) crdLayer++
    }
  }
  console.log(`with --crds: ${caught}/${expected.length} invalid/ cases reported`)
  assert.ok(caught / expected.length >= 0.97)
  assert.ok(crdLayer > 0)
})
