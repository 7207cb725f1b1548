// Table-driven helpers for the Istio rule tests: build one resource, run the real engine (schema +
// rules, no analyzers), and compare findings by code, JSON pointer and severity.
import assert from 'node:assert/strict'
import type {Diagnostic, Severity} from '../../../src/core/diagnostics/diagnostic.js'
import {istioKind} from '../../../src/core/model/kinds.js'
import {validateSources} from '../../../src/core/validate/engine.js'

export interface Expect {
  code: string
  path: string
  severity?: Severity
  istioCode?: string | null
}

export interface Case {
  name: string
  spec: unknown
  /** Findings that must be present. Empty: the resource must get no error and no warning. */
  expect: Expect[]
  metadata?: Record<string, unknown>
}

/** A resource of `kind` with the given spec, as JSON text (JSON is YAML). */
export function resourceText(kind: string, spec: unknown, metadata: Record<string, unknown> = {}): string {
  const info = istioKind(kind)
  assert.ok(info, `${kind} is an Istio kind`)
  return JSON.stringify({apiVersion: `${info.group}/v1`, kind, metadata: {name: 'test', namespace: 'shop', ...metadata}, spec}, null, 2)
}

export function findings(kind: string, spec: unknown, metadata?: Record<string, unknown>): Diagnostic[] {
  return validateSources([{file: 'case.yaml', text: resourceText(kind, spec, metadata)}], {analyzers: []}).diagnostics
}

function show(ds: readonly Diagnostic[]): string {
  return ds.map((d) => `${d.severity} ${d.code} ${d.path ?? ''} ${d.message}`).join('\n  ') || '(none)'
}

/** Run a table of cases for one kind. */
export function checkCases(kind: string, cases: readonly Case[]): void {
  for (const c of cases) {
    const ds = findings(kind, c.spec, c.metadata)
    // A rule does not repeat what the schema already reports at the same field.
    const schemaPaths = new Set(ds.filter((d) => d.code.startsWith('CL1')).map((d) => d.path))
    const repeated = ds.filter((d) => d.code.startsWith('CL2') && schemaPaths.has(d.path))
    assert.deepEqual(repeated.map((d) => `${d.code} ${d.path}`), [], `${kind} "${c.name}": a rule repeats a schema finding`)
    if (c.expect.length === 0) {
      const bad = ds.filter((d) => d.severity !== 'info')
      assert.deepEqual(bad.map((d) => `${d.code} ${d.path}`), [], `${kind} "${c.name}" should be clean; got:\n  ${show(bad)}`)
      continue
    }
    for (const e of c.expect) {
      const hit = ds.find((d) => d.code === e.code && d.path === e.path && (e.severity === undefined || d.severity === e.severity) && (e.istioCode === undefined || d.istioCode === e.istioCode))
      assert.ok(hit, `${kind} "${c.name}": expected ${e.severity ?? ''} ${e.code} at ${e.path}${e.istioCode ? ` (${e.istioCode})` : ''}; got:\n  ${show(ds)}`)
      assert.ok(hit.message.length > 10, 'the message says what is wrong')
      assert.ok(hit.line !== null && hit.line > 0, 'the finding is located')
    }
  }
}
