/**
 * JUnit XML: one test suite per file, one test case per resource (plus one per file for findings not
 * tied to a resource). Findings at or above the fail-on severity are <failure>s, so the test report
 * passes exactly when the exit code is 0; lower ones go to the test case's <system-out>.
 */
import {formatResource, isAtOrAbove, sortDiagnostics, type Diagnostic} from '../diagnostic.js'
import type {ReportInput} from './report.js'

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids are dropped; markup characters are escaped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;')
}

interface Case {
  name: string
  diags: Diagnostic[]
}

function line(d: Diagnostic): string {
  const loc = d.file ? `${d.file}:${d.line ?? 1}:${d.column ?? 1}` : '-'
  return `${loc} ${d.severity} ${d.code}${d.istioCode ? ` (${d.istioCode})` : ''} ${d.message}${d.path ? ` at ${d.path}` : ''}`
}

export function formatJunit(input: ReportInput): string {
  const failOn = input.failOn ?? 'error'
  const suites = new Map<string, Map<string, Case>>()
  const caseFor = (file: string, name: string): Case => {
    let suite = suites.get(file)
    if (!suite) suites.set(file, (suite = new Map()))
    let c = suite.get(name)
    if (!c) suite.set(name, (c = {name, diags: []}))
    return c
  }
  for (const r of input.resources ?? []) caseFor(r.file, formatResource(r.ref))
  for (const d of sortDiagnostics(input.diagnostics)) {
    caseFor(d.file ?? '(no file)', d.resource ? formatResource(d.resource) : '(file)').diags.push(d)
  }
  let tests = 0
  let failures = 0
  const body: string[] = []
  for (const [file, cases] of [...suites].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let suiteFailures = 0
    const xmlCases: string[] = []
    for (const c of cases.values()) {
      const failing = c.diags.filter((d) => isAtOrAbove(d, failOn))
      const other = c.diags.filter((d) => !isAtOrAbove(d, failOn))
      if (failing.length > 0) suiteFailures++
      const parts = [`    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(file)}">`]
      if (failing.length > 0) {
        const first = failing[0]!
        parts.push(`      <failure type="${xmlEscape(first.code)}" message="${xmlEscape(`${failing.length} finding${failing.length === 1 ? '' : 's'} at or above ${failOn}: ${first.code} ${first.message}`)}">${xmlEscape(failing.map(line).join('\n'))}</failure>`)
      }
      if (other.length > 0) parts.push(`      <system-out>${xmlEscape(other.map(line).join('\n'))}</system-out>`)
      parts.push('    </testcase>')
      xmlCases.push(parts.length === 2 ? `${parts[0]!.slice(0, -1)}/>` : parts.join('\n'))
    }
    tests += cases.size
    failures += suiteFailures
    body.push(`  <testsuite name="${xmlEscape(file)}" tests="${cases.size}" failures="${suiteFailures}" errors="0" skipped="0">`, ...xmlCases, '  </testsuite>')
  }
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="cleat validate" tests="${tests}" failures="${failures}" errors="0">`, ...body, '</testsuites>', ''].join('\n')
}
