import {BUILTIN_ANALYZERS} from '../analysis/index.js'
import {catalogEntry, diag} from '../diagnostics/catalog/index.js'
import {countBySeverity, type Diagnostic} from '../diagnostics/diagnostic.js'
import {parseSource} from '../input/documents.js'
import {Locator} from '../input/locate.js'
import type {Source} from '../input/sources.js'
import {ISTIO_GROUPS, istioKind, splitApiVersion} from '../model/kinds.js'
import {buildInventory, type Inventory, type InventoryOptions} from '../model/inventory.js'
import {extractResources, type Resource} from '../model/resource.js'
import {checkMetadata} from './metadata.js'
import {BUILTIN_RULES} from './rules/index.js'
import {BuiltinSchemas, type SchemaProvider, type SpecValidator} from './schema-registry.js'
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
  const readDiagnostics: Diagnostic[] = []
  const extractDiagnostics: Diagnostic[] = []
  const resources: Resource[] = []
  const check = resourceChecker(opts)
  // File by file: each file's resources are checked right after it is read, while its documents are
  // still in the CPU's cache. The findings keep the order of the phases (read, extract, checks).
  for (const src of sources) {
    const parsed = parseSource(src)
    for (const d of parsed.diagnostics) readDiagnostics.push(d)
    const extracted = extractResources(parsed.docs)
    for (const d of extracted.diagnostics) extractDiagnostics.push(d)
    for (const r of extracted.resources) resources.push(r)
    check.run(extracted.resources)
  }
  const diagnostics = readDiagnostics.concat(extractDiagnostics, check.diagnostics)
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

/** What the per-resource checks do with one kind/apiVersion pair (the same for every resource of it). */
type Plan =
  | {readonly step: 'skip'}
  | {readonly step: 'report'; readonly code: string; readonly pointer: string; readonly message: string}
  | {readonly step: 'check'; readonly validator: SpecValidator | undefined; readonly rules: readonly Rule[]}

const SKIP: Plan = {step: 'skip'}

function planFor(kind: string, apiVersion: string, schemas: SchemaProvider, rules: readonly Rule[]): Plan {
  const {group, version} = splitApiVersion(apiVersion)
  if (!ISTIO_GROUPS.has(group)) return SKIP
  const info = istioKind(kind)
  if (!info) return {step: 'report', code: 'CL0009', pointer: '/kind', message: `${kind} (${apiVersion}) is not a kind cleat validates; counted only`}
  if (info.group !== group) return {step: 'report', code: 'CL0010', pointer: '/apiVersion', message: `${kind} belongs to ${info.group}, not ${group}`}
  if (!info.versions.includes(version)) {
    return {step: 'report', code: 'CL0010', pointer: '/apiVersion', message: `${kind} is not served as ${apiVersion}; use ${info.versions.map((v) => `${group}/${v}`).join(', ')}`}
  }
  return {step: 'check', validator: schemas.validatorFor(kind, apiVersion), rules: rules.filter((rule) => rule.kinds.includes(kind))}
}

/** Per-resource checks (envelope, metadata, schema, rules) for every resource. */
export function validateResources(resources: readonly Resource[], opts: EngineOptions = {}): Diagnostic[] {
  const check = resourceChecker(opts)
  check.run(resources)
  return check.diagnostics
}

interface ResourceChecker {
  /** Check these resources; findings are appended to `diagnostics`. */
  run(resources: readonly Resource[]): void
  readonly diagnostics: Diagnostic[]
}

/** The per-resource checks, as a checker that can be fed resources in batches (one per file). */
function resourceChecker(opts: EngineOptions): ResourceChecker {
  const schemas = opts.schemas ?? builtinSchemas()
  const rules = opts.rules ?? BUILTIN_RULES
  const locator = new Locator()
  const out: Diagnostic[] = []
  // One context for every resource: rules run synchronously, one resource at a time.
  let current!: Resource
  const ctx: RuleContext = {
    report(code, pointer, message, o = {}) {
      out.push(located(current, locator, code, pointer, message, o))
    },
  }
  // kind → apiVersion → plan: the envelope decisions, schema and rule list are looked up once per pair.
  const plans = new Map<string, Map<string, Plan>>()
  function run(resources: readonly Resource[]): void {
    for (const r of resources) {
      current = r
      if (!r.apiVersion || !r.kind) {
        ctx.report('CL0007', '', `${!r.apiVersion ? 'apiVersion' : 'kind'} is missing`)
        continue
      }
      let byVersion = plans.get(r.kind)
      if (!byVersion) plans.set(r.kind, (byVersion = new Map()))
      let plan = byVersion.get(r.apiVersion)
      if (!plan) byVersion.set(r.apiVersion, (plan = planFor(r.kind, r.apiVersion, schemas, rules)))
      if (plan.step === 'skip') continue
      if (plan.step === 'report') {
        ctx.report(plan.code, plan.pointer, plan.message)
        continue
      }
      for (const key in r.obj) {
        if (!TOP_LEVEL.has(key)) ctx.report('CL1001', `/${key}`, `unknown top-level field '${key}' (allowed: apiVersion, kind, metadata, spec, status)`)
      }
      checkMetadata(r, ctx)
      const before = out.length
      if (plan.validator) {
        const errors = plan.validator(r.obj.spec ?? {})
        if (errors.length > 0) for (const f of translateSchemaErrors(errors, 'spec')) ctx.report(f.code, `/spec${f.pointer}`, f.message)
      }
      const schemaFailed = out.length > before
      for (const rule of plan.rules) {
        try {
          rule.check(r, ctx)
        } catch (e) {
          // A rule may trip over a value the schema already rejected; otherwise it is our bug.
          if (!schemaFailed) throw e
        }
      }
    }
  }
  return {run, diagnostics: out}
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
