import {isObj, specOf, str, stringMap, type Obj, type Resource} from './resource.js'

/** A workload: something that runs a proxy and carries labels and a service account. */
export interface Workload {
  kind: string
  name: string
  namespace: string
  labels: Record<string, string>
  serviceAccount: string
  resource: Resource
}

/** A service name in the mesh: a Kubernetes Service or a ServiceEntry host. */
export interface ServiceInfo {
  /** Short name (Service) or host (ServiceEntry). */
  name: string
  namespace: string
  /** Fully qualified host, e.g. reviews.shop.svc.cluster.local. */
  host: string
  selector: Record<string, string>
  ports: {name?: string; port: number; targetPort?: number | string; protocol?: string}[]
  resource: Resource
}

/**
 * Offline inventory of everything the inputs describe, used by cross-resource analysis, authz and mTLS.
 * Built from all resources read, Istio and not.
 */
export interface Inventory {
  resources: readonly Resource[]
  byKind: ReadonlyMap<string, readonly Resource[]>
  workloads: readonly Workload[]
  services: readonly ServiceInfo[]
  namespaces: ReadonlySet<string>
  serviceAccounts: ReadonlySet<string>
  /** True when the inputs contain any Service/ServiceEntry (so host checks are meaningful). */
  hasServices: boolean
  /** True when the inputs contain any workload (Pod, Deployment, ..., WorkloadEntry). */
  hasWorkloads: boolean
  rootNamespace: string
  domainSuffix: string
  /**
   * Resources of each Istio kind whose apiVersion belongs to the kind's API group (a `Gateway` of
   * gateway.networking.k8s.io is not an Istio Gateway), in input order: `byKind` filtered once while
   * building. Optional: code that builds or edits an inventory by hand must leave it out (analysis then
   * filters `byKind` itself).
   */
  istioByKind?: ReadonlyMap<string, readonly Resource[]>
}

