import type {Obj} from '../../model/resource.js'
import type {Params} from '../template.js'
import type {Problem} from '../values.js'
import {fromSkeleton, list, map, type Generator} from './common.js'

const SOURCE_FIELDS = [
  ['fromPrincipals', 'principals'],
  ['notFromPrincipals', 'notPrincipals'],
  ['fromNamespaces', 'namespaces'],
  ['notFromNamespaces', 'notNamespaces'],
] as const
const OPERATION_FIELDS = [
  ['ports', 'ports'],
  ['methods', 'methods'],
  ['notMethods', 'notMethods'],
  ['paths', 'paths'],
  ['notPaths', 'notPaths'],
] as const
const RULE_PARAMS = [...SOURCE_FIELDS, ...OPERATION_FIELDS].map(([p]) => p)

/** The rule built from the parameters: {from, to}, or {} (every request) when none is set. */
export function policyRule(p: Params): Obj {
  const rule: Obj = {}
  const source: Obj = {}
  for (const [param, field] of SOURCE_FIELDS) if (list(p[param]).length) source[field] = [...new Set(list(p[param]))]
  if (Object.keys(source).length) rule.from = [{source}]
  const operation: Obj = {}
  for (const [param, field] of OPERATION_FIELDS) {
    const values = [...new Set(list<string | number>(p[param]).map(String))]
    if (values.length) operation[field] = values
  }
  if (Object.keys(operation).length) rule.to = [{operation}]
  return rule
}

export const authorizationPolicy: Generator = {
  check(p) {
    const out: Problem[] = []
    if (p.denyAll === true) {
      const extra = [...RULE_PARAMS.filter((k) => list(p[k]).length > 0), ...(Object.keys(map(p.selector)).length ? ['selector'] : []), ...(p.provider !== undefined ? ['provider'] : [])]
      for (const k of extra) out.push({code: 'CL7007', pointer: `/${k}`, message: 'the deny-all policy applies to the whole namespace and has no rules; drop this option (or --deny-all)'})
      if (p.action !== 'ALLOW') out.push({code: 'CL7007', pointer: '/action', message: `the deny-all policy is an ALLOW policy without rules; it cannot have action ${String(p.action)}`})
      return out
    }
    if (p.action === 'CUSTOM' && p.provider === undefined) out.push({code: 'CL7001', pointer: '/provider', message: 'a CUSTOM policy needs the extension provider that decides (--provider NAME)'})
    if (p.action !== 'CUSTOM' && p.provider !== undefined) out.push({code: 'CL7007', pointer: '/provider', message: `a provider only applies to CUSTOM policies, not ${String(p.action)}`})
    return out
  },

  render(p, skeleton) {
    const ap = fromSkeleton(skeleton, 'AuthorizationPolicy', {name: String(p.name), namespace: String(p.namespace)})
    if (p.denyAll === true) {
      ap.spec = {}
      return [ap]
    }
    const spec: Obj = {}
    const selector = map(p.selector)
    if (Object.keys(selector).length) spec.selector = {matchLabels: {...selector}}
    spec.action = p.action
    if (p.provider !== undefined) spec.provider = {name: p.provider}
    spec.rules = [policyRule(p)]
    ap.spec = spec
    return [ap]
  },
}
