import {checkExportTo, checkLabels, checkWorkloadSelector, isDnsLabel, namespaceOf, wildcardDomainProblem} from './common.js'
import {checkTrafficPolicy} from './traffic-policy.js'
import {at, has, list, nativeRule, obj, q} from './util.js'

/** DestinationRule: host, subsets, traffic policies, exportTo and workload selector. */
export const destinationRuleRule = nativeRule('destinationrule', ['DestinationRule'], (spec, out, r) => {
  const ns = namespaceOf(r.namespace)
  if (typeof spec.host === 'string') {
    const hp = wildcardDomainProblem(spec.host)
    if (hp) out.err('CL2003', '/spec/host', hp)
  }
  checkTrafficPolicy(out, '/spec/trafficPolicy', spec.trafficPolicy, ns)
  const names = new Set<string>()
  for (let i = 0, items = list(spec.subsets); i < items.length; i++) {
    const s = items[i]
    const sp = at('/spec/subsets', i)
    const o = obj(s)
    if (!o) continue
    if (typeof o.name === 'string') {
      if (names.has(o.name)) out.err('CL2010', at(sp, 'name'), `subset name ${q(o.name)} is used more than once`)
      names.add(o.name)
      if (!isDnsLabel(o.name)) out.err('CL2205', at(sp, 'name'), `subset name ${q(o.name)} is not a DNS-1123 label (letters, digits and '-', at most 63 characters)`)
    }
    if (o.labels !== undefined) checkLabels(out, at(sp, 'labels'), o.labels)
    if (o.trafficPolicy !== undefined) checkTrafficPolicy(out, at(sp, 'trafficPolicy'), o.trafficPolicy, ns)
  }
  const selector = obj(spec.workloadSelector)
  if (spec.exportTo !== undefined) checkExportTo(out, '/spec/exportTo', spec.exportTo, ns, {drWithSelector: has(spec, 'workloadSelector')})
  if (selector) checkWorkloadSelector(out, '/spec/workloadSelector/matchLabels', selector.matchLabels ?? {}, {warnEmpty: true})
})
