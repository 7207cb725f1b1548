import {BUILTIN_ANALYZERS} from '../analysis/index.js'
import {catalogEntry, diag} from '../diagnostics/catalog/index.js'
import {countBySeverity, type Diagnostic} from '../diagnostics/diagnostic.js'
import {parseSource, type ParsedDoc} from '../input/documents.js'
import {Locator} from '../input/locate.js'
import type {Source} from '../input/sources.js'
import {ISTIO_GROUPS, istioKind, splitApiVersion} from '../model/kinds.js'
import {buildInventory, type Inventory, type InventoryOptions} from '../model/inventory.js'
import {extractResources, type Resource} from '../model/resource.js'
import {checkMetadata} from './metadata.js'
import {BUILTIN_RULES} from './rules/index.js'
import {BuiltinSchemas, type SchemaProvider} from './schema-registry.js'
import {translateSchemaErrors} from './schema-errors.js'
import type {Analyzer, AnalyzerContext, ReportOptions, Rule, RuleContext} from './types.js'

export interface EngineOptions extends InventoryOptions {
  /** Spec schemas (default: cleat's built-in ones). */
  schemas?: SchemaProvider
  /** Per-resource rules (default: Istio's validation rules). Pass [] for schema-only validation. */
  rules?: readonly Rule[]
  /** Cross-resource analyzers (default: all). Pass [] to skip analysis. */
  analyzers?: readonly Analyzer[]
}

export interface ValidationSummary {
  files: number
  resources: number
  errors: number
  warnings: number
  infos: number
}

export interface ValidationReport {
  diagnostics: Diagnostic[]
  resources: Resource[]
  inventory: Inventory
  summary: ValidationSummary
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status'])

let defaultSchemas: BuiltinSchemas | undefined

/** The shared built-in schema provider (compiled lazily, once per process). */
export function builtinSchemas(): BuiltinSchemas {
  defaultSchemas ??= new BuiltinSchemas()
  return defaultSchemas
}

/**
 * Validate sources: parse every document, check each Istio resource against its schema and Istio's
 * rules, then run cross-resource analysis over the inventory of all inputs. Pure apart from reading
 * the bundled schema files once.
 */
export function validateSources(sources: readonly Source[], opts: EngineOptions = {}): ValidationReport {
  const docs: ParsedDoc[] = []
  const diagnostics: Diagnostic[] = []
  for (const src of sources) {
    const parsed = parseSource(src)
    for (const d of parsed.docs) docs.push(d)
    for (const d of parsed.diagnostics) diagnostics.push(d)
  }
  const extracted = extractResources(docs)
  diagnostics.push(...extracted.diagnostics)
  const resources = extracted.resources
  diagnostics.push(...validateResources(resources, opts))
  const inventory = buildInventory(resources, opts)
  diagnostics.push(...analyze(inventory, opts.analyzers ?? BUILTIN_ANALYZERS))
  const counts = countBySeverity(diagnostics)
  return {
    diagnostics,
    resources,
    inventory,
    summary: {files: sources.length, resources: resources.length, ...counts},
  }
}

/** Per-resource checks (envelope, metadata, schema, rules) for every resource. */
export function validateResources(resources: readonly Resource[], opts: EngineOptions = {}): Diagnostic[] {
  const schemas = opts.schemas ?? builtinSchemas()
  const rules = opts.rules ?? BUILTIN_RULES
  const locator = new Locator()
  const out: Diagnostic[] = []
  for (const r of resources) {
    const report = reporter(r, locator, out)
    const ctx: RuleContext = {report}
    if (!r.apiVersion || !r.kind) {
      report('CL0007', '', `${!r.apiVersion ? 'apiVersion' : 'kind'} is missing`)
      continue
    }
    const {group, version} = splitApiVersion(r.apiVersion)
    if (!ISTIO_GROUPS.has(group)) continue
    const info = istioKind(r.kind)
    if (!info || info.group !== group) {
      if (info && info.group !== group) report('CL0010', '/apiVersion', `${r.kind} belongs to ${info.group}, not ${group}`)
      else report('CL0009', '/kind', `${r.kind} (${r.apiVersion}) is not a kind cleat validates; counted only`)
      continue
    }
    if (!info.versions.includes(version)) {
      report('CL0010', '/apiVersion', `${r.kind} is not served as ${r.apiVersion}; use ${info.versions.map((v) => `${group}/${v}`).join(', ')}`)
      continue
    }
    for (const key in r.obj) {
      if (!TOP_LEVEL.has(key)) report('CL1001', `/${key}`, `unknown top-level field '${key}' (allowed: apiVersion, kind, metadata, spec, status)`)
    }
    checkMetadata(r, ctx)
    const before = out.length
    const validator = schemas.validatorFor(r.kind, r.apiVersion)
    if (validator) {
      const spec = r.obj.spec ?? {}
      const errors = validator(spec)
      if (errors.length > 0) for (const f of translateSchemaErrors(errors, 'spec')) report(f.code, `/spec${f.pointer}`, f.message)
    }
    const schemaFailed = out.length > before
    for (const rule of rulesFor(rules, r.kind)) {
      try {
        rule.check(r, ctx)
      } catch (e) {
        // A rule may trip over a value the schema already rejected; otherwise it is our bug.
        if (!schemaFailed) throw e
      }
    }
  }
  return out
}

const rulesByKind = new WeakMap<readonly Rule[], Map<string, readonly Rule[]>>()

/** The rules of a rule set that apply to a kind, in their order (computed once per set and kind). */
function rulesFor(rules: readonly Rule[], kind: string): readonly Rule[] {
  let byKind = rulesByKind.get(rules)
  if (!byKind) rulesByKind.set(rules, (byKind = new Map()))
  let list = byKind.get(kind)
  if (!list) byKind.set(kind, (list = rules.filter((rule) => rule.kinds.includes(kind))))
  return list
}

function reporter(r: Resource, locator: Locator, out: Diagnostic[]) {
  return (code: string, pointer: string, message: string, opts: ReportOptions = {}): void => {
    out.push(located(r, locator, code, pointer, message, opts))
  }
}

function located(r: Resource, locator: Locator, code: string, pointer: string, message: string, opts: ReportOptions): Diagnostic {
  const full = r.pointer + pointer
  const pos = locator.locate(r.doc, full)
  return diag(code, {
    message,
    severity: opts.severity ?? catalogEntry(code).severity,
    istioCode: opts.istioCode,
    file: r.doc.file,
    line: pos.line,
    column: pos.column,
    resource: r.ref,
    path: pointer,
  })
}

/** Run cross-resource analyzers; each finding is located like a rule's. */
export function analyze(inventory: Inventory, analyzers: readonly Analyzer[]): Diagnostic[] {
  const out: Diagnostic[] = []
  const locator = new Locator()
  const ctx: AnalyzerContext = {
    report(code, resource, pointer, message, opts = {}) {
      if (resource) out.push(located(resource, locator, code, pointer, message, opts))
      else out.push(diag(code, {message, severity: opts.severity, istioCode: opts.istioCode}))
    },
  }
  for (const a of analyzers) a.analyze(inventory, ctx)
  return out
}
