import {isMap, isScalar, parseAllDocuments, type Document, type Node, type YAMLMap} from 'yaml'
import {InputError} from '../errors.js'
import {isObj} from '../model/resource.js'
import type {Obj} from './types.js'
import {STATE_ANNOTATION} from './types.js'

/**
 * Minimal, byte-preserving edits of a multi-document YAML file: the yaml library (CST-backed Document
 * API) gives the exact source range of every node, and only those ranges are rewritten. Everything else
 * (comments, key order, quoting, blank lines, other documents) stays byte-for-byte.
 */

export interface LocatedDoc {
  index: number
  doc: Document.Parsed
  value: unknown
}

export function parseYamlFile(text: string, file: string): LocatedDoc[] {
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs)) return []
  const out: LocatedDoc[] = []
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!
      throw new InputError(`${file}: YAML error in document ${index + 1}: ${e.message.split('\n')[0]}`)
    }
    out.push({index, doc, value: doc.toJS({maxAliasCount: 100})})
  })
  return out
}

/** The VirtualService documents of a file (optionally only the one with this name / namespace). */
export function findVirtualServices(docs: readonly LocatedDoc[], name?: string, namespace?: string): LocatedDoc[] {
  return docs.filter((d) => {
    const v = d.value
    if (!isObj(v) || v.kind !== 'VirtualService') return false
    const meta = isObj(v.metadata) ? v.metadata : {}
    if (name !== undefined && meta.name !== name) return false
    if (namespace !== undefined && (meta.namespace ?? 'default') !== namespace) return false
    return true
  })
}

interface Splice {
  start: number
  end: number
  text: string
}

function nodeAt(doc: Document.Parsed, path: (string | number)[]): Node | undefined {
  return doc.getIn(path, true) as Node | undefined
}

