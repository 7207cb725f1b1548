/** Cross-resource checks of DestinationRules: host, subsets vs workloads, CA certificates, mTLS conflicts. */
import type {Inventory, Workload} from '../model/inventory.js'
import {isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {asObj, meshIndex, objList, stringMap, type MeshIndex, type MeshService} from './mesh-index.js'
import {anyPolicyMode, effectiveMtls} from './mtls-mode.js'

const TOPOLOGY_PREFIX = 'topology.kubernetes.io/'

const NO_SERVICES: readonly MeshService[] = []

function drHost(spec: Obj): string {
  return typeof spec.host === 'string' ? spec.host : ''
}

function drServices(idx: MeshIndex, dr: Resource, host: string): readonly MeshService[] {
  return host ? idx.servicesFor(idx.fqdn(host, idx.ns(dr)), null) : NO_SERVICES
}

/** Node labels by node name, for topology labels a subset may select on. */
function nodeLabels(inv: Inventory): Map<string, Record<string, string>> {
  const m = new Map<string, Record<string, string>>()
  for (const n of inv.byKind.get('Node') ?? []) if (n.name) m.set(n.name, n.labels)
  return m
}

function labelsWithTopology(w: Workload, nodes: Map<string, Record<string, string>>): Record<string, string> {
  const nodeName = w.kind === 'Pod' ? specOf(w.resource).nodeName : undefined
  const node = typeof nodeName === 'string' ? nodes.get(nodeName) : undefined
  if (!node) return w.labels
  const out = {...w.labels}
  for (const [k, v] of Object.entries(node)) if (k.startsWith(TOPOLOGY_PREFIX) && v !== '' && out[k] === undefined) out[k] = v
  return out
}

/** Workloads behind a service: its selector (Service) or workloadSelector (ServiceEntry), in its namespace. */
function serviceSelector(s: MeshService): Record<string, string> | undefined {
  return s.selector
}

/** `Object.entries(stringMap(v))` without the intermediate object. */
function labelEntries(v: unknown): [string, string][] {
  const out: [string, string][] = []
  if (!isObj(v)) return out
  for (const k of Object.keys(v)) {
    const val = v[k]
    // (stringMap's assignment drops a '__proto__' key)
    if (typeof val === 'string' && k !== '__proto__') out.push([k, val])
  }
  return out
}

function hasLabels(labels: Record<string, string>, entries: readonly (readonly [string, string])[]): boolean {
  for (const [k, v] of entries) if (labels[k] !== v) return false
  return true
}

export const subsetSelectAnalyzer: CleatAnalyzer = {
  name: 'destinationrule-subsets',
  istioAnalyzers: ['destinationrule.SubsetSelectPodAnalyzer'],
  analyze(inv, ctx) {
    if (!inv.hasServices) return
    const idx = meshIndex(inv)
    const nodes = nodeLabels(inv)
    for (const dr of idx.kind('DestinationRule')) {
      const spec = specOf(dr)
      if (isObj(spec.workloadSelector)) continue
      const host = drHost(spec)
      if (!host || host.startsWith('*')) continue
      const services = drServices(idx, dr, host)
      if (services.length === 0) {
        ctx.report('CL3031', dr, '/spec/host', `host ${host} matches no Service or ServiceEntry in the inputs`)
        continue
      }
      if (!inv.hasWorkloads) continue
      const subsets = objList(spec.subsets)
      // Workloads behind each service, looked up once for all subsets.
      let behind: (readonly Workload[] | undefined)[] | undefined
      for (let i = 0; i < subsets.length; i++) {
        const subset = subsets[i]!
        const labels = labelEntries(subset.labels)
        if (labels.length === 0) continue
        let selects = false
        behind ??= services.map((s) => {
          const sel = serviceSelector(s)
          return sel ? idx.selectWorkloads(sel, s.namespace) : undefined
        })
        for (let si = 0; si < services.length; si++) {
          const workloads = behind[si]
          if (!workloads) {
            selects = true
            break
          }
          for (const w of workloads) {
            if (hasLabels(nodes.size === 0 ? w.labels : labelsWithTopology(w, nodes), labels)) {
              selects = true
              break
            }
          }
          if (selects) break
        }
        if (!selects) ctx.report('CL3030', dr, `/spec/subsets/${i}`, `subset ${String(subset.name ?? i)} (${labels.map(([k, v]) => `${k}=${v}`).join(', ')}) selects no workload of ${host}; requests routed to it fail with 503 (no healthy upstream)`)
      }
    }
  },
}

function tlsNeedsCa(tls: Obj, hasSelector: boolean): string | undefined {
  const mode = tls.mode
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL') return undefined
  if (typeof tls.caCertificates === 'string' && tls.caCertificates !== '') return undefined
  if (tls.insecureSkipVerify === true) return undefined
  if (typeof tls.credentialName === 'string' && tls.credentialName !== '' && hasSelector) return undefined
  return mode
}

export const caCertificateAnalyzer: CleatAnalyzer = {
  name: 'destinationrule-ca-certificates',
  istioAnalyzers: ['destinationrule.CaCertificateAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    for (const dr of idx.kind('DestinationRule')) {
      const spec = specOf(dr)
      const host = String(spec.host ?? '')
      const hasSelector = isObj(spec.workloadSelector)
      const tp = asObj(spec.trafficPolicy)
      const mode = isObj(tp.tls) ? tlsNeedsCa(tp.tls, hasSelector) : undefined
      if (mode) ctx.report('CL3032', dr, '/spec/trafficPolicy/tls/mode', `TLS mode ${mode} toward ${host} without caCertificates: the server's identity is not verified`)
      objList(tp.portLevelSettings).forEach((p, i) => {
        const m = isObj(p.tls) ? tlsNeedsCa(p.tls, hasSelector) : undefined
        const port = isObj(p.port) ? p.port.number : undefined
        if (m) ctx.report('CL3033', dr, `/spec/trafficPolicy/portLevelSettings/${i}/tls/mode`, `TLS mode ${m} toward ${host} port ${String(port)} without caCertificates: the server's identity is not verified`)
      })
    }
  },
}

