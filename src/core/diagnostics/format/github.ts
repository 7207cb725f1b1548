/**
 * GitHub Actions workflow commands: one `::error|warning|notice file=…,line=…,col=…,title=…::message`
 * line per finding, so findings appear as annotations on the pull request.
 * https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
 */
import {countBySeverity, formatResource, sortDiagnostics, type Severity} from '../diagnostic.js'
import {catalogEntry} from '../catalog/index.js'
import type {ReportInput} from './report.js'

const COMMAND: Record<Severity, string> = {error: 'error', warning: 'warning', info: 'notice'}

/** Escape the message part of a workflow command. */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

/** Escape a property value (file, title): also `:` and `,`, which delimit properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C')
}

export function formatGithub(input: ReportInput): string {
  const lines: string[] = []
  for (const d of sortDiagnostics(input.diagnostics)) {
    const props: string[] = []
    if (d.file && d.file !== '-') {
      props.push(`file=${escapeProperty(d.file)}`)
      if (d.line !== null) props.push(`line=${d.line}`)
      if (d.column !== null) props.push(`col=${d.column}`)
    }
    props.push(`title=${escapeProperty(`${d.code} ${catalogEntry(d.code).name}${d.istioCode ? ` (${d.istioCode})` : ''}`)}`)
    const res = d.resource ? ` [${formatResource(d.resource)}]` : ''
    lines.push(`::${COMMAND[d.severity]} ${props.join(',')}::${escapeData(d.message + res)}`)
  }
  const c = countBySeverity(input.diagnostics)
  lines.push(`cleat validate: ${input.totals.files} files, ${input.totals.resources} resources: ${c.errors} errors, ${c.warnings} warnings, ${c.infos} infos`)
  return lines.join('\n') + '\n'
}
