import {readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {load} from 'js-yaml'
import type {ErrorObject, ValidateFunction} from 'ajv'
import {InputError} from '../errors.js'
import {newAjv, packageDir} from '../validate/schema-registry.js'
import type {Inventory} from '../model/inventory.js'
import {evaluate, type EvaluateOptions} from './evaluate.js'
import type {Policy} from './policy.js'
import {buildRequest, type RequestInput, type RequestOptions} from './request.js'

export interface AuthzCase extends Partial<RequestInput> {
  name: string
  expect: 'allow' | 'deny' | 'ALLOW' | 'DENY'
}

export interface CasesFile {
  defaults?: Partial<RequestInput>
  cases: AuthzCase[]
}

export interface CaseResult {
  name: string
  expect: 'ALLOW' | 'DENY'
  decision: 'ALLOW' | 'DENY'
  policy: string | null
  rule: number | null
  reason: string
  pass: boolean
}

export interface CasesReport {
  cases: CaseResult[]
  summary: {total: number; passed: number; failed: number}
}

let validator: ValidateFunction | undefined

/** The bundled schema of cases files, read and compiled once per process. */
function casesValidator(): ValidateFunction {
  validator ??= newAjv().compile(JSON.parse(readFileSync(path.join(packageDir(), 'schemas', 'authz', 'cases.json'), 'utf8')) as object)
  return validator
}

/** Parse and check a cases document (YAML or JSON text). Throws InputError (exit 65) with the first problems. */
export function parseCases(text: string, file: string): CasesFile {
  let doc: unknown
  try {
    doc = load(text, {filename: file})
  } catch (e) {
    throw new InputError(`CL6003 ${file}: not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`)
  }
  const v = casesValidator()
  if (!v(doc)) {
    const msgs = (v.errors ?? []).slice(0, 5).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'unevaluatedProperty' in e.params ? ` '${String(e.params.unevaluatedProperty)}'` : ''}`)
    throw new InputError(`CL6003 ${file} does not follow schemas/authz/cases.json: ${msgs.join('; ')}`, ['see docs/authz.md, section "Policy test suites"'])
  }
  return doc as CasesFile
}

/** Read a cases file from disk (I/O). */
export async function readCasesFile(file: string, cwd: string): Promise<CasesFile> {
  let text: string
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8')
  } catch (e) {
    throw new InputError(`cannot read the cases file '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  return parseCases(text, file)
}

/** Run every case; pure apart from what evaluate does (nothing). */
export function runCases(file: CasesFile, policies: readonly Policy[], inventory: Inventory, opts: EvaluateOptions & RequestOptions = {}): CasesReport {
  const results: CaseResult[] = []
  for (const c of file.cases) {
    const {name, expect, ...own} = c
    const input = {...(file.defaults ?? {}), ...own} as RequestInput
    input.toLabels ??= {}
    if (!input.toNamespace) throw new InputError(`case '${name}': toNamespace is missing (give it in the case or in defaults)`)
    let built
    try {
      built = buildRequest(input, opts)
    } catch (e) {
      throw new InputError(`case '${name}': ${(e as Error).message.replace(/--([a-z-]+)/g, (_m, f: string) => f.replace(/-([a-z])/g, (_x, ch: string) => ch.toUpperCase()))}`)
    }
    const d = evaluate(policies, built.request, inventory, opts)
    const want = expect.toUpperCase() as 'ALLOW' | 'DENY'
    results.push({name, expect: want, decision: d.decision, policy: d.policy, rule: d.rule, reason: d.reason, pass: d.decision === want})
  }
  const passed = results.filter((r) => r.pass).length
  return {cases: results, summary: {total: results.length, passed, failed: results.length - passed}}
}

/** Human report: PASS/FAIL per case, then a summary line. */
export function formatCasesText(report: CasesReport): string {
  const lines = report.cases.map((r) => (r.pass ? `PASS  ${r.name}: ${r.decision} (${r.reason})` : `FAIL  ${r.name}: expected ${r.expect}, got ${r.decision} (${r.reason})`))
  const s = report.summary
  lines.push('', `${s.total} case${s.total === 1 ? '' : 's'}: ${s.passed} passed, ${s.failed} failed`)
  return lines.join('\n') + '\n'
}