/** API group prefix of each Istio kind. */
export const ISTIO_GROUP_OF: Readonly<Record<string, string>> = {
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

interface KindLists {
  all: Resource[]
  /** The kind's Istio API group prefix, if it is an Istio kind. */
  group: string | undefined
  istio: Resource[] | undefined
}

const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController'])

export interface InventoryOptions {
  rootNamespace?: string
  domainSuffix?: string
  defaultNamespace?: string
}

export function buildInventory(resources: readonly Resource[], opts: InventoryOptions = {}): Inventory {
  const domainSuffix = opts.domainSuffix ?? 'cluster.local'
  const defaultNamespace = opts.defaultNamespace ?? 'default'
  const byKind = new Map<string, Resource[]>()
  const workloads: Workload[] = []
  const services: ServiceInfo[] = []
  const namespaces = new Set<string>()
  const serviceAccounts = new Set<string>()
  const lists = new Map<string, KindLists>()
  const istioByKind = new Map<string, Resource[]>()
  // Inputs often come grouped by namespace: remember the last namespace added.
  let lastNs: string | undefined
  let lastSa: string | undefined
  let lastSaNs: string | undefined
  for (const r of resources) {
    const kind = r.kind
    let kl = lists.get(kind)
    if (!kl) {
      const group = Object.prototype.hasOwnProperty.call(ISTIO_GROUP_OF, kind) ? ISTIO_GROUP_OF[kind] : undefined
      kl = {all: [], group, istio: group === undefined ? undefined : []}
      lists.set(kind, kl)
      byKind.set(kind, kl.all)
      if (kl.istio) istioByKind.set(kind, kl.istio)
    }
    kl.all.push(r)
    if (kl.group !== undefined && r.apiVersion.startsWith(kl.group)) kl.istio!.push(r)
    const ns = r.namespace ?? defaultNamespace
    if (kind === 'Namespace' && r.name) namespaces.add(r.name)
    else if (ns !== lastNs) {
      namespaces.add(ns)
      lastNs = ns
    }
    switch (kind) {
      case 'ServiceAccount':
        if (r.name) serviceAccounts.add(`${ns}/${r.name}`)
        break
      case 'Service':
        if (r.apiVersion === 'v1' && r.name) {
          const spec = specOf(r)
          services.push({
            name: r.name,
            namespace: ns,
            host: `${r.name}.${ns}.svc.${domainSuffix}`,
            selector: stringMap(spec.selector),
            ports: Array.isArray(spec.ports) ? spec.ports.filter(isObj).map(portOf) : [],
            resource: r,
          })
        }
        break
      case 'ServiceEntry':
        if (r.apiVersion.startsWith('networking.istio.io/')) {
          const spec = specOf(r)
          const hosts = Array.isArray(spec.hosts) ? spec.hosts.filter((h): h is string => typeof h === 'string') : []
          const ports = Array.isArray(spec.ports) ? spec.ports.filter(isObj).map((p) => ({name: str(p.name), port: Number(p.number), targetPort: p.targetPort as number | undefined, protocol: str(p.protocol)})) : []
          const selector = isObj(spec.workloadSelector) ? stringMap(spec.workloadSelector.labels) : {}
          for (const h of hosts) services.push({name: h, namespace: ns, host: h, selector, ports, resource: r})
        }
        break
      default: {
        const w = WORKLOAD_KINDS.has(kind) ? workloadOf(r, ns) : undefined
        if (w) {
          workloads.push(w)
          // (replicas of one app usually share namespace and service account: skip the repeated key)
          if (w.serviceAccount !== lastSa || ns !== lastSaNs) {
            serviceAccounts.add(`${ns}/${w.serviceAccount}`)
            lastSa = w.serviceAccount
            lastSaNs = ns
          }
        }
      }
    }
  }
  return {
    resources,
    byKind,
    workloads,
    services,
    namespaces,
    serviceAccounts,
    hasServices: services.length > 0,
    hasWorkloads: workloads.length > 0,
    rootNamespace: opts.rootNamespace ?? 'istio-system',
    domainSuffix,
    istioByKind,
  }
}

/** Kinds `workloadOf` may turn into a workload. */
const WORKLOAD_KINDS = new Set([...POD_TEMPLATE_KINDS, 'Pod', 'CronJob', 'WorkloadEntry'])

function workloadOf(r: Resource, ns: string): Workload | undefined {
  if (!r.name) return undefined
  const spec = specOf(r)
  if (r.kind === 'Pod' && r.apiVersion === 'v1') {
    return {kind: 'Pod', name: r.name, namespace: ns, labels: r.labels, serviceAccount: str(spec.serviceAccountName) ?? 'default', resource: r}
  }
  if (POD_TEMPLATE_KINDS.has(r.kind) || r.kind === 'CronJob') {
    let tmpl: Obj | undefined = isObj(spec.template) ? spec.template : undefined
    if (r.kind === 'CronJob' && isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec) && isObj(spec.jobTemplate.spec.template)) tmpl = spec.jobTemplate.spec.template
    if (!tmpl) return undefined
    const meta = isObj(tmpl.metadata) ? tmpl.metadata : {}
    const podSpec = isObj(tmpl.spec) ? tmpl.spec : {}
    return {kind: r.kind, name: r.name, namespace: ns, labels: stringMap(meta.labels), serviceAccount: str(podSpec.serviceAccountName) ?? 'default', resource: r}
  }
  if (r.kind === 'WorkloadEntry' && r.apiVersion.startsWith('networking.istio.io/')) {
    return {kind: r.kind, name: r.name, namespace: ns, labels: stringMap(spec.labels), serviceAccount: str(spec.serviceAccount) ?? 'default', resource: r}
  }
  return undefined
}

function portOf(p: Obj): ServiceInfo['ports'][number] {
  return {name: str(p.name), port: Number(p.port), targetPort: p.targetPort as number | string | undefined, protocol: str(p.protocol)}
}

/** True when every selector label is present with the same value (an empty selector matches all). */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false
  return true
}
