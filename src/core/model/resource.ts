import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic, ResourceRef} from '../diagnostics/diagnostic.js'
import type {ParsedDoc} from '../input/documents.js'
import {detachedCopy} from '../input/detached.js'

export type Obj = Record<string, unknown>

/** A Kubernetes object read from an input, with where it came from. */
export interface Resource {
  apiVersion: string
  kind: string
  name: string | null
  /** metadata.namespace as written (null when absent). */
  namespace: string | null
  labels: Record<string, string>
  annotations: Record<string, string>
  /** The whole object. */
  obj: Obj
  /** The document it was read from. */
  doc: ParsedDoc
  /** JSON pointer of the object inside its document: '' or '/items/N' for kind: List. */
  pointer: string
  ref: ResourceRef
}

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

const NO_STRINGS: Record<string, string> = Object.freeze({}) as Record<string, string>

/**
 * The string values of a map (labels, selectors, annotations); anything else is an empty map. Shared,
 * do not mutate: a map that holds only strings (the usual case) is returned as it is, and the empty map
 * is one frozen object. Every resource's labels and annotations go through here, so copying them would
 * cost an allocation per resource and map for nothing.
 */
export function stringMap(v: unknown): Record<string, string> {
  if (!isObj(v)) return NO_STRINGS
  // (a '__proto__' key is dropped, as the copy's assignment drops it)
  for (const k in v) if (typeof v[k] !== 'string' || k === '__proto__') return onlyStrings(v)
  return v as Record<string, string>
}

function onlyStrings(v: Obj): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(v)) {
    const val = v[k]
    if (typeof val === 'string') out[k] = val
  }
  return out
}

/** How many distinct strings `shared` remembers before it starts afresh (bounds its memory). */
const SHARED_LIMIT = 4096
const sharedStrings = new Map<string, string>()

/**
 * One string object for each distinct apiVersion, kind and namespace. A parser returns a new string for
 * every occurrence (often a slice of the whole file's text); every map lookup and comparison on a fresh
 * one reads its characters again, from wherever the file's text lies in memory. The shared copy keeps
 * its hash and compares by identity.
 */
function shared(s: string): string {
  const known = sharedStrings.get(s)
  if (known !== undefined) return known
  if (sharedStrings.size >= SHARED_LIMIT) sharedStrings.clear()
  // (a copy: the map outlives the run, and the parser's string may be a slice of a whole file)
  const copy = detachedCopy(s)
  sharedStrings.set(copy, copy)
  return copy
}

export function toResource(obj: Obj, doc: ParsedDoc, pointer: string): Resource {
  const meta = isObj(obj.metadata) ? obj.metadata : undefined
  return new ReadResource(
    typeof obj.apiVersion === 'string' ? shared(obj.apiVersion) : '',
    typeof obj.kind === 'string' ? shared(obj.kind) : '',
    meta && typeof meta.name === 'string' ? meta.name : null,
    meta && typeof meta.namespace === 'string' ? shared(meta.namespace) : null,
    stringMap(meta?.labels),
    stringMap(meta?.annotations),
    obj,
    doc,
    pointer,
  )
}

/** A resource read from an input; its `ref` (needed only for findings and reports) is made on first use. */
class ReadResource implements Resource {
  #ref: ResourceRef | undefined
  constructor(
    public apiVersion: string,
    public kind: string,
    public name: string | null,
    public namespace: string | null,
    public labels: Record<string, string>,
    public annotations: Record<string, string>,
    public obj: Obj,
    public doc: ParsedDoc,
    public pointer: string,
  ) {}

  get ref(): ResourceRef {
    return (this.#ref ??= {apiVersion: this.apiVersion || null, kind: this.kind || null, namespace: this.namespace, name: this.name})
  }
}

/** Turn parsed documents into resources; `kind: List` (and `*List`) items become resources of their own. */
export function extractResources(docs: readonly ParsedDoc[]): {resources: Resource[]; diagnostics: Diagnostic[]} {
  const resources: Resource[] = []
  const diagnostics: Diagnostic[] = []
  for (const doc of docs) {
    const v = doc.value
    if (!isObj(v)) {
      diagnostics.push(diag('CL0006', {message: `document is a ${Array.isArray(v) ? 'list' : typeof v}, not a Kubernetes object`, file: doc.file, line: doc.startLine + 1, column: 1}))
      continue
    }
    if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) {
      v.items.forEach((item, i) => {
        if (isObj(item)) resources.push(toResource(item, doc, `/items/${i}`))
        else diagnostics.push(diag('CL0006', {message: `items[${i}] is not a Kubernetes object`, file: doc.file, line: doc.startLine + 1, column: 1, path: `/items/${i}`}))
      })
      continue
    }
    resources.push(toResource(v, doc, ''))
  }
  return {resources, diagnostics}
}

/** The value when it is a string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** The namespace a resource lives in when applied (metadata.namespace, else the given default). */
export function effectiveNamespace(r: Resource, defaultNamespace = 'default'): string {
  return r.namespace ?? defaultNamespace
}

/** `.spec` of an object, or an empty object. */
export function specOf(r: Resource): Obj {
  return isObj(r.obj.spec) ? r.obj.spec : {}
}