interface TlsSetting {
  mode: string
  pointer: string
}

/** Client TLS mode for a service port: port-level setting, else the policy's tls, else none (auto mTLS). */
function clientTls(policy: Obj, base: string, port: number): TlsSetting | undefined {
  const levels = objList(policy.portLevelSettings)
  for (let i = 0; i < levels.length; i++) {
    const p = levels[i]!
    if (isObj(p.port) && p.port.number === port && isObj(p.tls) && typeof p.tls.mode === 'string') return {mode: p.tls.mode, pointer: `${base}/portLevelSettings/${i}/tls/mode`}
  }
  if (isObj(policy.tls) && typeof policy.tls.mode === 'string') return {mode: policy.tls.mode, pointer: `${base}/tls/mode`}
  return undefined
}

export const mtlsConflictAnalyzer: CleatAnalyzer = {
  name: 'destinationrule-mtls-conflicts',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    // A conflict needs a STRICT or DISABLE PeerAuthentication somewhere; most meshes can skip the walk.
    const strict = anyPolicyMode(inv, 'STRICT')
    const disable = anyPolicyMode(inv, 'DISABLE')
    if (!strict && !disable) return
    for (const dr of idx.kind('DestinationRule')) {
      const spec = specOf(dr)
      if (isObj(spec.workloadSelector) || !mayConflict(spec, strict, disable)) continue
      const host = drHost(spec)
      const services = drServices(idx, dr, host)
      const topPolicy = asObj(spec.trafficPolicy)
      const subsets = objList(spec.subsets)
      const reported = new Set<string>()
      for (const s of services) {
        if (s.fromServiceEntry) continue
        const sel = serviceSelector(s)
        if (!sel) continue
        const workloads = idx.selectWorkloads(sel, s.namespace)
        if (workloads.length === 0) continue
        for (const sp of s.info.ports) {
          const targetPort = typeof sp.targetPort === 'number' ? sp.targetPort : sp.port
          const variants: {tls: TlsSetting | undefined; labels: Record<string, string>}[] = [{tls: clientTls(topPolicy, '/spec/trafficPolicy', sp.port), labels: {}}]
          subsets.forEach((sub, i) => {
            if (isObj(sub.trafficPolicy)) variants.push({tls: clientTls(sub.trafficPolicy, `/spec/subsets/${i}/trafficPolicy`, sp.port) ?? variants[0]!.tls, labels: stringMap(sub.labels)})
          })
          for (const v of variants) {
            if (!v.tls) continue
            const client = v.tls.mode
            const bad = workloads.filter((w) => Object.entries(v.labels).every(([k, val]) => w.labels[k] === val)).map((w) => ({w, eff: effectiveMtls(inv, w, targetPort)}))
            const strict = bad.filter((b) => b.eff.mode === 'STRICT')
            const disabled = bad.filter((b) => b.eff.mode === 'DISABLE')
            const key = `${v.tls.pointer}|${sp.port}`
            if (reported.has(key)) continue
            if ((client === 'DISABLE' || client === 'SIMPLE') && strict.length > 0) {
              reported.add(key)
              const pa = strict[0]!.eff.policy
              ctx.report('CL3034', dr, v.tls.pointer, `tls.mode ${client} toward ${host} port ${sp.port}, but workloads ${names(strict.map((b) => b.w))} accept only mutual TLS there (STRICT by PeerAuthentication ${pa ?? '(none)'}); connections will be reset`)
            } else if (client === 'ISTIO_MUTUAL' && disabled.length > 0) {
              reported.add(key)
              const pa = disabled[0]!.eff.policy
              ctx.report('CL3035', dr, v.tls.pointer, `tls.mode ISTIO_MUTUAL toward ${host} port ${sp.port}, but workloads ${names(disabled.map((b) => b.w))} have mutual TLS disabled there (DISABLE by PeerAuthentication ${pa ?? '(none)'}); connections will fail`)
            }
          }
        }
      }
    }
  },
}

/** Whether any tls.mode in the DestinationRule could conflict with the PeerAuthentication modes in use. */
function mayConflict(spec: Obj, strict: boolean, disable: boolean): boolean {
  if (policyMayConflict(spec.trafficPolicy, strict, disable)) return true
  for (const s of objList(spec.subsets)) if (policyMayConflict(s.trafficPolicy, strict, disable)) return true
  return false
}

function policyMayConflict(policy: unknown, strict: boolean, disable: boolean): boolean {
  if (!isObj(policy)) return false
  if (isObj(policy.tls) && modeMayConflict(policy.tls.mode, strict, disable)) return true
  for (const l of objList(policy.portLevelSettings)) if (isObj(l.tls) && modeMayConflict(l.tls.mode, strict, disable)) return true
  return false
}

function modeMayConflict(m: unknown, strict: boolean, disable: boolean): boolean {
  return (strict && (m === 'DISABLE' || m === 'SIMPLE')) || (disable && m === 'ISTIO_MUTUAL')
}

function names(ws: Workload[]): string {
  const shown = ws.slice(0, 3).map((w) => `${w.kind} ${w.namespace}/${w.name}`)
  return shown.join(', ') + (ws.length > 3 ? ` and ${ws.length - 3} more` : '')
}
