import type {Diagnostic, ResourceRef, Severity} from '../diagnostic.js'
import {ANALYSIS_CODES} from './analysis.js'
import {AUTHZ_CODES} from './authz.js'
import {CANARY_CODES} from './canary.js'
import {GENERATE_CODES} from './generate.js'
import {INPUT_CODES} from './input.js'
import {RULE_CODES} from './rules.js'
import {SCHEMA_CODES} from './schema.js'
import type {CatalogEntry} from './types.js'
import {VM_CODES} from './vm.js'

export type {CatalogEntry} from './types.js'

/** The whole catalog, ordered by code. */
export const CATALOG: readonly CatalogEntry[] = [
  ...INPUT_CODES,
  ...SCHEMA_CODES,
  ...RULE_CODES,
  ...ANALYSIS_CODES,
  ...VM_CODES,
  ...CANARY_CODES,
  ...AUTHZ_CODES,
  ...GENERATE_CODES,
].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))

const BY_CODE = new Map(CATALOG.map((e) => [e.code, e]))

export type DiagnosticCode = (typeof CATALOG)[number]['code']

export function catalogEntry(code: string): CatalogEntry {
  const e = BY_CODE.get(code)
  if (!e) throw new Error(`diagnostic code ${code} is not in the catalog`)
  return e
}

/** Documentation link of a code (the README's catalog section). */
export function docUrl(code: string): string {
  return `https://github.com/cleat-dev/cleat/blob/main/docs/diagnostics.md#${code.toLowerCase()}`
}

export interface DiagnosticInit {
  message: string
  severity?: Severity
  file?: string | null
  line?: number | null
  column?: number | null
  resource?: ResourceRef | null
  path?: string | null
  istioCode?: string | null
}

/** Build a Diagnostic from a catalog code; severity and istioCode default to the catalog's. */
export function diag(code: string, init: DiagnosticInit): Diagnostic {
  const e = catalogEntry(code)
  return {
    code: e.code,
    istioCode: init.istioCode === undefined ? e.istioCode : init.istioCode,
    severity: init.severity ?? e.severity,
    message: init.message,
    file: init.file ?? null,
    line: init.line ?? null,
    column: init.column ?? null,
    resource: init.resource ?? null,
    path: init.path ?? null,
  }
}
