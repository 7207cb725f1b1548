import {dump} from 'js-yaml'
import {isObj, type Obj} from '../model/resource.js'

export type OutputFormat = 'yaml' | 'json'

/** Keys that come first wherever they appear, in this order; other keys keep the order they were built in. */
const FIRST_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'name', 'namespace', 'labels', 'annotations']
const RANK = new Map(FIRST_KEYS.map((k, i) => [k, i]))

function compareKeys(a: string, b: string): number {
  return (RANK.get(a) ?? FIRST_KEYS.length) - (RANK.get(b) ?? FIRST_KEYS.length)
}

/** A copy with keys in the canonical order (stable: equal ranks keep insertion order). */
export function canonical<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => canonical(x)) as T
  if (!isObj(v)) return v
  const keys = Object.keys(v).sort(compareKeys)
  return Object.fromEntries(keys.map((k) => [k, canonical(v[k])])) as T
}

/** One resource as YAML: stable key order, no anchors, no line folding. */
export function toYaml(obj: Obj): string {
  return dump(canonical(obj), {noRefs: true, lineWidth: -1, noArrayIndent: true, sortKeys: compareKeys, quotingType: '"'})
}

/** Resources as text: YAML documents separated by ---, or JSON (one object, or a v1 List for several). */
export function formatResources(objs: readonly Obj[], format: OutputFormat): string {
  if (format === 'json') {
    const value = objs.length === 1 ? objs[0] : {apiVersion: 'v1', kind: 'List', items: objs}
    return JSON.stringify(canonical(value), null, 2) + '\n'
  }
  return objs.map((o) => toYaml(o)).join('---\n')
}

/** `Kind namespace/name` of a generated object. */
export function describeObject(o: Obj): string {
  const m = isObj(o.metadata) ? o.metadata : {}
  return `${String(o.kind)} ${m.namespace ? `${String(m.namespace)}/` : ''}${String(m.name)}`
}
