import type {Severity} from '../diagnostics/diagnostic.js'
import type {Inventory} from '../model/inventory.js'
import type {Resource} from '../model/resource.js'

export interface ReportOptions {
  /** Overrides the catalog's default severity (Istio warns where it does not reject). */
  severity?: Severity
  /** Overrides the catalog's istioCode. */
  istioCode?: string | null
}

/** What a per-resource rule reports through. `pointer` is relative to the resource root (e.g. '/spec/hosts/0'). */
export interface RuleContext {
  report(code: string, pointer: string, message: string, opts?: ReportOptions): void
}

/** A per-resource rule: Istio's validation for one kind (or a small family of checks). */
export interface Rule {
  name: string
  /** Kinds the rule applies to. */
  kinds: readonly string[]
  check(resource: Resource, ctx: RuleContext): void
}

/** What a cross-resource analyzer reports through. */
export interface AnalyzerContext {
  report(code: string, resource: Resource | null, pointer: string, message: string, opts?: ReportOptions): void
}

/** A cross-resource check over the offline inventory of all inputs. */
export interface Analyzer {
  name: string
  analyze(inventory: Inventory, ctx: AnalyzerContext): void
}
