/**
 * Indexes over an Inventory, built once per inventory and shared by every analyzer, so that no
 * analyzer scans all resources per resource (maps by namespace, host and label).
 */
import type {Inventory, ServiceInfo, Workload} from '../model/inventory.js'
import {effectiveNamespace, isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import {ExportScope, resolveHost, wildcardKeys} from './hosts.js'

export interface MeshService {
  info: ServiceInfo
  /** Fully qualified host (Service) or the host as written (ServiceEntry). */
  host: string
  namespace: string
  scope: ExportScope
  /** Service port numbers (Service `port`, ServiceEntry `number`). */
  ports: number[]
  fromServiceEntry: boolean
}

export interface MeshIndex {
  inventory: Inventory
  /** Resources of a kind (Istio kinds only when their group matches). */
  kind(kind: string): readonly Resource[]
  ns(r: Resource): string
  /** Resolve a host written in namespace `ns`. */
  fqdn(host: string, ns: string): string
  /** Services (exact host or covering wildcard ServiceEntry) visible from `fromNs`. */
  servicesFor(host: string, fromNs: string | null): MeshService[]
  /** All services by exact host (no visibility filter). */
  servicesByHost: ReadonlyMap<string, readonly MeshService[]>
  /** Gateways by `namespace/name`. */
  gateways: ReadonlyMap<string, Resource>
  /** DestinationRules by resolved host (as written after resolution, wildcards kept). */
  destinationRulesByHost: ReadonlyMap<string, readonly Resource[]>
  /** Workloads matching every selector label, in `ns` (or anywhere when ns is null). */
  selectWorkloads(selector: Record<string, string>, ns: string | null): Workload[]
  workloadsIn(ns: string): readonly Workload[]
  /** Resources by kind and `namespace/name` (Secrets, Namespaces, ...). */
  byName(kind: string, namespace: string, name: string): Resource | undefined
  /** Namespaces that exist as Namespace objects or hold any resource. */
  namespaces: ReadonlySet<string>
}

const cache = new WeakMap<Inventory, MeshIndex>()

export function meshIndex(inv: Inventory): MeshIndex {
  let idx = cache.get(inv)
  if (!idx) {
    idx = build(inv)
    cache.set(inv, idx)
  }
  return idx
}

const ISTIO_GROUP_OF: Record<string, string> = {
  VirtualService: 'networking.istio.io/',
  DestinationRule: 'networking.istio.io/',
  Gateway: 'networking.istio.io/',
  ServiceEntry: 'networking.istio.io/',
  Sidecar: 'networking.istio.io/',
  WorkloadEntry: 'networking.istio.io/',
  WorkloadGroup: 'networking.istio.io/',
  AuthorizationPolicy: 'security.istio.io/',
  PeerAuthentication: 'security.istio.io/',
  RequestAuthentication: 'security.istio.io/',
}

function build(inv: Inventory): MeshIndex {
  const ns = (r: Resource): string => effectiveNamespace(r)
  const fqdn = (host: string, n: string): string => resolveHost(host, n, inv.domainSuffix)
  const kinds = new Map<string, Resource[]>()
  for (const [k, list] of inv.byKind) {
    const group = ISTIO_GROUP_OF[k]
    kinds.set(k, group ? list.filter((r) => r.apiVersion.startsWith(group)) : [...list])
  }
  const kind = (k: string): readonly Resource[] => kinds.get(k) ?? []

  const servicesByHost = new Map<string, MeshService[]>()
  for (const info of inv.services) {
    const fromSE = info.resource.kind === 'ServiceEntry'
    const exportTo = fromSE ? stringList(specOf(info.resource).exportTo) : serviceExportTo(info.resource)
    const svc: MeshService = {
      info,
      host: info.host,
      namespace: info.namespace,
      scope: new ExportScope(exportTo, info.namespace),
      ports: info.ports.map((p) => p.port).filter((p) => Number.isFinite(p)),
      fromServiceEntry: fromSE,
    }
    push(servicesByHost, info.host, svc)
  }
  const servicesFor = (host: string, fromNs: string | null): MeshService[] => {
    const out: MeshService[] = []
    const visible = (s: MeshService): boolean => fromNs === null || s.scope.visibleIn(fromNs)
    for (const s of servicesByHost.get(host) ?? []) if (visible(s)) out.push(s)
    if (out.length > 0) return out
    for (const key of wildcardKeys(host)) {
      if (key === host) continue
      for (const s of servicesByHost.get(key) ?? []) if (s.fromServiceEntry && visible(s)) out.push(s)
    }
    return out
  }

  const gateways = new Map<string, Resource>()
  for (const g of kind('Gateway')) if (g.name) gateways.set(`${ns(g)}/${g.name}`, g)

  const destinationRulesByHost = new Map<string, Resource[]>()
  for (const dr of kind('DestinationRule')) {
    const host = specOf(dr).host
    if (typeof host === 'string') push(destinationRulesByHost, fqdn(host, ns(dr)), dr)
  }

  const workloadsByNs = new Map<string, Workload[]>()
  const labelIndex = new Map<string, Workload[]>()
  for (const w of inv.workloads) {
    push(workloadsByNs, w.namespace, w)
    for (const [k, v] of Object.entries(w.labels)) push(labelIndex, `${k}\u0000${v}`, w)
  }
  const selectWorkloads = (selector: Record<string, string>, n: string | null): Workload[] => {
    const entries = Object.entries(selector)
    let candidates: readonly Workload[] | undefined
    for (const [k, v] of entries) {
      const list = labelIndex.get(`${k}\u0000${v}`) ?? []
      if (!candidates || list.length < candidates.length) candidates = list
    }
    candidates ??= n === null ? inv.workloads : (workloadsByNs.get(n) ?? [])
    return candidates.filter((w) => (n === null || w.namespace === n) && entries.every(([k, v]) => w.labels[k] === v))
  }

  const named = new Map<string, Resource>()
  for (const r of inv.resources) if (r.name) named.set(`${r.kind}\u0000${r.kind === 'Namespace' ? '' : ns(r)}\u0000${r.name}`, r)

  return {
    inventory: inv,
    kind,
    ns,
    fqdn,
    servicesFor,
    servicesByHost,
    gateways,
    destinationRulesByHost,
    selectWorkloads,
    workloadsIn: (n) => workloadsByNs.get(n) ?? [],
    byName: (k, n, name) => named.get(`${k}\u0000${k === 'Namespace' ? '' : n}\u0000${name}`),
    namespaces: inv.namespaces,
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}

function serviceExportTo(r: Resource): string[] | undefined {
  const a = r.annotations['networking.istio.io/exportTo']
  return a === undefined ? undefined : a.split(',').map((s) => s.trim()).filter(Boolean)
}

export function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined
}

export function stringMap(v: unknown): Record<string, string> {
  if (!isObj(v)) return {}
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val
  return out
}

export function objList(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : []
}

export function asObj(v: unknown): Obj {
  return isObj(v) ? v : {}
}

/** `selector.matchLabels` (security kinds) or `workloadSelector.labels` (Sidecar, DR). */
export function matchLabels(spec: Obj, field: 'selector' | 'workloadSelector'): Record<string, string> | undefined {
  const sel = spec[field]
  if (!isObj(sel)) return undefined
  return stringMap(field === 'selector' ? sel.matchLabels : sel.labels)
}

export function labelText(sel: Record<string, string>): string {
  return Object.entries(sel)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}
