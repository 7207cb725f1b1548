import {readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js'
import addFormatsImport from 'ajv-formats'
import {loadAll} from 'js-yaml'
import {InputError} from '../errors.js'
import {splitApiVersion} from '../model/kinds.js'
import {CelRuleSet, recordCelFindings, type CelRuleSpec} from './cel.js'
import {BuiltinSchemas, NO_ERRORS, type SchemaError, type SchemaProvider, type SpecValidator} from './schema-registry.js'

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020

/** CRD schemas are written for the API server, not for ajv's strict mode (e.g. `required` inside oneOf branches). */
function crdAjv(): Ajv2020 {
  const ajv = new Ajv2020({allErrors: true, strict: false, allowUnionTypes: true, verbose: true, validateFormats: true})
  addFormats(ajv)
  return ajv
}

type Json = Record<string, unknown>

/** One served version of a CRD, converted for ajv, with its CEL rules. */
interface CrdVersion {
  validate: ValidateFunction
  cel: CelRuleSet
}

interface CrdInfo {
  name: string
  file: string
  group: string
  kind: string
  versions: Map<string, CrdVersion>
}

/** Schema provider built from CustomResourceDefinitions (`--crds FILE|DIR`). */
export interface CrdSchemaProvider extends SchemaProvider {
  /** Kinds the CRDs define (`group/Kind`). */
  readonly kinds: readonly string[]
  /** Things worth telling the user once (CEL rules that could not be compiled and were skipped). */
  readonly notes: readonly string[]
}

const FORMATS_KEPT = new Set(['byte', 'date-time', 'int32', 'int64'])
const KEYWORDS_KEPT = ['enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'required', 'multipleOf'] as const

/**
 * Read CRDs (files or directories of .yaml/.yml/.json; `kubectl get crd -o yaml` output, `kind: List`,
 * multi-document release files) and build a SchemaProvider from their served versions'
 * openAPIV3Schema (the `spec` part), checked as strictly as the API server's strict field validation,
 * plus their CEL rules (x-kubernetes-validations). Kinds the CRDs do not define fall back to cleat's
 * built-in schemas. Unreadable or unusable files throw InputError (exit 65).
 */
export async function loadCrdSchemaProvider(paths: readonly string[], cwd: string): Promise<CrdSchemaProvider> {
  if (paths.length === 0) throw new InputError('--crds needs a file or directory of CustomResourceDefinitions')
  const files: string[] = []
  for (const p of paths) {
    const abs = path.resolve(cwd, p)
    const st = await stat(abs).catch(() => undefined)
    if (!st) throw new InputError(`--crds: ${p} does not exist`)
    if (st.isDirectory()) {
      const found = await walk(abs)
      if (found.length === 0) throw new InputError(`--crds: directory ${p} holds no .yaml, .yml or .json files`)
      files.push(...found)
    } else files.push(abs)
  }
  const crds: CrdInfo[] = []
  const notes: string[] = []
  const ajv = crdAjv()
  const compiled = new Map<string, ValidateFunction>()
  for (const file of files) {
    const shown = path.relative(cwd, file) || file
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (e) {
      throw new InputError(`--crds: cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    let docs: unknown[]
    try {
      docs = loadAll(text)
    } catch (e) {
      throw new InputError(`--crds: ${shown} is not valid YAML: ${(e as Error).message.split('\n')[0]}`)
    }
    for (const doc of flatten(docs)) {
      if (doc.kind !== 'CustomResourceDefinition') continue
      crds.push(readCrd(doc, shown, ajv, compiled, notes))
    }
  }
  if (crds.length === 0) throw new InputError(`--crds: no CustomResourceDefinition found in ${paths.join(', ')}`, ['pass the output of "kubectl get crd -o yaml" or an Istio release CRD file'])
  const byKind = new Map<string, CrdInfo>()
  for (const c of crds) byKind.set(`${c.group}/${c.kind}`, c)
  const fallback = new BuiltinSchemas()
  const validators = new Map<string, SpecValidator | undefined>()
  const description = `CRDs from ${paths.join(', ')}`
  return {
    description,
    kinds: [...byKind.keys()].sort(),
    notes,
    validatorFor(kind: string, apiVersion: string): SpecValidator | undefined {
      const key = `${kind} ${apiVersion}`
      if (validators.has(key)) return validators.get(key)
      const {group, version} = splitApiVersion(apiVersion)
      const crd = byKind.get(`${group}/${kind}`)
      let v: SpecValidator | undefined
      if (!crd) v = fallback.validatorFor(kind)
      else {
        const ver = crd.versions.get(version)
        if (!ver) {
          const served = [...crd.versions.keys()].join(', ')
          const err = {keyword: 'x-cleat-served', instancePath: '', schemaPath: '#', params: {}, message: `cannot be checked: ${apiVersion} is not served by CRD ${crd.name} (${crd.file}); it serves ${served || 'no version'}`} as SchemaError
          v = () => [err]
        } else {
          v = (spec: unknown) => {
            const ok = ver.validate(spec)
            if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) recordCelFindings(spec, ver.cel.evaluate({spec}))
            return ok ? NO_ERRORS : (ver.validate.errors ?? NO_ERRORS)
          }
        }
      }
      validators.set(key, v)
      return v
    },
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  const entries = await readdir(dir, {withFileTypes: true})
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(p)
  }
  return out
}

function isJson(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function flatten(docs: readonly unknown[]): Json[] {
  const out: Json[] = []
  for (const d of docs) {
    if (!isJson(d)) continue
    if (typeof d.kind === 'string' && d.kind.endsWith('List') && Array.isArray(d.items)) out.push(...flatten(d.items))
    else out.push(d)
  }
  return out
}

function readCrd(doc: Json, file: string, ajv: Ajv2020, compiled: Map<string, ValidateFunction>, notes: string[]): CrdInfo {
  const meta = isJson(doc.metadata) ? doc.metadata : {}
  const name = typeof meta.name === 'string' ? meta.name : '(unnamed)'
  const where = `CRD ${name} in ${file}`
  if (doc.apiVersion !== 'apiextensions.k8s.io/v1') throw new InputError(`--crds: ${where} uses ${String(doc.apiVersion)}; only apiextensions.k8s.io/v1 CRDs are supported`)
  const spec = isJson(doc.spec) ? doc.spec : undefined
  const names = isJson(spec?.names) ? spec.names : undefined
  if (!spec || typeof spec.group !== 'string' || !names || typeof names.kind !== 'string' || !Array.isArray(spec.versions)) {
    throw new InputError(`--crds: ${where} is incomplete (it needs spec.group, spec.names.kind and spec.versions)`)
  }
  const info: CrdInfo = {name, file, group: spec.group, kind: names.kind, versions: new Map()}
  for (const ver of spec.versions) {
    if (!isJson(ver) || typeof ver.name !== 'string') throw new InputError(`--crds: ${where} has a version without a name`)
    if (ver.served === false) continue
    const root = isJson(ver.schema) && isJson(ver.schema.openAPIV3Schema) ? ver.schema.openAPIV3Schema : undefined
    if (!root) throw new InputError(`--crds: ${where}, version ${ver.name}, has no schema.openAPIV3Schema`)
    const specSchema = isJson(root.properties) && isJson(root.properties.spec) ? root.properties.spec : {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}
    const rules: CelRuleSpec[] = []
    let converted: Json
    try {
      converted = convert(specSchema, false, '/spec', rules)
    } catch (e) {
      throw new InputError(`--crds: ${where}, version ${ver.name}: ${(e as Error).message}`)
    }
    const text = JSON.stringify(converted)
    let validate = compiled.get(text)
    if (!validate) {
      try {
        validate = ajv.compile(converted)
      } catch (e) {
        throw new InputError(`--crds: ${where}, version ${ver.name}: the schema cannot be used: ${(e as Error).message}`)
      }
      compiled.set(text, validate)
    }
    const cel = new CelRuleSet(rules)
    for (const bad of cel.compileErrors()) notes.push(`${where}: CEL rule skipped (${bad.error}): ${bad.rule}`)
    info.versions.set(ver.name, {validate, cel})
  }
  return info
}

/**
 * Kubernetes structural schema → JSON Schema for ajv: objects reject unknown fields unless
 * x-kubernetes-preserve-unknown-fields; nullable adds null; int-or-string accepts both. CEL rules
 * are collected with the pointer pattern of their node.
 */
function convert(s: Json, inCombinator: boolean, at: string, rules: CelRuleSpec[]): Json {
  const out: Json = {}
  const nullable = s.nullable === true
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true
  if (s['x-kubernetes-int-or-string'] === true) {
    out.anyOf = nullable ? [{type: 'integer'}, {type: 'string'}, {type: 'null'}] : [{type: 'integer'}, {type: 'string'}]
  } else if (typeof s.type === 'string') out.type = nullable ? [s.type, 'null'] : s.type
  for (const k of KEYWORDS_KEPT) if (s[k] !== undefined) out[k] = s[k]
  if (Array.isArray(out.enum) && nullable && !out.enum.includes(null)) out.enum = [...out.enum, null]
  if (typeof s.format === 'string' && FORMATS_KEPT.has(s.format) && s.type === 'string') out.format = s.format
  for (const [bool, num] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (s[bool] === true && typeof s[num] === 'number') {
      out[bool] = s[num]
      delete out[num]
    } else if (typeof s[bool] === 'number') out[bool] = s[bool]
  }
  if (isJson(s.properties)) {
    const props: Json = {}
    for (const [k, v] of Object.entries(s.properties)) if (isJson(v)) props[k] = convert(v, inCombinator, `${at}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`, rules)
    out.properties = props
  }
  if (isJson(s.items)) out.items = convert(s.items, inCombinator, `${at}/*`, rules)
  if (isJson(s.additionalProperties)) out.additionalProperties = convert(s.additionalProperties, inCombinator, `${at}/{}`, rules)
  else if (s.additionalProperties === true || preserve) {
    // unknown fields are kept
  } else if (!inCombinator && s.type === 'object') out.additionalProperties = false
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = s[k]
    if (Array.isArray(list)) {
      const conv = list.filter(isJson).map((x) => convert(x, true, at, []))
      if (k === 'anyOf' && out.anyOf) out.allOf = [...((out.allOf as Json[] | undefined) ?? []), {anyOf: conv}]
      else out[k] = conv
    }
  }
  if (isJson(s.not)) out.not = convert(s.not, true, at, [])
  const validations = s['x-kubernetes-validations']
  if (Array.isArray(validations)) {
    for (const v of validations) {
      if (!isJson(v) || typeof v.rule !== 'string') continue
      if (/\boldSelf\b/.test(v.rule)) continue
      const message = typeof v.message === 'string' && v.message !== '' ? v.message : `failed rule: ${v.rule}`
      rules.push({path: at, rule: v.rule, message})
    }
  }
  return out
}
