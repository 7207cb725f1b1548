/**
 * SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), as GitHub code scanning and other
 * CI systems read it. One run; rules are the catalog entries of the codes reported, with help text
 * and a documentation link; every result carries a line-independent partial fingerprint.
 */
import {catalogEntry, docUrl} from '../catalog/index.js'
import {formatResource, sortDiagnostics, type Diagnostic, type Severity} from '../diagnostic.js'
import {FINGERPRINT_VERSION, fingerprints} from './fingerprint.js'
import type {ReportInput} from './report.js'

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'
const INFORMATION_URI = 'https://github.com/cleat-dev/cleat'

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {error: 'error', warning: 'warning', info: 'note'}

/** A relative path as a URI reference (forward slashes, each segment percent-encoded). */
export function pathToUri(file: string): string {
  const p = file.replaceAll('\\', '/')
  const abs = p.startsWith('/')
  const uri = p
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/')
  return abs ? `file://${uri}` : uri
}

function rule(code: string) {
  const e = catalogEntry(code)
  const url = docUrl(code)
  return {
    id: e.code,
    name: e.name,
    shortDescription: {text: e.title},
    fullDescription: {text: e.help},
    help: {text: `${e.help}\n\nDocumentation: ${url}`, markdown: `${e.help}\n\n[${e.code} documentation](${url})`},
    helpUri: url,
    defaultConfiguration: {level: LEVEL[e.severity]},
    properties: {tags: ['istio', e.code.slice(0, 3) === 'CL3' ? 'analysis' : 'validation'], ...(e.istioCode ? {istioCode: e.istioCode} : {})},
  }
}

function result(d: Diagnostic, ruleIndex: number, fp: string) {
  const locations: unknown[] = []
  if (d.file && d.file !== '-') {
    const region: Record<string, number> = {}
    if (d.line !== null) region.startLine = d.line
    if (d.line !== null && d.column !== null) region.startColumn = d.column
    locations.push({
      physicalLocation: {artifactLocation: {uri: pathToUri(d.file), ...(d.file.startsWith('/') ? {} : {uriBaseId: '%SRCROOT%'})}, ...(d.line !== null ? {region} : {})},
      ...(d.resource ? {logicalLocations: [{fullyQualifiedName: formatResource(d.resource) + (d.path ? `#${d.path}` : ''), kind: 'object'}]} : {}),
    })
  } else if (d.resource) {
    locations.push({logicalLocations: [{fullyQualifiedName: formatResource(d.resource), kind: 'object'}]})
  }
  return {
    ruleId: d.code,
    ruleIndex,
    level: LEVEL[d.severity],
    message: {text: d.resource ? `${d.message} [${formatResource(d.resource)}]` : d.message},
    ...(locations.length > 0 ? {locations} : {}),
    partialFingerprints: {[FINGERPRINT_VERSION]: fp},
    properties: {
      ...(d.istioCode ? {istioCode: d.istioCode} : {}),
      ...(d.path ? {path: d.path} : {}),
      ...(d.resource ? {resource: d.resource} : {}),
    },
  }
}

export function toSarif(input: ReportInput) {
  const diags = sortDiagnostics(input.diagnostics)
  const fps = fingerprints(diags)
  const codes = [...new Set(diags.map((d) => d.code))].sort()
  const index = new Map(codes.map((c, i) => [c, i]))
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0' as const,
    runs: [
      {
        tool: {driver: {name: 'cleat', ...(input.toolVersion ? {version: input.toolVersion, semanticVersion: input.toolVersion} : {}), informationUri: INFORMATION_URI, rules: codes.map(rule)}},
        originalUriBaseIds: {'%SRCROOT%': {description: {text: 'The directory cleat was run in; input paths are relative to it.'}}},
        columnKind: 'unicodeCodePoints' as const,
        results: diags.map((d, i) => result(d, index.get(d.code)!, fps[i]!)),
      },
    ],
  }
}

export function formatSarif(input: ReportInput): string {
  return JSON.stringify(toSarif(input), null, 2) + '\n'
}
