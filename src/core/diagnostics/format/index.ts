/** Output formats of `cleat validate -o`: each a pure function of the findings. */
import {formatGithub} from './github.js'
import {formatJson} from './json.js'
import {formatJunit} from './junit.js'
import type {ReportInput} from './report.js'
import {formatSarif} from './sarif.js'
import {formatText, PLAIN_STYLE, type TextStyle} from './text.js'

export type {CheckedResource, ReportInput} from './report.js'
export {fingerprint, fingerprints, FINGERPRINT_VERSION} from './fingerprint.js'

export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'junit', 'github'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export type Formatter = (input: ReportInput, style?: TextStyle) => string

export const FORMATTERS: Readonly<Record<OutputFormat, Formatter>> = {
  text: (input, style) => formatText(input.diagnostics, input.totals, style ?? PLAIN_STYLE),
  json: (input) => formatJson(input.diagnostics, input.totals),
  sarif: formatSarif,
  junit: formatJunit,
  github: formatGithub,
}

export function isOutputFormat(s: string): s is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(s)
}

/** Render a report in the given format (`style` only matters for text). */
export function renderReport(format: OutputFormat, input: ReportInput, style?: TextStyle): string {
  return FORMATTERS[format](input, style)
}