/** YAML single-quoted scalar on one line (the JSON state never holds a newline). */
export function singleQuoted(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

function lineEndIncl(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  return nl < 0 ? text.length : nl + 1
}

function columnOf(text: string, offset: number): number {
  return offset - lineStart(text, offset)
}

function weightSplice(doc: Document.Parsed, text: string, routeIndex: number, destIndex: number, value: number): Splice {
  const node = nodeAt(doc, ['spec', 'http', routeIndex, 'route', destIndex, 'weight'])
  if (!node || !isScalar(node) || !node.range) throw new InputError(`no weight scalar at http[${routeIndex}].route[${destIndex}]`)
  void text
  return {start: node.range[0], end: node.range[1], text: String(value)}
}

/** Where to add a pair to a flow map: right after the last value (so removal is the exact inverse), or inside `{}`. */
function flowInsertAt(text: string, map: YAMLMap): number {
  const last = map.items.at(-1)
  if (last) return ((last.value as Node | null)?.range ?? (last.key as Node).range)![1]
  const close = map.range![1] - 1
  if (text[close] !== '}') throw new InputError('cannot locate the end of a flow map')
  return close
}

/** Splices that set (value) or remove (null) the state annotation. */
function annotationSplices(doc: Document.Parsed, text: string, value: string | null, removeEmptyMap: boolean): Splice[] {
  const meta = nodeAt(doc, ['metadata'])
  if (!meta || !isMap(meta) || !meta.range) throw new InputError('the VirtualService has no metadata map')
  const ann = nodeAt(doc, ['metadata', 'annotations'])
  const quoted = value === null ? '' : singleQuoted(value)
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  if (ann === undefined || (isScalar(ann) && ann.value === null)) {
    if (value === null) return []
    if (meta.flow) {
      // Flow style (also JSON files): add `"annotations": {"key": "value"}` before the closing brace, JSON-quoted.
      if (ann !== undefined) throw new InputError('metadata.annotations has no value; write {} or remove it')
      const at = flowInsertAt(text, meta)
      const pairs = `${JSON.stringify('annotations')}: {${JSON.stringify(STATE_ANNOTATION)}: ${JSON.stringify(value)}}`
      return [{start: at, end: at, text: `${meta.items.length ? ', ' : ''}${pairs}`}]
    }
    const first = meta.items[0]?.key as Node | undefined
    if (!first?.range) throw new InputError('the VirtualService has an empty metadata map')
    const indent = ' '.repeat(columnOf(text, first.range[0]))
    if (ann !== undefined) {
      // `annotations:` with no value: put the pair under it.
      const pair = meta.items.find((p) => isScalar(p.key) && p.key.value === 'annotations')!
      const at = lineEndIncl(text, (pair.key as Node).range![1])
      return [{start: at, end: at, text: `${indent}  ${STATE_ANNOTATION}: ${quoted}${eol}`}]
    }
    const last = meta.items.at(-1)!
    const lastEnd = ((last.value as Node | null)?.range ?? (last.key as Node).range)![1]
    const at = lineEndIncl(text, Math.max(lastEnd - 1, 0))
    const nl = at === text.length && !text.endsWith('\n') ? eol : ''
    return [{start: at, end: at, text: `${nl}${indent}annotations:${eol}${indent}  ${STATE_ANNOTATION}: ${quoted}${eol}`}]
  }
  if (!isMap(ann)) throw new InputError('metadata.annotations is not a map')
  const map = ann as YAMLMap
  const idx = map.items.findIndex((p) => isScalar(p.key) && p.key.value === STATE_ANNOTATION)
  if (idx >= 0) {
    const pair = map.items[idx]!
    const key = pair.key as Node
    const val = pair.value as Node | null
    if (value !== null) {
      const q = map.flow || (isScalar(val) && val.type === 'QUOTE_DOUBLE') ? JSON.stringify(value) : quoted
      if (!val?.range) {
        const at = key.range![1]
        return [{start: at, end: at, text: ` ${q}`}]
      }
      return [{start: val.range[0], end: val.range[1], text: q}]
    }
    const end = (val?.range ?? key.range!)[1]
    if (map.flow) {
      if (map.items.length === 1 && removeEmptyMap && meta.flow) {
        // Remove the whole `"annotations": {...}` pair that cleat added to a flow metadata map.
        const k = meta.items.findIndex((p) => isScalar(p.key) && p.key.value === 'annotations')
        const annEnd = map.range![1]
        if (k > 0) {
          const prev = meta.items[k - 1]!
          const prevEnd = ((prev.value as Node | null)?.range ?? (prev.key as Node).range)![1]
          return [{start: prevEnd, end: annEnd, text: ''}]
        }
      }
      if (map.items.length === 1) return [{start: map.range![0], end: map.range![1], text: '{}'}]
      if (idx > 0) {
        const prev = map.items[idx - 1]!
        const prevEnd = ((prev.value as Node | null)?.range ?? (prev.key as Node).range)![1]
        return [{start: prevEnd, end, text: ''}]
      }
      const next = map.items[1]!.key as Node
      return [{start: key.range![0], end: next.range![0], text: ''}]
    }
    if (map.items.length === 1 && removeEmptyMap) {
      const annPair = meta.items.find((p) => isScalar(p.key) && p.key.value === 'annotations')!
      const s = lineStart(text, (annPair.key as Node).range![0])
      return [{start: s, end: lineEndIncl(text, Math.max(end - 1, 0)), text: ''}]
    }
    return [{start: lineStart(text, key.range![0]), end: lineEndIncl(text, Math.max(end - 1, 0)), text: ''}]
  }
  if (value === null) return []
  if (map.flow) {
    const close = flowInsertAt(text, map)
    return [{start: close, end: close, text: `${map.items.length ? ', ' : ''}${JSON.stringify(STATE_ANNOTATION)}: ${JSON.stringify(value)}`}]
  }
  const first = map.items[0]!.key as Node
  const indent = ' '.repeat(columnOf(text, first.range![0]))
  const last = map.items.at(-1)!
  const lastEnd = ((last.value as Node | null)?.range ?? (last.key as Node).range)![1]
  const at = lineEndIncl(text, Math.max(lastEnd - 1, 0))
  const nl = at === text.length && !text.endsWith('\n') ? eol : ''
  return [{start: at, end: at, text: `${nl}${indent}${STATE_ANNOTATION}: ${quoted}${eol}`}]
}

export interface FileEdit {
  weights: {routeIndex: number; destIndex: number; value: number}[]
  /** New annotation value; null removes it; undefined leaves it. */
  state?: string | null
  /** When removing: also remove an `annotations:` map that would become empty (cleat created it). */
  removeEmptyAnnotations?: boolean
}

/** Apply the edit to the document at `docIndex` of `text`, returning the new text. */
export function editYamlText(text: string, docs: readonly LocatedDoc[], docIndex: number, edit: FileEdit): string {
  const d = docs.find((x) => x.index === docIndex)
  if (!d) throw new Error(`bug: no document ${docIndex}`)
  const splices: Splice[] = edit.weights.map((w) => weightSplice(d.doc, text, w.routeIndex, w.destIndex, w.value))
  if (edit.state !== undefined) splices.push(...annotationSplices(d.doc, text, edit.state, edit.removeEmptyAnnotations ?? false))
  splices.sort((a, b) => b.start - a.start)
  let out = text
  for (const s of splices) out = out.slice(0, s.start) + s.text + out.slice(s.end)
  return out
}

export function hasAnnotationsMap(vs: Obj): boolean {
  const meta = isObj(vs.metadata) ? vs.metadata : {}
  return isObj(meta.annotations)
}
