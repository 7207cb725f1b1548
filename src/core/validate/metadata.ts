import type {Obj, Resource} from '../model/resource.js'
import {isObj} from '../model/resource.js'
import type {RuleContext} from './types.js'

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s)
}

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s)
}

/** Kubernetes label key syntax: optional DNS subdomain prefix, '/', name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/')
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined
  const name = slash >= 0 ? key.slice(slash + 1) : key
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return `label key prefix '${prefix}' is not a DNS-1123 subdomain`
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `label key '${key}' is not valid (alphanumerics, '-', '_', '.', at most 63 characters, starting and ending alphanumeric)`
  return undefined
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) return `label value '${value}' is not valid (at most 63 characters: alphanumerics, '-', '_', '.', starting and ending alphanumeric)`
  return undefined
}

function entryPointer(field: string, key: string): string {
  return `/metadata/${field}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
}

/** Object metadata checks for Istio kinds, as the API server applies them. */
export function checkMetadata(r: Resource, ctx: RuleContext): void {
  const meta = r.obj.metadata
  if (meta === undefined) {
    ctx.report('CL0011', '', 'metadata is missing (metadata.name is required)')
    return
  }
  if (!isObj(meta)) {
    ctx.report('CL0011', '/metadata', 'metadata must be an object')
    return
  }
  const m: Obj = meta
  if (m.name === undefined && m.generateName === undefined) ctx.report('CL0011', '/metadata', 'metadata.name is required')
  else if (m.name !== undefined && (typeof m.name !== 'string' || !isDns1123Subdomain(m.name))) {
    ctx.report('CL0011', '/metadata/name', `metadata.name ${JSON.stringify(m.name)} must be a lowercase DNS-1123 subdomain (a-z, 0-9, '-', '.', at most 253 characters)`)
  }
  if (m.namespace !== undefined && (typeof m.namespace !== 'string' || !isDns1123Label(m.namespace))) {
    ctx.report('CL0011', '/metadata/namespace', `metadata.namespace ${JSON.stringify(m.namespace)} must be a DNS-1123 label (a-z, 0-9, '-', at most 63 characters)`)
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = m[field]
    if (map === undefined || map === null) continue
    if (!isObj(map)) {
      ctx.report('CL0011', `/metadata/${field}`, `metadata.${field} must be a map of strings`)
      continue
    }
    for (const k of Object.keys(map)) {
      const v = map[k]
      // The pointer is built only when something is reported.
      if (typeof v !== 'string') ctx.report('CL0011', entryPointer(field, k), `metadata.${field}[${JSON.stringify(k)}] must be a string (quote it: "${String(v)}")`)
      const kp = labelKeyProblem(k)
      if (kp) ctx.report('CL0011', entryPointer(field, k), field === 'labels' ? kp : kp.replace('label', 'annotation'))
      else if (field === 'labels' && typeof v === 'string') {
        const vp = labelValueProblem(v)
        if (vp) ctx.report('CL0011', entryPointer(field, k), vp)
      }
    }
  }
}
