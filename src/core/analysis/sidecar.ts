/** Cross-resource checks of Sidecars: workload selectors, conflicts, ambient namespaces. */
import type {Inventory, Workload} from '../model/inventory.js'
import type {Resource} from '../model/resource.js'
import {specOf} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {hasKeys, labelText, matchLabels, meshIndex, NameList} from './mesh-index.js'

/** Namespaces enrolled in ambient mode (and not in sidecar injection). */
export function ambientNamespaces(inv: Inventory): Set<string> {
  const out = new Set<string>()
  for (const n of inv.byKind.get('Namespace') ?? []) {
    const l = n.labels
    if (n.name && l['istio.io/dataplane-mode'] === 'ambient' && l['istio-injection'] !== 'enabled' && l['istio.io/rev'] === undefined) out.add(n.name)
  }
  return out
}

function isAmbientWorkload(w: Workload, ambientNs: Set<string>): boolean {
  const anno = w.kind === 'Pod' ? w.resource.annotations['ambient.istio.io/redirection'] : undefined
  if (anno === 'enabled') return true
  if (w.labels['istio.io/dataplane-mode'] === 'none') return false
  return ambientNs.has(w.namespace) && w.labels['sidecar.istio.io/inject'] !== 'true'
}

export const sidecarSelectorAnalyzer: CleatAnalyzer = {
  name: 'sidecar-selectors',
  istioAnalyzers: ['sidecar.SelectorAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    if (idx.kind('Sidecar').length === 0) return
    const ambient = ambientNamespaces(inv)
    // Without ambient namespaces only an annotated Pod can be ambient.
    const maybeAmbient = ambient.size > 0 || inv.workloads.some((w) => w.kind === 'Pod' && w.resource.annotations['ambient.istio.io/redirection'] === 'enabled')
    const withoutSelector = new Map<string, Resource[]>()
    // workload → the Sidecar selecting it, or every Sidecar once there are several
    const selecting = new Map<Workload, Resource | Resource[]>()
    for (const sc of idx.kind('Sidecar')) {
      const ns = idx.ns(sc)
      const sel = matchLabels(specOf(sc), 'workloadSelector')
      if (!sel || !hasKeys(sel)) {
        const list = withoutSelector.get(ns)
        if (list) list.push(sc)
        else withoutSelector.set(ns, [sc])
        if (ambient.has(ns)) ctx.report('CL3053', sc, '', `namespace ${ns} runs in ambient mode, which has no sidecars; this Sidecar has no effect`)
        continue
      }
      if (!inv.hasWorkloads) continue
      const pods = idx.selectWorkloads(sel, ns)
      if (pods.length === 0) {
        ctx.report('CL3050', sc, '/spec/workloadSelector/labels', `workloadSelector ${labelText(sel)} matches no workload in namespace ${ns}`)
        continue
      }
      if (maybeAmbient && pods.some((p) => isAmbientWorkload(p, ambient))) {
        ctx.report('CL3053', sc, '/spec/workloadSelector', `it selects workloads running in ambient mode, which have no sidecar; this Sidecar has no effect on them`)
      }
      for (const p of pods) {
        const seen = selecting.get(p)
        if (seen === undefined) selecting.set(p, sc)
        else if (Array.isArray(seen)) seen.push(sc)
        else selecting.set(p, [seen, sc])
      }
    }
    for (const [ns, list] of withoutSelector) {
      if (list.length < 2) continue
      for (const sc of list) {
        const others = new NameList()
        for (const o of list) if (o !== sc) others.add(o.name ?? '')
        ctx.report('CL3052', sc, '', `namespace ${ns} has several Sidecars without workloadSelector (also ${String(others)}); which one applies is undefined`)
      }
    }
    const conflicted = new Map<Resource, {others: NameList; pod: string}>()
    for (const [pod, list] of selecting) {
      if (!Array.isArray(list)) continue
      for (const sc of list) {
        let c = conflicted.get(sc)
        if (!c) conflicted.set(sc, (c = {others: new NameList(), pod: `${pod.kind} ${pod.name}`}))
        let added = 0
        for (const o of list) {
          if (o === sc) continue
          c.others.add(o.name ?? '')
          if (++added > 5) break
        }
      }
    }
    for (const [sc, c] of conflicted) {
      ctx.report('CL3051', sc, '/spec/workloadSelector', `${c.pod} is also selected by Sidecar ${String(c.others)}; which one applies is undefined`)
    }
  },
}
