#!/usr/bin/env node
// Build step: precompile the bundled Istio spec schemas (schemas/istio/*.json) into standalone ajv
// validators (CommonJS, loaded synchronously), so `cleat validate` does not compile schemas at start-up.
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Ajv2020} from 'ajv/dist/2020.js'
import standaloneCode from 'ajv/dist/standalone/index.js'
import addFormats from 'ajv-formats'
import {_} from 'ajv'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const schemaDir = path.join(root, 'schemas', 'istio')
const outDir = path.join(root, 'dist', 'schemas-compiled')
mkdirSync(outDir, {recursive: true})

const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
  verbose: true,
  code: {source: true, formats: _`require("ajv-formats/dist/formats").fullFormats`},
})
addFormats.default(ajv)
for (const k of ['x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-list-map-keys']) ajv.addKeyword(k)

const files = readdirSync(schemaDir).filter((f) => f.endsWith('.json')).sort()
const schemas = files.map((f) => JSON.parse(readFileSync(path.join(schemaDir, f), 'utf8')))
for (const s of schemas) ajv.addSchema(s)
let n = 0
for (const f of files) {
  if (f === 'common.json') continue
  const id = `https://cleat.dev/schemas/istio/${f}`
  const fn = ajv.getSchema(id)
  if (!fn) continue
  writeFileSync(path.join(outDir, f.replace(/\.json$/, '.cjs')), standaloneCode(ajv, fn))
  n++
}
console.log(`compiled ${n} schemas into dist/schemas-compiled`)
