/** Status conditions reporting a negative state (a control plane wrote them; present in exported YAML). */
import {isObj} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {objList} from './mesh-index.js'

/** Condition types written by Istio (or Gateway API types Istio sets); others (Argo CD, ...) are ignored. */
function istioConditionType(t: string): boolean {
  return !t.includes('/') || t.startsWith('istio.io/')
}

export const conditionAnalyzer: CleatAnalyzer = {
  name: 'negative-conditions',
  istioAnalyzers: ['conditions.ConditionAnalyzer'],
  analyze(inv, ctx) {
    for (const r of inv.resources) {
      const status = r.obj.status
      if (!isObj(status)) continue
      objList(status.conditions).forEach((c, i) => {
        const type = typeof c.type === 'string' ? c.type : ''
        if (!type || !istioConditionType(type)) return
        if (c.status !== 'False' && c.reason !== 'PartiallyInvalid') return
        ctx.report('CL3081', r, `/status/conditions/${i}`, `status condition ${type} is negative (reason ${String(c.reason ?? 'none')}): ${String(c.message ?? '')}`)
      })
    }
  },
}
