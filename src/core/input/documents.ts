import {load, loadAll, YAMLException} from 'js-yaml'
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import type {Source} from './sources.js'
import {YAML_SCHEMA as SCHEMA} from './yaml-schema.js'

/** One YAML/JSON document of a source, parsed. */
export interface ParsedDoc {
  file: string
  /** 0-based index of the document in its file. */
  index: number
  /** 0-based line of the file where the document's text starts. */
  startLine: number
  /** The document's own text (used to locate findings lazily). */
  text: string
  value: unknown
}

export interface ParseResult {
  docs: ParsedDoc[]
  diagnostics: Diagnostic[]
}

export const MAX_DEPTH = 200
export const MAX_NODES = 1_000_000

const DOC_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm

/**
 * Parse a source into YAML documents. The whole text is read in one js-yaml pass (fast path); if that
 * fails, the text is split on document markers and each document is parsed on its own, so a syntax
 * error in one document is a located finding and the other documents are still checked.
 */
export function parseSource(src: Source): ParseResult {
  if (/\.json$/i.test(src.file) || (src.file === '-' && /^\s*[{[]/.test(src.text))) {
    try {
      const value = JSON.parse(src.text) as unknown
      const docs: ParsedDoc[] = []
      const diagnostics: Diagnostic[] = []
      pushDoc(docs, diagnostics, {file: src.file, index: 0, startLine: 0, text: src.text, value})
      return {docs, diagnostics}
    } catch {
      // fall through to the YAML reader, which reports a located error
    }
  }
  return parseWhole(src) ?? parseEachDocument(src)
}

function parseWhole(src: Source): ParseResult | undefined {
  let values: unknown[]
  try {
    values = loadAll(src.text, undefined, {schema: SCHEMA, filename: src.file})
  } catch {
    return undefined
  }
  const docs: ParsedDoc[] = []
  const diagnostics: Diagnostic[] = []
  const layout = new FileLayout(src.text)
  const bounded = boundedByText(src.text)
  let index = 0
  for (const value of values) {
    if (value === null || value === undefined) continue
    const doc = new LazyDoc(src.file, index++, value, layout)
    if (bounded) docs.push(doc)
    else pushDoc(docs, diagnostics, doc)
  }
  if (docs.length === 0 && diagnostics.length === 0) noDocuments(src, diagnostics)
  return {docs, diagnostics}
}

/** The slow path: split on document markers and parse each document on its own. */
export function parseEachDocument(src: Source): ParseResult {
  const docs: ParsedDoc[] = []
  const diagnostics: Diagnostic[] = []
  let index = 0
  for (const chunk of splitDocuments(src.text)) {
    try {
      const value = load(chunk.text, {schema: SCHEMA, filename: src.file})
      if (value === null || value === undefined) continue
      pushDoc(docs, diagnostics, {file: src.file, index: index++, startLine: chunk.startLine, text: chunk.text, value})
    } catch (e) {
      diagnostics.push(parseErrorDiagnostic(e, src.file, chunk.startLine))
      index++
    }
  }
  if (docs.length === 0 && diagnostics.length === 0) noDocuments(src, diagnostics)
  return {docs, diagnostics}
}

function noDocuments(src: Source, diagnostics: Diagnostic[]): void {
  diagnostics.push(diag('CL0008', {message: 'no YAML documents in this input', file: src.file}))
}

/**
 * Where each non-empty document of a file starts, worked out only when a finding has to be located
 * (the fast path parses the whole file at once and never needs it).
 */
class FileLayout {
  #chunks: Chunk[] | undefined
  constructor(readonly text: string) {}

  chunk(index: number): Chunk {
    this.#chunks ??= nonEmptyChunks(this.text)
    return this.#chunks[index] ?? {text: this.text, startLine: 0}
  }
}

/**
 * The chunks that hold a non-empty document, in order. The whole text parsed, so a chunk that does not
 * parse on its own was cut too early (directives before `---`): it is joined to the next one.
 */
function nonEmptyChunks(text: string): Chunk[] {
  const out: Chunk[] = []
  let carry: Chunk | undefined
  for (const c of splitDocuments(text)) {
    const chunk = carry ? {text: carry.text + c.text, startLine: carry.startLine} : c
    carry = undefined
    let value: unknown
    try {
      value = load(chunk.text, {schema: SCHEMA})
    } catch {
      carry = chunk
      continue
    }
    if (value !== null && value !== undefined) out.push(chunk)
  }
  return out
}

/** A document from the fast path: its own text and first line are computed on first use. */
class LazyDoc implements ParsedDoc {
  readonly #layout: FileLayout
  constructor(
    readonly file: string,
    readonly index: number,
    readonly value: unknown,
    layout: FileLayout,
  ) {
    this.#layout = layout
  }

  get text(): string {
    return this.#layout.chunk(this.index).text
  }

  get startLine(): number {
    return this.#layout.chunk(this.index).startLine
  }
}

function pushDoc(docs: ParsedDoc[], diagnostics: Diagnostic[], doc: ParsedDoc): void {
  const problem = measure(doc.value)
  if (problem) {
    diagnostics.push(diag('CL0005', {message: problem, file: doc.file, line: doc.startLine + 1, column: 1}))
    return
  }
  docs.push(doc)
}

/** Bounded walk: refuses documents nested too deep or that expand (through aliases) to too many nodes. */
function measure(root: unknown): string | undefined {
  if (root === null || typeof root !== 'object') return undefined
  const budget = {nodes: MAX_NODES}
  const r = walk(root, 0, budget)
  if (r === DEEP) return `document nests deeper than ${MAX_DEPTH} levels`
  if (r === BIG) return `document expands to more than ${MAX_NODES.toLocaleString('en-US')} nodes (YAML alias bomb?)`
  return undefined
}

/** Lines indented this far (or more) may hold a deep block structure; see boundedByText. */
const DEEP_INDENT = ' '.repeat(60)
const DEEP_LINES = ['\n' + DEEP_INDENT, '\r' + DEEP_INDENT]
/** An indicator followed by another on the same line: a compact nested block collection (`- - x`, `- ? k`). */
const COMPACT_NESTING = /[-?:][ \t]+[-?:](?=[ \t\r\n]|$)/
/** The most flow-collection openers (`[`, `{`) a file may hold for the bound to stay under MAX_DEPTH. */
const MAX_OPENERS = 35

/**
 * True when the text alone proves that no document in it nests deeper than MAX_DEPTH or expands to more
 * than MAX_NODES nodes, so the walk in `measure` can be skipped (it is the costliest part of reading a
 * large, ordinary file). Cheap sufficient conditions, each a native string search:
 * - no `&`: without anchors there are no aliases, so a document has at most as many nodes as the text
 *   has characters, and the text is shorter than MAX_NODES;
 * - block nesting: a nested block collection starts further right than its parent, except a sequence
 *   that is a mapping value (same column) and a compact collection after an indicator on the same line.
 *   With no line indented 60 spaces or more (after `\n` or `\r`, YAML's two line breaks) and no two
 *   indicators in a row, block depth is at most 2 × 60 + 2;
 * - flow nesting: each level needs a `[` or `{` (and at most one implicit single-pair mapping), so at
 *   most 2 × MAX_OPENERS more; 122 + 70 + a scalar level stays under MAX_DEPTH (200).
 * Anything else (a false answer) only means the walk runs.
 */
export function boundedByText(text: string): boolean {
  if (text.length >= MAX_NODES || text.includes('&')) return false
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (body.startsWith(DEEP_INDENT) || DEEP_LINES.some((l) => body.includes(l))) return false
  if (COMPACT_NESTING.test(text)) return false
  let openers = 0
  for (const ch of ['[', '{']) {
    for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) if (++openers > MAX_OPENERS) return false
  }
  return true
}

const OK = 0
const DEEP = 1
const BIG = 2

/** Recursion is bounded by MAX_DEPTH; no allocation per node (it runs on every document whose text is not bounded). */
function walk(v: unknown, depth: number, budget: {nodes: number}): number {
  if (depth > MAX_DEPTH) return DEEP
  if (Array.isArray(v)) {
    if ((budget.nodes -= v.length) < 0) return BIG
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i]
      if (c !== null && typeof c === 'object') {
        const r = walk(c, depth + 1, budget)
        if (r !== OK) return r
      }
    }
    return OK
  }
  const o = v as Record<string, unknown>
  for (const k in o) {
    if (--budget.nodes < 0) return BIG
    const c = o[k]
    if (c !== null && typeof c === 'object') {
      const r = walk(c, depth + 1, budget)
      if (r !== OK) return r
    }
  }
  return OK
}

