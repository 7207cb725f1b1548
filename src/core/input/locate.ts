import {createRequire} from 'node:module'
import type {Document, Node} from 'yaml'
import {splitPointer} from '../diagnostics/diagnostic.js'
import type {ParsedDoc} from './documents.js'

type YamlLib = typeof import('yaml')
let yamlLib: YamlLib | undefined

/** The `yaml` library is loaded on first use: only runs with findings pay for it. */
function lib(): YamlLib {
  yamlLib ??= createRequire(import.meta.url)('yaml') as YamlLib
  return yamlLib
}

export interface Position {
  line: number
  column: number
}

interface Indexed {
  doc: Document
  lc: InstanceType<YamlLib["LineCounter"]>
}

/**
 * Finds the line and column of a JSON pointer inside a parsed document. Positions are computed lazily
 * (with the `yaml` library's source ranges) only for documents that have findings, so the fast path of
 * validation never pays for them.
 */
export class Locator {
  readonly #cache = new WeakMap<ParsedDoc, Indexed>()

  /** Position of the key (or list item) the pointer names; for a missing field, of its nearest existing parent. */
  locate(doc: ParsedDoc, pointer: string): Position {
    const {isMap, isPair, isSeq} = lib()
    const idx = this.#index(doc)
    let node: unknown = idx.doc.contents
    let pos = this.#pos(idx, doc, rangeStart(node) ?? 0)
    for (const seg of splitPointer(pointer)) {
      node = deref(node, idx.doc)
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyString(p.key) === seg)
        if (!pair) break
        pos = this.#pos(idx, doc, rangeStart(pair.key) ?? rangeStart(pair.value) ?? 0)
        node = pair.value
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)]
        if (item === undefined || !/^\d+$/.test(seg)) break
        const start = rangeStart(item)
        if (start !== undefined) pos = this.#pos(idx, doc, start)
        node = item
      } else {
        break
      }
    }
    return pos
  }

  #index(doc: ParsedDoc): Indexed {
    let idx = this.#cache.get(doc)
    if (!idx) {
      const {LineCounter, parseDocument} = lib()
      const lc = new LineCounter()
      const parsed = parseDocument(doc.text, {lineCounter: lc, uniqueKeys: false, strict: false, merge: true})
      idx = {doc: parsed, lc}
      this.#cache.set(doc, idx)
    }
    return idx
  }

  #pos(idx: Indexed, doc: ParsedDoc, offset: number): Position {
    const p = idx.lc.linePos(offset)
    return {line: doc.startLine + p.line, column: p.col}
  }
}

function deref(node: unknown, doc: Document): unknown {
  return lib().isAlias(node) ? (node as {resolve(d: Document): unknown}).resolve(doc) : node
}

function keyString(key: unknown): string | undefined {
  if (lib().isScalar(key)) return String((key as {value: unknown}).value)
  return typeof key === 'string' ? key : undefined
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0]
}
