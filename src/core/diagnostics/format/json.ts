import {countBySeverity, sortDiagnostics, type Diagnostic} from '../diagnostic.js'

export interface JsonReport {
  summary: {files: number; resources: number; errors: number; warnings: number; infos: number}
  diagnostics: Diagnostic[]
}

/** The `-o json` document (schema: schemas/output/validate.json). */
export function toJsonReport(diags: readonly Diagnostic[], totals: {files: number; resources: number}): JsonReport {
  return {summary: {files: totals.files, resources: totals.resources, ...countBySeverity(diags)}, diagnostics: sortDiagnostics(diags)}
}

export function formatJson(diags: readonly Diagnostic[], totals: {files: number; resources: number}): string {
  return JSON.stringify(toJsonReport(diags, totals), null, 2) + '\n'
}
