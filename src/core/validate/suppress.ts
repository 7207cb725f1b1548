/**
 * Suppression of findings: `--suppress 'CODE=Kind namespace/name'` rules (globs on each part), Istio's
 * `galley.istio.io/analyze-suppress` annotation, and `# cleat-ignore CODE reason` comments in the
 * YAML. Pure: takes findings and the resources they came from, returns what is kept and what was
 * suppressed (with why).
 */
import {createRequire} from 'node:module'
import type picomatchType from 'picomatch'
import {catalogEntry} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {UsageError} from '../errors.js'
import type {Resource} from '../model/resource.js'
import {filterByNamespace} from '../analysis/namespace-filter.js'
import {applyBaseline, type Baseline} from './baseline.js'

export const SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress'
export const IGNORE_COMMENT = 'cleat-ignore'

export type SuppressedBy = 'flag' | 'annotation' | 'comment' | 'baseline'

export interface SuppressRule {
  /** As given on the command line. */
  text: string
  code: (s: string) => boolean
  kind: (s: string) => boolean
  namespace: (s: string) => boolean
  name: (s: string) => boolean
  /** False for a bare `CODE` rule, which also covers findings not tied to a resource. */
  hasTarget: boolean
}

export interface SuppressionResult {
  kept: Diagnostic[]
  suppressed: {diagnostic: Diagnostic; by: SuppressedBy}[]
}

const GLOB_OPTS = {dot: true, nocase: false}

let picomatchLib: typeof picomatchType | undefined

/** picomatch is loaded on first use: only runs with --suppress pay for it. */
function glob(pattern: string): (s: string) => boolean {
  picomatchLib ??= createRequire(import.meta.url)('picomatch') as typeof picomatchType
  const m = picomatchLib(pattern, GLOB_OPTS)
  return (s) => m(s)
}

/**
 * Parse `CODE`, `CODE=Kind`, `CODE=Kind name` or `CODE=Kind namespace/name`. Every part is a glob
 * (`*`, `?`, `[...]`, `{a,b}`); CODE matches the CL code, its name, or its IST code.
 */
export function parseSuppressRule(text: string): SuppressRule {
  const eq = text.indexOf('=')
  const codePart = (eq < 0 ? text : text.slice(0, eq)).trim()
  const target = eq < 0 ? '' : text.slice(eq + 1).trim()
  if (!codePart) throw new UsageError(`--suppress '${text}': the code is missing (expected CODE=Kind namespace/name)`)
  let kind = '*'
  let namespace = '*'
  let name = '*'
  if (target) {
    const parts = target.split(/\s+/)
    if (parts.length > 2) throw new UsageError(`--suppress '${text}': expected CODE=Kind namespace/name (quote the value)`)
    kind = parts[0]!
    if (parts[1] !== undefined) {
      const slash = parts[1].indexOf('/')
      if (slash < 0) name = parts[1]
      else {
        namespace = parts[1].slice(0, slash) || '*'
        name = parts[1].slice(slash + 1) || '*'
      }
    }
  }
  const code = glob(codePart)
  return {text, code, kind: glob(kind), namespace: glob(namespace), name: glob(name), hasTarget: target !== ''}
}

/** The names a finding's code can be given by: CL code, catalog name, IST code. */
function codeNames(d: Diagnostic): string[] {
  const names = [d.code]
  try {
    names.push(catalogEntry(d.code).name)
  } catch {
    // unknown codes cannot happen through diag(); keep the code alone
  }
  if (d.istioCode) names.push(d.istioCode)
  return names
}

function ruleMatches(rule: SuppressRule, d: Diagnostic, defaultNamespace: string): boolean {
  if (!codeNames(d).some(rule.code)) return false
  const r = d.resource
  if (!r) return !rule.hasTarget
  return rule.kind(r.kind ?? '') && rule.namespace(r.namespace ?? defaultNamespace) && rule.name(r.name ?? '')
}

/** Whether the list of codes of an annotation or comment covers the finding (`*` = every analysis finding). */
function listCovers(list: readonly string[], d: Diagnostic): boolean {
  const names = codeNames(d)
  for (const item of list) {
    if (item === '*') {
      if (d.istioCode || d.code.startsWith('CL3')) return true
      continue
    }
    if (names.includes(item)) return true
  }
  return false
}

function resourceKey(file: string | null, kind: string | null, namespace: string | null, name: string | null): string {
  return `${file ?? ''}\u0000${kind ?? ''}\u0000${namespace ?? ''}\u0000${name ?? ''}`
}

const IGNORE_RE = /#\s*cleat-ignore\s+([^\s]+)(?:\s+(.*))?$/

/** Codes listed by a `# cleat-ignore CODE[,CODE...] reason` comment on a line, or undefined. */
export function ignoreCodes(line: string): string[] | undefined {
  const m = IGNORE_RE.exec(line)
  if (!m) return undefined
  return m[1]!.split(',').map((s) => s.trim()).filter(Boolean)
}

interface DocLines {
  startLine: number
  lines: string[]
  /** Codes ignored for the whole document (comments before its first key). */
  header: string[]
}

