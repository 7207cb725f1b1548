/** Cross-resource checks of ServiceEntries: addresses for TCP ports, conflicting protocols. */
import {isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {exportScope, type ExportScope} from './hosts.js'
import {meshIndex, objList, stringList} from './mesh-index.js'

/** A port Istio treats as TCP (no protocol, or TCP). */
function tcpPort(p: Obj): boolean {
  return p.protocol === undefined || p.protocol === '' || (typeof p.protocol === 'string' && p.protocol.toUpperCase() === 'TCP')
}

interface PortUse {
  se: Resource
  protocol: string
  scope: ExportScope
  /** Index of the port in spec.ports. */
  index: number
}

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
      let i = 0
      while (i < ports.length && !tcpPort(ports[i]!)) i++
      if (i === ports.length) continue
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
    // host → port → uses; `all` keeps the (host, port) pairs in order of first use.
    const byHostPort = new Map<string, Map<number, PortUse[]>>()
    const all: {host: string; port: number; list: PortUse[]}[] = []
    for (const se of idx.kind('ServiceEntry')) {
      const spec = specOf(se)
      const ports = objList(spec.ports)
      if (ports.length === 0) continue
      const hosts = stringList(spec.hosts) ?? []
      const scope = exportScope(stringList(spec.exportTo), idx.ns(se))
      for (let i = 0; i < ports.length; i++) {
        const p = ports[i]!
        if (typeof p.number !== 'number') continue
        const port = p.number
        const protocol = typeof p.protocol === 'string' && p.protocol ? p.protocol.toUpperCase() : 'TCP'
        for (const h of hosts) {
          let byPort = byHostPort.get(h)
          if (!byPort) byHostPort.set(h, (byPort = new Map()))
          let list = byPort.get(port)
          if (!list) {
            byPort.set(port, (list = []))
            all.push({host: h, port, list})
          }
          list.push({se, protocol, scope, index: i})
        }
      }
    }
    const reported = new Set<unknown>()
    for (const {host, port, list} of all) {
      if (list.length < 2) continue
      for (const a of list) {
        if (reported.has(a.se)) continue
        const others = list.filter((b) => b.se !== a.se && b.protocol !== a.protocol && b.scope.overlaps(a.scope))
        if (others.length === 0) continue
        reported.add(a.se)
        ctx.report('CL3061', a.se, `/spec/ports/${a.index}/protocol`, `host ${host} port ${port} is ${a.protocol} here but ${others.map((o) => `${o.protocol} in ServiceEntry ${idx.ns(o.se)}/${o.se.name}`).join(', ')}; one protocol wins unpredictably`)
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
