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
  /** exportTo scope of a DestinationRule, VirtualService or ServiceEntry (computed once). */
  scopeOf(r: Resource): ExportScope
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
  const kinds = new Map<string, readonly Resource[]>()
  const kind = (k: string): readonly Resource[] => {
    let list = kinds.get(k)
    if (!list) {
      const all = inv.byKind.get(k) ?? []
      const group = ISTIO_GROUP_OF[k]
      list = group ? all.filter((r) => r.apiVersion.startsWith(group)) : all
      kinds.set(k, list)
    }
    return list
  }

  const servicesByHost = new Map<string, MeshService[]>()
  for (const info of inv.services) {
    const fromSE = info.resource.kind === 'ServiceEntry'
    const exportTo = fromSE ? stringList(specOf(info.resource).exportTo) : serviceExportTo(info.resource)
    // ServiceEntry hosts are resolved like any other host (a short name lives in the entry's namespace).
    const host = fromSE ? fqdn(info.host, info.namespace) : info.host
    const svc: MeshService = {
      info,
      host,
      namespace: info.namespace,
      scope: new ExportScope(exportTo, info.namespace),
      ports: info.ports.map((p) => p.port).filter((p) => Number.isFinite(p)),
      fromServiceEntry: fromSE,
    }
    push(servicesByHost, host, svc)
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
  // label → workloads, overall and per namespace; selections are memoized (many policies share selectors).
  const labelIndex = new Map<string, Workload[]>()
  for (const w of inv.workloads) {
    push(workloadsByNs, w.namespace, w)
    for (const [k, v] of Object.entries(w.labels)) {
      push(labelIndex, `\u0000${k}\u0000${v}`, w)
      push(labelIndex, `${w.namespace}\u0000${k}\u0000${v}`, w)
    }
  }
  const selections = new Map<string, Workload[]>()
  const selectWorkloads = (selector: Record<string, string>, n: string | null): Workload[] => {
    const entries = Object.entries(selector)
    const key = `${n ?? ''}\u0001${entries.map(([k, v]) => `${k}\u0000${v}`).sort().join('\u0001')}`
    const memo = selections.get(key)
    if (memo) return memo
    let candidates: readonly Workload[] | undefined
    for (const [k, v] of entries) {
      const list = labelIndex.get(`${n ?? ''}\u0000${k}\u0000${v}`) ?? []
      if (!candidates || list.length < candidates.length) candidates = list
    }
    candidates ??= n === null ? inv.workloads : (workloadsByNs.get(n) ?? [])
    const out = candidates.filter((w) => (n === null || w.namespace === n) && entries.every(([k, v]) => w.labels[k] === v))
    selections.set(key, out)
    return out
  }

  const scopes = new Map<Resource, ExportScope>()
  const scopeOf = (r: Resource): ExportScope => {
    let sc = scopes.get(r)
    if (!sc) scopes.set(r, (sc = new ExportScope(stringList(specOf(r).exportTo), ns(r))))
    return sc
  }

  // Lookups by name, built per kind on first use (only a few kinds are looked up by name).
  const named = new Map<string, Map<string, Resource>>()
  const byName = (k: string, n: string, name: string): Resource | undefined => {
    let m = named.get(k)
    if (!m) {
      m = new Map()
      for (const r of inv.byKind.get(k) ?? []) if (r.name) m.set(`${k === 'Namespace' || k === 'Node' ? '' : ns(r)}\u0000${r.name}`, r)
      named.set(k, m)
    }
    return m.get(`${k === 'Namespace' || k === 'Node' ? '' : n}\u0000${name}`)
  }

  return {
    inventory: inv,
    kind,
    ns,
    fqdn,
    servicesFor,
    servicesByHost,
    gateways,
    destinationRulesByHost,
    scopeOf,
    selectWorkloads,
    workloadsIn: (n) => workloadsByNs.get(n) ?? [],
    byName,
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

/** A short list of names for messages: the first few, then "and others" (bounded memory and text). */
export class NameList {
  private readonly names = new Set<string>()
  private more = false
  constructor(private readonly max = 5) {}

  add(name: string): void {
    if (this.names.has(name)) return
    if (this.names.size < this.max) this.names.add(name)
    else this.more = true
  }

  get size(): number {
    return this.names.size
  }

  /** True once the list shows its maximum and knows there are more: adding changes nothing. */
  get full(): boolean {
    return this.more
  }

  toString(): string {
    return [...this.names].sort().join(', ') + (this.more ? ' and others' : '')
  }
}