function docLines(r: Resource, cache: Map<unknown, DocLines>): DocLines {
  let dl = cache.get(r.doc)
  if (dl) return dl
  const lines = r.doc.text.split(/\r?\n/)
  const header: string[] = []
  for (const l of lines) {
    const t = l.trim()
    if (t === '' || t === '---') continue
    if (!t.startsWith('#')) break
    header.push(...(ignoreCodes(t) ?? []))
  }
  dl = {startLine: r.doc.startLine, lines, header}
  cache.set(r.doc, dl)
  return dl
}

/** Codes ignored by comments directly above (consecutive comment lines) or at the end of the finding's line. */
function commentCodes(dl: DocLines, fileLine: number): string[] {
  const idx = fileLine - 1 - dl.startLine
  const out: string[] = []
  const own = dl.lines[idx]
  if (own !== undefined) {
    const hash = own.indexOf('#')
    if (hash >= 0) out.push(...(ignoreCodes(own.slice(hash)) ?? []))
  }
  for (let i = idx - 1; i >= 0; i--) {
    const t = dl.lines[i]!.trim()
    if (!t.startsWith('#')) break
    out.push(...(ignoreCodes(t) ?? []))
  }
  return out
}

export interface SuppressOptions {
  rules?: readonly SuppressRule[]
  /** Resources the findings came from (for annotations and comments). */
  resources?: readonly Resource[]
  /** Namespace of resources without metadata.namespace, for rule matching. Default `default`. */
  defaultNamespace?: string
}

/** Apply --suppress rules, the Istio annotation and cleat-ignore comments. */
export function applySuppressions(diags: readonly Diagnostic[], opts: SuppressOptions): SuppressionResult {
  const rules = opts.rules ?? []
  const defaultNs = opts.defaultNamespace ?? 'default'
  const byKey = new Map<string, Resource>()
  for (const r of opts.resources ?? []) byKey.set(resourceKey(r.doc.file, r.kind || null, r.namespace, r.name), r)
  const linesCache = new Map<unknown, DocLines>()
  const kept: Diagnostic[] = []
  const suppressed: SuppressionResult['suppressed'] = []
  for (const d of diags) {
    let by: SuppressedBy | undefined
    if (rules.some((rule) => ruleMatches(rule, d, defaultNs))) by = 'flag'
    const r = d.resource ? byKey.get(resourceKey(d.file, d.resource.kind, d.resource.namespace, d.resource.name)) : undefined
    if (!by && r) {
      const anno = r.annotations[SUPPRESS_ANNOTATION]
      if (anno !== undefined && listCovers(anno.split(',').map((s) => s.trim()), d)) by = 'annotation'
    }
    if (!by && r) {
      const dl = docLines(r, linesCache)
      if (r.pointer === '' && dl.header.length > 0 && listCovers(dl.header, d)) by = 'comment'
      else if (d.line !== null && listCovers(commentCodes(dl, d.line), d)) by = 'comment'
    }
    if (by) suppressed.push({diagnostic: d, by})
    else kept.push(d)
  }
  return {kept, suppressed}
}

export interface RefineOptions {
  resources: readonly Resource[]
  /** `-n/--namespace`: keep findings of resources in these namespaces (empty: all). */
  namespaces?: readonly string[]
  /** `--suppress` values, unparsed. */
  suppress?: readonly string[]
  baseline?: Baseline
}

export interface RefinedFindings {
  diagnostics: Diagnostic[]
  /** How many findings each mechanism removed. */
  suppressedCounts: Record<SuppressedBy, number>
  filteredOut: number
}

/** Namespace filter, then suppression rules/annotations/comments, then the baseline. */
export function refineFindings(diags: readonly Diagnostic[], opts: RefineOptions): RefinedFindings {
  const rules = (opts.suppress ?? []).map(parseSuppressRule)
  const filtered = filterByNamespace(diags, opts.namespaces ?? [])
  const s = applySuppressions(filtered, {rules, resources: opts.resources})
  const counts: Record<SuppressedBy, number> = {flag: 0, annotation: 0, comment: 0, baseline: 0}
  for (const x of s.suppressed) counts[x.by]++
  let kept = s.kept
  if (opts.baseline) {
    const b = applyBaseline(kept, opts.baseline)
    counts.baseline = b.baselined.length
    kept = b.kept
  }
  return {diagnostics: kept, suppressedCounts: counts, filteredOut: diags.length - filtered.length}
}

/** One stderr line saying what was not reported and why, or undefined when nothing was. */
export function suppressionNote(r: RefinedFindings): string | undefined {
  const parts: string[] = []
  if (r.filteredOut > 0) parts.push(`${r.filteredOut} outside the selected namespaces`)
  const labels: Record<SuppressedBy, string> = {flag: 'by --suppress', annotation: `by the ${SUPPRESS_ANNOTATION} annotation`, comment: `by # ${IGNORE_COMMENT} comments`, baseline: 'by the baseline'}
  for (const k of ['flag', 'annotation', 'comment', 'baseline'] as const) if (r.suppressedCounts[k] > 0) parts.push(`${r.suppressedCounts[k]} ${labels[k]}`)
  return parts.length > 0 ? `not reported: ${parts.join(', ')}` : undefined
}
