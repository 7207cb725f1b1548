import {countBySeverity, formatResource, sortDiagnostics, type Diagnostic, type Severity} from '../diagnostic.js'

/** Colour hooks; the CLI passes chalk-backed ones on a TTY, identity functions otherwise. */
export interface TextStyle {
  severity(sev: Severity, text: string): string
  file(text: string): string
  dim(text: string): string
}

export const PLAIN_STYLE: TextStyle = {severity: (_s, t) => t, file: (t) => t, dim: (t) => t}

export interface TextSummary {
  files: number
  resources: number
}

/**
 * Human output, grouped by file: `file:line:col severity code message`, then a summary line.
 * Findings without a file come first under "(no file)".
 */
export function formatText(diags: readonly Diagnostic[], summary: TextSummary, style: TextStyle = PLAIN_STYLE): string {
  const lines: string[] = []
  let current: string | null | undefined
  for (const d of sortDiagnostics(diags)) {
    if (d.file !== current) {
      if (current !== undefined) lines.push('')
      lines.push(style.file(d.file ?? '(no file)'))
      current = d.file
    }
    const loc = d.file ? `${d.file}:${d.line ?? 1}:${d.column ?? 1}` : '-'
    const res = d.resource ? style.dim(` [${formatResource(d.resource)}]`) : ''
    const ist = d.istioCode ? style.dim(` (${d.istioCode})`) : ''
    lines.push(`${loc} ${style.severity(d.severity, d.severity)} ${d.code} ${d.message}${res}${ist}`)
  }
  const c = countBySeverity(diags)
  if (lines.length > 0) lines.push('')
  lines.push(
    `${plural(summary.files, 'file')}, ${plural(summary.resources, 'resource')}: ` +
      `${style.severity('error', plural(c.errors, 'error'))}, ${style.severity('warning', plural(c.warnings, 'warning'))}, ${plural(c.infos, 'info')}`,
  )
  return lines.join('\n') + '\n'
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
