import {checkWorkloadSelector} from './common.js'
import {at, has, list, obj, q, type Obj, type Out} from './util.js'

const TARGET_KINDS = new Set(['core/Service', 'networking.istio.io/ServiceEntry', 'gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/GatewayClass'])

/** selector / targetRef / targetRefs shared by AuthorizationPolicy and RequestAuthentication. */
export function checkPolicyTargets(out: Out, spec: Obj, code: string): void {
  const count = (has(spec, 'selector') ? 1 : 0) + (has(spec, 'targetRef') ? 1 : 0) + (list(spec.targetRefs).length > 0 ? 1 : 0)
  const set = count > 1 ? ['selector', 'targetRef', 'targetRefs'].filter((k) => (k === 'targetRefs' ? list(spec[k]).length > 0 : has(spec, k))) : []
  if (set.length > 1) out.err(code, `/spec/${set[1]}`, `only one of selector, targetRef and targetRefs can be set (found ${set.join(', ')})`)
  const sel = obj(spec.selector)
  if (sel) checkWorkloadSelector(out, '/spec/selector/matchLabels', sel.matchLabels ?? {}, {warnEmpty: true})
  if (has(spec, 'targetRef')) checkTargetRef(out, '/spec/targetRef', spec.targetRef, code)
  for (let i = 0, items = list(spec.targetRefs); i < items.length; i++) checkTargetRef(out, at('/spec/targetRefs', i), items[i], code)
}

function checkTargetRef(out: Out, p: string, v: unknown, code: string): void {
  const t = obj(v)
  if (!t) return
  if (typeof t.namespace === 'string' && t.namespace !== '') out.err(code, at(p, 'namespace'), 'targetRef cannot set a namespace: cross-namespace references are not supported')
  const group = typeof t.group === 'string' && t.group !== '' ? t.group : 'core'
  const kind = typeof t.kind === 'string' ? t.kind : ''
  if (!TARGET_KINDS.has(`${group}/${kind}`)) {
    out.err(code, p, `targetRef must point at a Service, ServiceEntry (networking.istio.io), Gateway or GatewayClass (gateway.networking.k8s.io); got group ${q(group === 'core' ? '' : group)} kind ${q(kind)}`)
  }
}
