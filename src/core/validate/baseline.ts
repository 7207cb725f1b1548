/**
 * Baseline files: the fingerprints of accepted findings, so a team can adopt cleat on a large
 * repository and fail only on new findings. Keyed by fingerprint (code, file, resource, field), not by
 * line, so edits elsewhere in a file do not resurrect baselined findings.
 */
import {readFile} from 'node:fs/promises'
import {formatResource, type Diagnostic} from '../diagnostics/diagnostic.js'
import {FINGERPRINT_VERSION, fingerprints} from '../diagnostics/format/fingerprint.js'
import {InputError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic-write.js'

export interface BaselineEntry {
  fingerprint: string
  code: string
  resource: string | null
  file: string | null
  message: string
}

export interface Baseline {
  version: 1
  fingerprintVersion: string
  findings: BaselineEntry[]
}

/** Build a baseline from findings (sorted by fingerprint so the file diffs well). */
export function buildBaseline(diags: readonly Diagnostic[]): Baseline {
  const fps = fingerprints(diags)
  const findings = diags
    .map((d, i) => ({fingerprint: fps[i]!, code: d.code, resource: d.resource ? formatResource(d.resource) : null, file: d.file, message: d.message}))
    .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0))
  return {version: 1, fingerprintVersion: FINGERPRINT_VERSION, findings}
}

export function serializeBaseline(b: Baseline): string {
  return JSON.stringify(b, null, 2) + '\n'
}

/** Parse a baseline file's text; throws InputError (exit 65) when it is not one. */
export function parseBaseline(text: string, file: string): Baseline {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    throw new InputError(`baseline ${file} is not valid JSON: ${(e as Error).message}`, ['regenerate it with --write-baseline'])
  }
  const o = v as Partial<Baseline>
  if (!o || typeof o !== 'object' || o.version !== 1 || !Array.isArray(o.findings) || o.findings.some((f) => !f || typeof f.fingerprint !== 'string')) {
    throw new InputError(`baseline ${file} is not a cleat baseline (version 1 with a findings list)`, ['regenerate it with --write-baseline'])
  }
  if (o.fingerprintVersion !== FINGERPRINT_VERSION) {
    throw new InputError(`baseline ${file} uses fingerprints ${String(o.fingerprintVersion)}, this cleat computes ${FINGERPRINT_VERSION}`, ['regenerate it with --write-baseline'])
  }
  return o as Baseline
}

export async function readBaseline(file: string): Promise<Baseline> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new InputError(`cannot read baseline ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ['create it with --write-baseline FILE'])
  }
  return parseBaseline(text, file)
}

export async function writeBaseline(file: string, diags: readonly Diagnostic[]): Promise<number> {
  const b = buildBaseline(diags)
  await writeFileAtomic(file, serializeBaseline(b), {force: true})
  return b.findings.length
}

/** Split findings into new ones and those already in the baseline. */
export function applyBaseline(diags: readonly Diagnostic[], baseline: Baseline): {kept: Diagnostic[]; baselined: Diagnostic[]} {
  const known = new Set(baseline.findings.map((f) => f.fingerprint))
  const fps = fingerprints(diags)
  const kept: Diagnostic[] = []
  const baselined: Diagnostic[] = []
  diags.forEach((d, i) => (known.has(fps[i]!) ? baselined : kept).push(d))
  return {kept, baselined}
}
