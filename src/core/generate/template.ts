import {readFileSync} from 'node:fs'
import path from 'node:path'
import {load} from 'js-yaml'
import type {Ajv2020, ValidateFunction} from 'ajv/dist/2020.js'
import {isObj, type Obj} from '../model/resource.js'
import {newAjv, packageDir} from '../validate/schema-registry.js'

/** The generators cleat has; each has a directory templates/<kind>/ (skeleton + parameter schema). */
export const GENERATOR_KINDS = ['namespace', 'workload', 'virtualservice', 'destinationrule', 'authorizationpolicy', 'peerauthentication', 'zero-trust'] as const
export type GeneratorKind = (typeof GENERATOR_KINDS)[number]

/** Generators with a command of their own (the others exist in spec files only). */
export const COMMAND_KINDS = ['virtualservice', 'destinationrule', 'authorizationpolicy', 'peerauthentication', 'zero-trust'] as const satisfies readonly GeneratorKind[]

export function isGeneratorKind(s: string): s is GeneratorKind {
  return (GENERATOR_KINDS as readonly string[]).includes(s)
}

/** How a flag's text becomes a parameter value (see values.ts). */
export type ParserName = 'string' | 'int' | 'intCsv' | 'csv' | 'bool' | 'nameWeight' | 'hostWeight' | 'keyValue' | 'subsetLabels' | 'portMode' | 'allowRule'

/** Parameters of a generator: structured values, as in a spec file. */
export type Params = Record<string, unknown>

/** One parameter of a generator, read from its JSON Schema property and the property's `x-cleat` annotation. */
export interface ParamSpec {
  name: string
  description: string
  type: 'string' | 'integer' | 'boolean' | 'array' | 'object'
  enum?: readonly string[]
  /** Long flag name (without --); undefined for parameters only spec files set. */
  flag?: string
  char?: string
  multiple: boolean
  parse: ParserName
  /** Shown in help and messages: NAME=WEIGHT. */
  syntax?: string
  /** Asked for (and required) when missing, subject to `when`/`unless`. */
  ask: boolean
  when?: Readonly<Record<string, unknown>>
  unless?: Readonly<Record<string, unknown>>
  prompt?: string
  /** Literal default (schema `default`, or x-cleat `default`). */
  default?: unknown
  /** Derived default: 'name' (another parameter) or 'selectorValues'. */
  defaultFrom?: string
  /** Fixed value when another parameter has a value: {"denyAll": "deny-all"}; "$param" names another parameter. */
  defaultWhen?: Readonly<Record<string, unknown>>
  /** How a list is asked: one comma-separated answer, or one answer per item. */
  promptList: 'csv' | 'loop'
}

export interface Template {
  kind: GeneratorKind
  title: string
  description: string
  /** The YAML skeleton's documents (valid resources on their own). */
  skeleton: Obj[]
  /** The parameter JSON Schema. */
  schema: Obj
  params: ParamSpec[]
}

interface XCleat {
  flag?: string
  char?: string
  multiple?: boolean
  parse?: ParserName
  syntax?: string
  ask?: boolean
  when?: Record<string, unknown>
  unless?: Record<string, unknown>
  prompt?: string
  default?: unknown
  defaultFrom?: string
  defaultWhen?: Record<string, unknown>
  promptList?: 'csv' | 'loop'
}

export function templatesDir(): string {
  return path.join(packageDir(), 'templates')
}

const cache = new Map<GeneratorKind, Template>()

/** Read templates/<kind>/ (template.yaml and params.schema.json). Synchronous: command flags are built from it at import. */
export function loadTemplate(kind: GeneratorKind): Template {
  const hit = cache.get(kind)
  if (hit) return hit
  const dir = path.join(templatesDir(), kind)
  const schema = JSON.parse(readFileSync(path.join(dir, 'params.schema.json'), 'utf8')) as Obj
  const skeletonText = readFileSync(path.join(dir, 'template.yaml'), 'utf8')
  const skeleton = skeletonText
    .split(/^---[ \t]*$/m)
    .map((t) => load(t))
    .filter(isObj)
  const props = (schema.properties ?? {}) as Record<string, Obj>
  const params: ParamSpec[] = Object.entries(props).map(([name, prop]) => paramSpec(name, prop))
  const t: Template = {kind, title: String(schema.title ?? kind), description: String(schema.description ?? ''), skeleton, schema, params}
  cache.set(kind, t)
  return t
}

function paramSpec(name: string, prop: Obj): ParamSpec {
  const x = (prop['x-cleat'] ?? {}) as XCleat
  const type = String(prop.type) as ParamSpec['type']
  const parse: ParserName = x.parse ?? (type === 'boolean' ? 'bool' : type === 'integer' ? 'int' : 'string')
  return {
    name,
    description: String(prop.description ?? name),
    type,
    enum: Array.isArray(prop.enum) ? (prop.enum as string[]) : undefined,
    flag: x.flag,
    char: x.char,
    multiple: x.multiple ?? false,
    parse,
    syntax: x.syntax ?? (Array.isArray(prop.enum) ? (prop.enum as string[]).join('|') : x.flag && parse !== 'bool' ? x.flag.toUpperCase().replaceAll('-', '_') : undefined),
    ask: x.ask ?? false,
    when: x.when,
    unless: x.unless,
    prompt: x.prompt,
    default: x.default ?? prop.default,
    defaultFrom: x.defaultFrom,
    defaultWhen: x.defaultWhen,
    promptList: x.promptList ?? 'csv',
  }
}

/** The parameter with a given flag name. */
export function paramByFlag(t: Template, flag: string): ParamSpec | undefined {
  return t.params.find((p) => p.flag === flag)
}

let ajv: Ajv2020 | undefined

/** One ajv instance with every parameter schema and the spec-file schemas (compiled lazily). */
export function generateAjv(): Ajv2020 {
  if (ajv) return ajv
  const a = newAjv()
  a.addKeyword('x-cleat')
  a.addKeyword('x-cleat-check')
  for (const kind of GENERATOR_KINDS) a.addSchema(loadTemplate(kind).schema)
  const specDir = path.join(packageDir(), 'schemas', 'spec')
  for (const f of ['spec.json', 'graph.json']) a.addSchema(JSON.parse(readFileSync(path.join(specDir, f), 'utf8')) as Obj)
  ajv = a
  return a
}

export function paramsValidator(kind: GeneratorKind): ValidateFunction {
  return generateAjv().getSchema(`https://cleat.dev/templates/${kind}/params.schema.json`) as ValidateFunction
}

export function specValidator(name: 'spec' | 'graph'): ValidateFunction {
  return generateAjv().getSchema(`https://cleat.dev/schemas/spec/${name}.json`) as ValidateFunction
}
