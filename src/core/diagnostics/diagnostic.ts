/**
 * The one finding type of cleat. Every check anywhere (schema, Istio rules,
 * cross-resource analysis, generators, VM bundles, canary preflight, authz)
 * returns Diagnostics, and every output format is a pure function of a list of them.
 */
export type Severity = 'error' | 'warning' | 'info'

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info']

export interface ResourceRef {
  apiVersion: string | null
  kind: string | null
  namespace: string | null
  name: string | null
}

export interface Diagnostic {
  /** Our stable code, documented in the catalog (e.g. CL1001). */
  code: string
  /** The IST code of the equivalent Istio analyzer message, or null. */
  istioCode: string | null
  severity: Severity
  message: string
  /** File as given by the user (relative paths stay relative), `-` for stdin, null when not file-bound. */
  file: string | null
  /** 1-based line and column of the offending key or value (for a missing field: its parent). */
  line: number | null
  column: number | null
  resource: ResourceRef | null
  /** JSON pointer (RFC 6901) of the field inside the resource, '' for the whole resource. */
  path: string | null
}

const RANK: Record<Severity, number> = {error: 3, warning: 2, info: 1}

export function severityRank(s: Severity): number {
  return RANK[s]
}

export function isAtOrAbove(d: Pick<Diagnostic, 'severity'>, threshold: Severity): boolean {
  return RANK[d.severity] >= RANK[threshold]
}

export function parseSeverity(s: string): Severity | undefined {
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : undefined
}

export interface SeverityCounts {
  errors: number
  warnings: number
  infos: number
}

export function countBySeverity(diags: readonly Diagnostic[]): SeverityCounts {
  const c: SeverityCounts = {errors: 0, warnings: 0, infos: 0}
  for (const d of diags) {
    if (d.severity === 'error') c.errors++
    else if (d.severity === 'warning') c.warnings++
    else c.infos++
  }
  return c
}

/** Stable order: file, line, column, severity (errors first), code, message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    RANK[b.severity] - RANK[a.severity] ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  )
}

export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(compareDiagnostics)
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** `Kind namespace/name` (or `Kind name` without a namespace), as Istio's analyzers print a resource. */
export function formatResource(r: ResourceRef | null): string {
  if (!r) return ''
  const name = r.name ?? '<unnamed>'
  return `${r.kind ?? '<no kind>'} ${r.namespace ? `${r.namespace}/` : ''}${name}`
}

/** Escape one JSON pointer segment (RFC 6901). */
export function pointerSegment(seg: string | number): string {
  return String(seg).replaceAll('~', '~0').replaceAll('/', '~1')
}

export function joinPointer(base: string, ...segs: (string | number)[]): string {
  return base + segs.map((s) => '/' + pointerSegment(s)).join('')
}

export function splitPointer(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
}
