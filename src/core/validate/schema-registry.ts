import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'
import path from 'node:path'
import type {Ajv2020, ErrorObject, ValidateFunction} from 'ajv/dist/2020.js'
import {istioKind} from '../model/kinds.js'

/** One structural finding from a schema, relative to the validated value. */
export type SchemaError = ErrorObject

/** Validates the `spec` of one kind; returns [] when valid. */
export type SpecValidator = (spec: unknown) => readonly SchemaError[]

/** What a validator returns for a valid spec (shared, so a valid resource allocates nothing). */
export const NO_ERRORS: readonly SchemaError[] = Object.freeze([])

/** Where spec schemas come from: cleat's built-in schemas, or CRDs given with --crds. */
export interface SchemaProvider {
  /** The validator for a kind/apiVersion, or undefined when the provider has none. */
  validatorFor(kind: string, apiVersion: string): SpecValidator | undefined
  /** A short description for messages ("built-in Istio schemas", "CRDs from x.yaml"). */
  readonly description: string
}

/** Directory of the package's bundled data (`schemas/`, `templates/`), from src/ or dist/ alike. */
export function packageDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
}

/**
 * A strict ajv for JSON Schema 2020-12 with formats. ajv's compiler is loaded here, on first use:
 * validating with the precompiled built-in schemas needs only its small runtime, which keeps start-up short.
 */
export function newAjv(): Ajv2020 {
  const load = createRequire(import.meta.url)
  const {Ajv2020: AjvClass} = load('ajv/dist/2020') as {Ajv2020: typeof Ajv2020}
  const addFormats = load('ajv-formats') as ((ajv: Ajv2020) => Ajv2020) & {default?: (ajv: Ajv2020) => Ajv2020}
  const ajv = new AjvClass({allErrors: true, strict: true, allowUnionTypes: true, verbose: true, validateFormats: true})
  const applyFormats = addFormats.default ?? addFormats
  applyFormats(ajv)
  // Kubernetes OpenAPI extension keywords are annotations for us.
  for (const k of ['x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-list-map-keys']) {
    ajv.addKeyword(k)
  }
  return ajv
}

const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts')

/**
 * The build (scripts/compile-schemas.js) precompiles the bundled schemas into standalone validators in
 * dist/schemas-compiled/, so a run of the built CLI never compiles a schema. From the TypeScript sources
 * (tests, development) schemas are always compiled from schemas/istio/, so edits take effect at once.
 */
function precompiled(schemaFile: string): ValidateFunction | undefined {
  if (RUNNING_FROM_SOURCE) return undefined
  const file = path.join(packageDir(), 'dist', 'schemas-compiled', schemaFile.replace(/\.json$/, '.cjs'))
  if (!existsSync(file)) return undefined
  return createRequire(import.meta.url)(file) as ValidateFunction
}

/** cleat's own strict schemas from `schemas/istio/`, compiled lazily per kind and cached. */
export class BuiltinSchemas implements SchemaProvider {
  readonly description = "cleat's built-in Istio schemas"
  readonly #dir: string
  #ajv: Ajv2020 | undefined
  readonly #compiled = new Map<string, SpecValidator | undefined>()

  constructor(dir = path.join(packageDir(), 'schemas', 'istio')) {
    this.#dir = dir
  }

  validatorFor(kind: string): SpecValidator | undefined {
    if (this.#compiled.has(kind)) return this.#compiled.get(kind)
    const info = istioKind(kind)
    let v: SpecValidator | undefined
    const pre = info ? precompiled(info.schema) : undefined
    if (pre) {
      v = (spec) => (pre(spec) ? NO_ERRORS : (pre.errors ?? NO_ERRORS))
    } else if (info) {
      const ajv = this.#load()
      const fn = ajv.getSchema(`https://cleat.dev/schemas/istio/${info.schema}`) as ValidateFunction | undefined
      if (fn) v = (spec) => (fn(spec) ? NO_ERRORS : (fn.errors ?? NO_ERRORS))
    }
    this.#compiled.set(kind, v)
    return v
  }

  #load(): Ajv2020 {
    if (this.#ajv) return this.#ajv
    const ajv = newAjv()
    let files: string[] = []
    try {
      files = readdirSync(this.#dir).filter((f) => f.endsWith('.json')).sort()
    } catch {
      files = []
    }
    for (const f of files) ajv.addSchema(JSON.parse(readFileSync(path.join(this.#dir, f), 'utf8')) as object)
    this.#ajv = ajv
    return ajv
  }
}
