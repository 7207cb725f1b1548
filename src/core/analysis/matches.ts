/**
 * Unreachable VirtualService rules and ineffective matches (Istio's IST0130 / IST0131): a rule after a
 * catch-all rule, a match that repeats (or is covered by the URI prefix of) an earlier one.
 *
 * The per-resource rules already report, for http routes, a catch-all rule that is not last (CL2109)
 * and each ineffective match (CL2110). This analyzer adds what they do not: an http rule all of whose
 * matches are taken by earlier rules, and the same checks for tcp and tls routes.
 */
import {isObj, specOf, type Obj} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {meshIndex, objList} from './mesh-index.js'

/** Canonical JSON of a match without its `name` (names do not change what matches). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (isObj(v)) {
    return `{${Object.keys(v)
      .filter((k) => k !== 'name')
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

function uriPrefix(m: Obj): string | undefined {
  return isObj(m.uri) && typeof m.uri.prefix === 'string' ? m.uri.prefix : undefined
}

/** True when every condition of `earlier` except its URI is also in `later` with the same value. */
function restCovered(earlier: Obj, later: Obj): boolean {
  for (const [k, v] of Object.entries(earlier)) {
    if (k === 'name' || k === 'uri') continue
    if (canonical(v) !== canonical(later[k])) return false
  }
  return true
}

function ruleName(rule: Obj, i: number): string {
  return typeof rule.name === 'string' && rule.name ? `${i} (${rule.name})` : String(i)
}

const PROTOCOLS = ['http', 'tcp', 'tls'] as const

/** Number of match objects over the rules of one protocol. */
function matchCount(rules: readonly unknown[]): number {
  let n = 0
  for (const r of rules) if (isObj(r)) n += objList(r.match).length
  return n
}

export const matchAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-unreachable-matches',
  istioAnalyzers: ['schema.ValidationAnalyzer.VirtualService'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    for (const vs of idx.kind('VirtualService')) {
      const spec = specOf(vs)
      for (const protocol of PROTOCOLS) {
        const rules = spec[protocol]
        if (!Array.isArray(rules)) continue
        // A single match in the whole list can repeat nothing: its canonical form is never needed.
        const needKeys = matchCount(rules) > 1
        const seen = new Map<string, number>()
        const prefixes: {prefix: string; match: Obj; rule: number}[] = []
        let catchAll = -1
        for (let i = 0; i < rules.length; i++) {
          const r: unknown = rules[i]
          if (!isObj(r)) continue
          const matches = objList(r.match)
          const http = protocol === 'http'
          if (matches.length === 0) {
            if (catchAll >= 0 && !http) ctx.report('CL3023', vs, `/spec/${protocol}/${i}`, `${protocol} rule ${ruleName(r, i)} is never used: rule ${catchAll} before it has no match and takes all traffic`)
            catchAll = i
            continue
          }
          if (catchAll >= 0) {
            if (http) continue
            ctx.report('CL3023', vs, `/spec/${protocol}/${i}`, `${protocol} rule ${ruleName(r, i)} is never used: rule ${catchAll} before it has no match and takes all traffic`)
            continue
          }
          const base = `/spec/${protocol}/${i}`
          let covered = 0
          matches.forEach((m, j) => {
            const key = needKeys ? canonical(m) : ''
            const dup = needKeys ? seen.get(key) : undefined
            let by: number | undefined = dup
            if (by === undefined && protocol === 'http') {
              const p = uriPrefix(m)
              if (p !== undefined) by = prefixes.find((e) => p.startsWith(e.prefix) && restCovered(e.match, m))?.rule
            }
            if (by !== undefined) {
              covered++
              if (!http) ctx.report('CL3024', vs, `${base}/match/${j}`, `match ${j} of ${protocol} rule ${ruleName(r, i)} is never used: rule ${by} ${dup !== undefined ? 'has the same match' : 'has a URI prefix match that covers it'} earlier`)
            } else if (needKeys) seen.set(key, i)
            const p = protocol === 'http' ? uriPrefix(m) : undefined
            if (p !== undefined) prefixes.push({prefix: p, match: m, rule: i})
          })
          if (covered === matches.length) ctx.report('CL3023', vs, base, `${protocol} rule ${ruleName(r, i)} is never used: every match was already taken by earlier rules`)
        }
      }
    }
  },
}

export const deprecationAnalyzer: CleatAnalyzer = {
  name: 'deprecated-fields',
  istioAnalyzers: ['deprecation.DeprecationAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    for (const vs of idx.kind('VirtualService')) {
      const http = objList(specOf(vs).http)
      for (let i = 0; i < http.length; i++) {
        const fault = http[i]!.fault
        const delay = isObj(fault) && isObj(fault.delay) ? fault.delay : undefined
        if (delay && delay.percent !== undefined) ctx.report('CL3080', vs, `/spec/http/${i}/fault/delay/percent`, 'fault.delay.percent is deprecated; use fault.delay.percentage.value')
      }
    }
    for (const sc of idx.kind('Sidecar')) {
      const otp = specOf(sc).outboundTrafficPolicy
      if (isObj(otp) && otp.egressProxy !== undefined) ctx.report('CL3080', sc, '/spec/outboundTrafficPolicy/egressProxy', 'outboundTrafficPolicy.egressProxy is deprecated and ignored by Istio')
    }
  },
}
