import {BlockList, isIP} from 'node:net'
import {ANY, type Val} from './request.js'

/** Three-valued match result: `maybe` only arises when an attribute is ANY (graph analysis). */
export type Tri = 'yes' | 'no' | 'maybe'

export function and(...xs: Tri[]): Tri {
  if (xs.includes('no')) return 'no'
  return xs.includes('maybe') ? 'maybe' : 'yes'
}

export function or(...xs: Tri[]): Tri {
  if (xs.includes('yes')) return 'yes'
  return xs.includes('maybe') ? 'maybe' : 'no'
}

export function not(x: Tri): Tri {
  return x === 'yes' ? 'no' : x === 'no' ? 'yes' : 'maybe'
}

export const tri = (b: boolean): Tri => (b ? 'yes' : 'no')

/**
 * Istio's string matching: exact `abc`, prefix `abc*`, suffix `*abc`, presence `*` (any non-empty
 * value). An absent attribute is the empty string, so only a negative match can succeed on it.
 */
export function matchString(pattern: string, value: string | null, caseInsensitive = false): boolean {
  let p = pattern
  let v = value ?? ''
  if (caseInsensitive) {
    p = p.toLowerCase()
    v = v.toLowerCase()
  }
  if (p === '*') return v !== ''
  if (p.length > 1 && p.endsWith('*')) return v.startsWith(p.slice(0, -1))
  if (p.length > 1 && p.startsWith('*')) return v.endsWith(p.slice(1))
  return v === p
}

/** Paths: like strings, plus the `{*}` (one segment) and `{**}` (any rest) templates; the query string is ignored. */
export function matchPath(pattern: string, path: string | null): boolean {
  const p = (path ?? '').replace(/[?#].*$/, '')
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    const re = pattern
      .split(/(\{\*\*\}|\{\*\})/)
      .map((part) => (part === '{**}' ? '.*' : part === '{*}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')
    return new RegExp(`^${re}$`).test(p)
  }
  return matchString(pattern, p)
}

/** A single IP or CIDR block against an address (IPv4 and IPv6). Malformed blocks never match. */
export function matchIp(block: string, ip: string | null): boolean {
  if (!ip || isIP(ip) === 0) return false
  const [addr, prefixText] = block.split('/')
  const family = isIP(addr ?? '')
  if (family === 0) return false
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (isIP(ip) !== family) return false
  const list = new BlockList()
  if (prefixText === undefined) {
    list.addAddress(addr!, type)
  } else {
    const prefix = Number(prefixText)
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false
    list.addSubnet(addr!, prefix, type)
  }
  return list.check(ip, type)
}

/** Ports match exactly. */
export function matchPort(pattern: string, port: number | null): boolean {
  return port !== null && /^\d+$/.test(pattern.trim()) && Number(pattern) === port
}

export type Matcher<T> = (pattern: string, value: T | null) => boolean

/**
 * A positive list (any value matches) ANDed with a negative list (no value may match), against an
 * attribute that may hold several values (a repeated claim): the attribute matches when any of its
 * values does. Absent lists are no constraint.
 */
export function matchField<T>(values: readonly string[] | undefined, notValues: readonly string[] | undefined, attr: Val<T> | Val<T[]>, m: Matcher<T>): Tri {
  const parts: Tri[] = []
  const one = (pattern: string): Tri => {
    if (attr === ANY) return 'maybe'
    if (Array.isArray(attr)) return tri(attr.some((a) => m(pattern, a)))
    return tri(m(pattern, attr as T | null))
  }
  if (values && values.length > 0) parts.push(or(...values.map(one)))
  if (notValues && notValues.length > 0) parts.push(not(or(...notValues.map(one))))
  return and(...parts)
}
