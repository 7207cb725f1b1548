import * as jsYaml from 'js-yaml'
import {CORE_SCHEMA, load, YAMLException, type Type} from 'js-yaml'
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import type {Source} from './sources.js'

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

/** YAML 1.2 core schema plus merge keys (`<<`), as Kubernetes' YAML reader accepts; no timestamps or binary. */
const SCHEMA = CORE_SCHEMA.extend({implicit: [(jsYaml as unknown as {types: {merge: Type}}).types.merge]})

export const MAX_DEPTH = 200
export const MAX_NODES = 1_000_000

const DOC_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm

/**
 * Split a source into YAML documents and parse each with js-yaml (fast path). A syntax error in one
 * document is a located finding; the other documents are still parsed.
 */
export function parseSource(src: Source): ParseResult {
  const docs: ParsedDoc[] = []
  const diagnostics: Diagnostic[] = []
  if (/\.json$/i.test(src.file) || (src.file === '-' && /^\s*[{[]/.test(src.text))) {
    try {
      const value = JSON.parse(src.text) as unknown
      pushDoc(docs, diagnostics, {file: src.file, index: 0, startLine: 0, text: src.text, value})
      return {docs, diagnostics}
    } catch {
      // fall through to the YAML reader, which reports a located error
    }
  }
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
  if (docs.length === 0 && diagnostics.length === 0) {
    diagnostics.push(diag('CL0008', {message: 'no YAML documents in this input', file: src.file}))
  }
  return {docs, diagnostics}
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
  let nodes = 0
  const stack: [unknown, number][] = [[root, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth > MAX_DEPTH) return `document nests deeper than ${MAX_DEPTH} levels`
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)
    nodes += children.length
    if (nodes > MAX_NODES) return `document expands to more than ${MAX_NODES.toLocaleString('en-US')} nodes (YAML alias bomb?)`
    for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, depth + 1])
  }
  return undefined
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
