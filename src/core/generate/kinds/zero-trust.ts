import type {Obj} from '../../model/resource.js'
import type {Params} from '../template.js'
import type {Problem} from '../values.js'
import {duplicates, fromSkeleton, list, uniqSorted, type Generator} from './common.js'

export interface AllowRule {
  from: string[]
  to: string
  methods?: string[]
  paths?: string[]
}

/** `sa` or `ns/sa` → TRUST_DOMAIN/ns/NS/sa/SA. */
export function principalOf(ref: string, namespace: string, trustDomain: string): string {
  const [ns, sa] = ref.includes('/') ? (ref.split('/') as [string, string]) : [namespace, ref]
  return `${trustDomain}/ns/${ns}/sa/${sa}`
}

/** One ALLOW policy per called workload; calls with the same operation share a rule. Deterministic order. */
export function allowPolicies(p: Params): {to: string; rules: Obj[]}[] {
  const ns = String(p.namespace)
  const td = String(p.trustDomain)
  const byDest = new Map<string, Map<string, {principals: string[]; methods: string[]; paths: string[]}>>()
  for (const r of list<AllowRule>(p.allow)) {
    const methods = uniqSorted(r.methods ?? [])
    const paths = uniqSorted(r.paths ?? [])
    const key = JSON.stringify([methods, paths])
    const rules = byDest.get(r.to) ?? new Map()
    byDest.set(r.to, rules)
    const entry = rules.get(key) ?? {principals: [], methods, paths}
    rules.set(key, entry)
    entry.principals.push(...r.from.map((f) => principalOf(f, ns, td)))
  }
  return [...byDest.keys()].sort().map((to) => {
    const entries = [...byDest.get(to)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return {
      to,
      rules: entries.map(([, e]) => {
        const rule: Obj = {from: [{source: {principals: uniqSorted(e.principals)}}]}
        const operation: Obj = {}
        if (e.methods.length) operation.methods = e.methods
        if (e.paths.length) operation.paths = e.paths
        if (Object.keys(operation).length) rule.to = [{operation}]
        return rule
      }),
    }
  })
}

export const zeroTrust: Generator = {
  check(p) {
    const out: Problem[] = []
    const names = list<AllowRule>(p.allow).map((r) => `allow-${r.to}`)
    names.forEach((n, i) => {
      if (n.length > 253) out.push({code: 'CL7002', pointer: `/allow/${i}/to`, message: `the policy name '${n}' would be longer than 253 characters`})
    })
    list<AllowRule>(p.allow).forEach((r, i) => out.push(...duplicates(r.from, (j) => `/allow/${i}/from/${j}`, 'source')))
    return out
  },

  render(p, skeleton) {
    const ns = String(p.namespace)
    const pa = fromSkeleton(skeleton, 'PeerAuthentication', {name: 'default', namespace: ns})
    pa.spec = {mtls: {mode: 'STRICT'}}
    const deny = fromSkeleton(skeleton, 'AuthorizationPolicy', {name: 'deny-all', namespace: ns})
    deny.spec = {}
    const allows = allowPolicies(p).map(({to, rules}) => {
      const ap = fromSkeleton(skeleton, 'AuthorizationPolicy', {name: `allow-${to}`, namespace: ns})
      ap.spec = {selector: {matchLabels: {[String(p.appLabel)]: to}}, action: 'ALLOW', rules}
      return ap
    })
    return [pa, deny, ...allows]
  },
}
