/** Cross-resource checks of ServiceEntries: addresses for TCP ports, conflicting protocols. */
import {isObj, specOf} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {ExportScope} from './hosts.js'
import {meshIndex, objList, stringList} from './mesh-index.js'

export const serviceEntryAddressAnalyzer: CleatAnalyzer = {
  name: 'serviceentry-addresses',
  istioAnalyzers: ['serviceentry.Analyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    for (const se of idx.kind('ServiceEntry')) {
      const spec = specOf(se)
      if ((stringList(spec.addresses) ?? []).length > 0) continue
      const status = isObj(se.obj.status) ? se.obj.status : {}
      if (objList(status.addresses).length > 0) continue
      const ports = objList(spec.ports)
      const i = ports.findIndex((p) => p.protocol === undefined || p.protocol === '' || (typeof p.protocol === 'string' && p.protocol.toUpperCase() === 'TCP'))
      if (i < 0) continue
      const proto = ports[i]!.protocol
      ctx.report('CL3060', se, `/spec/ports/${i}`, `port ${String(ports[i]!.number)} is ${typeof proto === 'string' && proto ? proto : 'without protocol (TCP)'} but the ServiceEntry has no addresses; TCP traffic can only be matched by address`)
    }
  },
}

export const serviceEntryProtocolAnalyzer: CleatAnalyzer = {
  name: 'serviceentry-protocols',
  istioAnalyzers: ['serviceentry.ConflictingServiceEntryProtocolAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    const byHostPort = new Map<string, {se: typeof idx.inventory.resources[number]; protocol: string; scope: ExportScope; pointer: string}[]>()
    for (const se of idx.kind('ServiceEntry')) {
      const spec = specOf(se)
      const scope = new ExportScope(stringList(spec.exportTo), idx.ns(se))
      objList(spec.ports).forEach((p, i) => {
        if (typeof p.number !== 'number') return
        const protocol = typeof p.protocol === 'string' && p.protocol ? p.protocol.toUpperCase() : 'TCP'
        for (const h of stringList(spec.hosts) ?? []) {
          const key = `${h}\u0000${p.number}`
          const list = byHostPort.get(key) ?? []
          list.push({se, protocol, scope, pointer: `/spec/ports/${i}/protocol`})
          byHostPort.set(key, list)
        }
      })
    }
    const reported = new Set<unknown>()
    for (const [key, list] of byHostPort) {
      if (list.length < 2) continue
      const [host, port] = key.split('\u0000')
      for (const a of list) {
        if (reported.has(a.se)) continue
        const others = list.filter((b) => b.se !== a.se && b.protocol !== a.protocol && b.scope.overlaps(a.scope))
        if (others.length === 0) continue
        reported.add(a.se)
        ctx.report('CL3061', a.se, a.pointer, `host ${host} port ${port} is ${a.protocol} here but ${others.map((o) => `${o.protocol} in ServiceEntry ${idx.ns(o.se)}/${o.se.name}`).join(', ')}; one protocol wins unpredictably`)
      }
    }
  },
}

export const serviceEntrySelectorAnalyzer: CleatAnalyzer = {
  name: 'serviceentry-workload-selector',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    if (!inv.hasWorkloads) return
    const idx = meshIndex(inv)
    for (const se of idx.kind('ServiceEntry')) {
      const spec = specOf(se)
      const sel = isObj(spec.workloadSelector) && isObj(spec.workloadSelector.labels) ? spec.workloadSelector.labels : undefined
      if (!sel) continue
      const labels = Object.fromEntries(Object.entries(sel).filter(([, v]) => typeof v === 'string')) as Record<string, string>
      if (Object.keys(labels).length === 0 || idx.selectWorkloads(labels, idx.ns(se)).length > 0) continue
      ctx.report('CL3062', se, '/spec/workloadSelector/labels', `workloadSelector ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')} matches no Pod or WorkloadEntry in namespace ${idx.ns(se)}, so the entry has no endpoints`)
    }
  },
}