interface Chunk {
  text: string
  startLine: number
}

/** Split on document markers (`---`, `...`) at the start of a line; lines are counted for offsets. */
export function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = []
  let last = 0
  let lastLine = 0
  let line = 0
  let scanned = 0
  for (const m of text.matchAll(DOC_MARKER)) {
    line += countNewlines(text, scanned, m.index)
    scanned = m.index
    pushChunk(chunks, text.slice(last, m.index), lastLine)
    if (m[0] === '---') {
      // the marker line starts the next document (content may follow it on the same line)
      last = m.index
    } else {
      const eol = text.indexOf('\n', m.index)
      last = eol < 0 ? text.length : eol + 1
      if (eol >= 0) line++
      scanned = last
    }
    lastLine = line
  }
  pushChunk(chunks, text.slice(last), lastLine)
  return chunks
}

function pushChunk(chunks: Chunk[], text: string, startLine: number): void {
  if (text.trim() === '' || text.trim() === '---') return
  chunks.push({text, startLine})
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++
  return n
}

function parseErrorDiagnostic(e: unknown, file: string, startLine: number): Diagnostic {
  if (e instanceof YAMLException) {
    const mark = e.mark as {line?: number; column?: number} | undefined
    return diag('CL0001', {
      message: e.reason || 'invalid YAML',
      file,
      line: startLine + (mark?.line ?? 0) + 1,
      column: (mark?.column ?? 0) + 1,
    })
  }
  if (e instanceof RangeError) {
    return diag('CL0005', {message: 'document nests too deeply to parse', file, line: startLine + 1, column: 1})
  }
  return diag('CL0001', {message: String((e as Error)?.message ?? e), file, line: startLine + 1, column: 1})
}
