import type {Obj} from '../../model/resource.js'
import type {Params} from '../template.js'
import type {Problem} from '../values.js'

/** A generator: cross-field checks on resolved parameters, and rendering to objects. */
export interface Generator {
  /** Problems the schema cannot express (weights, combinations); values are already schema-valid. */
  check(params: Params): Problem[]
  /** Build the resources from a copy of the skeleton. Pure; only called when check found nothing. */
  render(params: Params, skeleton: readonly Obj[]): Obj[]
}

/** A fresh copy of the skeleton document of a kind, with metadata set (name, namespace, labels). */
export function fromSkeleton(skeleton: readonly Obj[], kind: string, meta: {name: string; namespace?: string; labels?: Record<string, string>}): Obj {
  const doc = skeleton.find((d) => d.kind === kind)
  if (!doc) throw new Error(`template skeleton has no ${kind}`)
  const out = structuredClone(doc)
  const metadata: Obj = {name: meta.name}
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace
  if (meta.labels && Object.keys(meta.labels).length) metadata.labels = meta.labels
  out.metadata = metadata
  return out
}

export function list<T = string>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : []
}

export function map(v: unknown): Record<string, string> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {}
}

/** Problems for the second and later occurrences of a key in a list. */
export function duplicates(values: readonly string[], pointer: (i: number) => string, what: string): Problem[] {
  const seen = new Set<string>()
  const out: Problem[] = []
  values.forEach((v, i) => {
    if (seen.has(v)) out.push({code: 'CL7008', pointer: pointer(i), message: `${what} '${v}' is given twice`})
    seen.add(v)
  })
  return out
}

/** Sorted, de-duplicated copy. */
export function uniqSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort()
}
