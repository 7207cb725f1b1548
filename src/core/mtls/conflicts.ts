import type {Inventory, ServiceInfo} from '../model/inventory.js'
import {effectiveNamespace, isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import {id, type MtlsMode, type WorkloadRef} from './effective.js'

/** A client-side TLS setting (DestinationRule) that cannot work with the server's effective mTLS mode. */
export interface TlsConflict {
  /** `namespace/name` of the DestinationRule. */
  destinationRule: string
  /** The DestinationRule host that covers a Service of the workload. */
  host: string
  /** The subset whose traffic policy holds the setting, or null for the rule's own traffic policy. */
  subset: string | null
  /** The service port of a portLevelSettings entry, or null for the default setting. */
  port: number | null
  /** The client TLS mode: DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL. */
  tlsMode: string
  /** The server's effective mode it conflicts with. */
  serverMode: MtlsMode
  /** JSON pointer of the tls block inside the DestinationRule. */
  path: string
  reason: string
}

/** Kubernetes Services (not ServiceEntries) that select the workload. */
export function servicesOf(inventory: Inventory, workload: WorkloadRef): ServiceInfo[] {
  return inventory.services.filter(
    (s) =>
      s.resource.kind === 'Service' &&
      s.namespace === workload.namespace &&
      Object.keys(s.selector).length > 0 &&
      Object.entries(s.selector).every(([k, v]) => workload.labels[k] === v),
  )
}

/** The numeric target (container) port of a service port, resolving named ports through the given lookup. */
export function targetPortOf(p: ServiceInfo['ports'][number], named: (name: string) => number | undefined = () => undefined): number | undefined {
  if (typeof p.targetPort === 'number') return p.targetPort
  if (typeof p.targetPort === 'string') return /^\d+$/.test(p.targetPort) ? Number(p.targetPort) : named(p.targetPort)
  return Number.isInteger(p.port) ? p.port : undefined
}

/**
 * DestinationRule TLS settings that conflict with a workload port's effective mTLS mode:
 * STRICT with DISABLE (plaintext), SIMPLE or MUTUAL (TLS that is not Istio mTLS) is rejected by the
 * server; DISABLE with ISTIO_MUTUAL sends mTLS to a server that does not terminate it.
 * `port` is a workload (target) port; null checks the DestinationRules' default settings only.
 * Host matching: exact FQDN, short name expanded in the rule's namespace, or a `*`/`*.suffix` wildcard;
 * exportTo and workloadSelector on DestinationRules are not taken into account.
 */
export function tlsConflicts(
  inventory: Inventory,
  workload: WorkloadRef,
  port: number | null,
  serverMode: MtlsMode,
  opts: {ignore?: (r: Resource) => boolean; namedPort?: (name: string) => number | undefined} = {},
): TlsConflict[] {
  if (serverMode === 'PERMISSIVE') return []
  const services = servicesOf(inventory, workload)
  if (services.length === 0) return []
  const out: TlsConflict[] = []
  for (const dr of inventory.byKind.get('DestinationRule') ?? []) {
    if (!dr.apiVersion.startsWith('networking.istio.io/') || !dr.name || (opts.ignore?.(dr) ?? false)) continue
    const spec = specOf(dr)
    if (typeof spec.host !== 'string') continue
    const host = spec.host
    const fqdn = expandHost(host, effectiveNamespace(dr), inventory.domainSuffix)
    for (const svc of services) {
      if (!hostMatches(fqdn, svc.host)) continue
      const servicePorts = port === null ? [] : svc.ports.filter((p) => targetPortOf(p, opts.namedPort) === port).map((p) => p.port)
      const policies: {subset: string | null; tp: unknown; base: string}[] = [{subset: null, tp: spec.trafficPolicy, base: '/spec/trafficPolicy'}]
      if (Array.isArray(spec.subsets)) {
        spec.subsets.forEach((s, i) => {
          if (!isObj(s) || typeof s.name !== 'string') return
          const labels = isObj(s.labels) ? (s.labels as Record<string, unknown>) : {}
          if (Object.entries(labels).every(([k, v]) => workload.labels[k] === v)) policies.push({subset: s.name, tp: s.trafficPolicy, base: `/spec/subsets/${i}/trafficPolicy`})
        })
      }
      for (const {subset, tp, base} of policies) {
        if (!isObj(tp)) continue
        const setting = pickTls(tp, servicePorts, base)
        if (!setting) continue
        const reason = conflictReason(serverMode, setting.mode)
        if (reason) out.push({destinationRule: id(dr), host, subset, port: setting.port, tlsMode: setting.mode, serverMode, path: setting.path, reason})
      }
    }
  }
  return out
}

function pickTls(tp: Obj, servicePorts: number[], base: string): {mode: string; port: number | null; path: string} | undefined {
  if (Array.isArray(tp.portLevelSettings)) {
    for (let i = 0; i < tp.portLevelSettings.length; i++) {
      const pl = tp.portLevelSettings[i]
      if (!isObj(pl) || !isObj(pl.port) || !servicePorts.includes(Number(pl.port.number))) continue
      if (isObj(pl.tls) && typeof pl.tls.mode === 'string') return {mode: pl.tls.mode, port: Number(pl.port.number), path: `${base}/portLevelSettings/${i}/tls`}
    }
  }
  if (isObj(tp.tls) && typeof tp.tls.mode === 'string') return {mode: tp.tls.mode, port: null, path: `${base}/tls`}
  return undefined
}

function conflictReason(server: MtlsMode, client: string): string | undefined {
  if (server === 'STRICT' && client === 'DISABLE') return 'clients send plaintext but the workload only accepts mTLS (STRICT)'
  if (server === 'STRICT' && (client === 'SIMPLE' || client === 'MUTUAL')) return `clients originate their own TLS (${client}), not Istio mTLS, but the workload only accepts Istio mTLS (STRICT)`
  if (server === 'DISABLE' && client === 'ISTIO_MUTUAL') return 'clients send Istio mTLS but the workload has mTLS disabled (DISABLE)'
  return undefined
}

function expandHost(host: string, namespace: string, domainSuffix: string): string {
  if (host.includes('*') || host.includes('.')) return host.toLowerCase()
  return `${host}.${namespace}.svc.${domainSuffix}`.toLowerCase()
}

function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase()
  if (pattern === '*') return true
  if (pattern.startsWith('*.')) return h.endsWith(pattern.slice(1))
  return pattern === h
}
