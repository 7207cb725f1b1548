import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import type {ParsedDoc} from '../input/documents.js'
import {Locator} from '../input/locate.js'
import {isObj, type Obj} from '../model/resource.js'
import {displayPath, translateSchemaErrors} from '../validate/schema-errors.js'
import {runChecks} from './checks.js'
import {describeObject} from './format.js'
import {guardResources} from './guard.js'
import {GENERATORS} from './registry.js'
import {generateAjv, loadTemplate, paramsValidator, type GeneratorKind, type ParamSpec, type Params, type Template} from './template.js'
import type {Problem} from './values.js'

/** Where a request's values came from, to say where a problem is. */
export type Origin = {source: 'flags'} | {source: 'spec'; doc: ParsedDoc; locator: Locator; /** JSON pointer of the entry in the spec document. */ base: string}

export interface GenerateRequest {
  kind: GeneratorKind
  /** Resolved parameters (defaults filled in). */
  params: Params
  origin: Origin
}

export interface GenerateResult {
  resources: Obj[]
  /** Errors: when there are any, nothing may be written. */
  errors: Diagnostic[]
  /** Warnings and notes from validating the output. */
  notes: Diagnostic[]
}

/** `--subset` for a parameter pointer like '/subsets/1/weight' (flags), or the spec field path. */
function subject(t: Template, origin: Origin, pointer: string): string {
  if (origin.source === 'spec') return displayPath('', origin.base + pointer).replace(/^\./, '')
  const name = pointer.split('/')[1] ?? ''
  const p = t.params.find((x) => x.name === name)
  return p?.flag ? `--${p.flag}` : name || t.kind
}

/** A Diagnostic for a problem, located at the flag or at the spec file's line and column. */
export function locateProblem(t: Template, origin: Origin, pr: Problem): Diagnostic {
  const message = `${subject(t, origin, pr.pointer)}: ${pr.message}`
  if (origin.source === 'flags') return diag(pr.code, {message, path: pr.pointer})
  const pointer = origin.base + pr.pointer
  const pos = origin.locator.locate(origin.doc, pointer)
  return diag(pr.code, {message, file: origin.doc.file, line: pos.line, column: pos.column, path: pointer})
}

/** How a missing parameter is named: `--name (VirtualService name)` or the spec field. */
export function describeMissing(p: ParamSpec, origin: Origin, def?: unknown): string {
  const head = origin.source === 'flags' && p.flag ? `--${p.flag}${p.syntax ? ` ${p.syntax}` : ''}` : `'${p.name}'`
  const d = def === undefined ? '' : ` [-y uses ${JSON.stringify(Array.isArray(def) ? def.join(',') : def)}]`
  return `${head}: ${p.description}${d}`
}

/** Schema, syntax and cross-field problems of resolved parameters. */
export function checkParams(kind: GeneratorKind, params: Params, schemaCode = 'CL7006'): Problem[] {
  const t = loadTemplate(kind)
  const validate = paramsValidator(kind)
  const problems: Problem[] = []
  const schemaOk = validate(params)
  if (!schemaOk) {
    for (const f of translateSchemaErrors(validate.errors ?? [], '')) {
      problems.push({code: f.code === 'CL1004' ? 'CL7001' : schemaCode, pointer: f.pointer, message: f.message.replace(/^\(document\)(: )?/, '')})
    }
  }
  problems.push(...runChecks(t.schema, params))
  // Cross-field checks assume schema-valid values.
  if (schemaOk) problems.push(...GENERATORS[kind].check(params))
  return problems
}

/** Problems of one parameter's value on its own (for prompt answers). */
export function checkParamValue(kind: GeneratorKind, name: string, value: unknown): Problem[] {
  const t = loadTemplate(kind)
  const prop = (t.schema.properties as Record<string, Obj>)[name]
  if (!prop) return []
  const validate = paramsValidator(kind)
  const sub = generateAjv().getSchema(`${String(validate.schema && (validate.schema as Obj).$id)}#/properties/${name}`)
  const problems: Problem[] = []
  if (sub && !sub(value)) for (const f of translateSchemaErrors(sub.errors ?? [], name)) problems.push({code: 'CL7006', pointer: `/${name}${f.pointer}`, message: f.message})
  problems.push(...runChecks(prop, value, `/${name}`))
  return problems
}

/**
 * Check, render and validate a batch of requests. Pure apart from reading the bundled templates and
 * schemas: returns the resources in request order, or the errors that prevent writing any of them.
 */
export function generateResources(requests: readonly GenerateRequest[]): GenerateResult {
  const errors: Diagnostic[] = []
  const resources: Obj[] = []
  const seen = new Map<string, number>()
  requests.forEach((req, i) => {
    const t = loadTemplate(req.kind)
    const problems = checkParams(req.kind, req.params, req.origin.source === 'spec' ? 'CL7011' : 'CL7006')
    if (problems.length) {
      errors.push(...problems.map((p) => locateProblem(t, req.origin, p)))
      return
    }
    for (const o of GENERATORS[req.kind].render(req.params, t.skeleton)) {
      const key = describeObject(o)
      const first = seen.get(key)
      if (first !== undefined && first !== i) {
        errors.push(locateProblem(t, req.origin, {code: 'CL7008', pointer: '', message: `${key} is also generated by entry ${first + 1}; names must be unique per kind and namespace`}))
      }
      seen.set(key, i)
      resources.push(o)
    }
  })
  if (errors.length) return {resources: [], errors, notes: []}
  const guard = guardResources(resources)
  return {resources: guard.errors.length ? [] : resources, errors: guard.errors, notes: guard.notes}
}

export function isObjParams(v: unknown): v is Params {
  return isObj(v)
}
