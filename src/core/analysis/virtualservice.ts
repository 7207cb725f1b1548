/** Cross-resource checks of VirtualServices: destinations, subsets, gateways, host conflicts, weights. */
import {isObj, specOf, type Resource} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {ExportScope, hostsOverlap, splitNamespaced, wildcardKeys} from './hosts.js'
import {asObj, meshIndex, NameList, objList, stringList, type MeshIndex, type MeshService} from './mesh-index.js'
import {destHost, destinations, destPort, destSubset, vsGateways, vsHosts} from './routes.js'

/** Namespaces a VirtualService's destinations must be visible from (its exportTo, own namespace by default). */
function exportNamespaces(vs: Resource, ns: string): string[] {
  const list = stringList(specOf(vs).exportTo) ?? []
  if (list.length === 0 || list.includes('*')) return [ns]
  return [...new Set(list.filter((x) => x !== '~').map((x) => (x === '.' ? ns : x)))]
}

export const destinationHostAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-destination-hosts',
  istioAnalyzers: ['virtualservice.DestinationHostAnalyzer'],
  analyze(inv, ctx) {
    if (!inv.hasServices) return
    const idx = meshIndex(inv)
    for (const vs of idx.kind('VirtualService')) {
      const dests = destinations(vs)
      if (dests.length === 0) continue
      const ns = idx.ns(vs)
      const fromNamespaces = exportNamespaces(vs, ns)
      for (const d of dests) {
        const host = destHost(d.destination)
        if (d.missing || host === '') {
          ctx.report('CL3010', vs, d.missing ? d.entryPointer : d.pointer, 'route destination has no host')
          continue
        }
        const fq = idx.fqdn(host, ns)
        const services = idx.servicesFor(fq, fromNamespaces[0]!)
        // The first namespace (of the exportTo list) the host is not visible from.
        let invisibleFrom = services.length === 0 ? fromNamespaces[0] : undefined
        for (let i = 1; invisibleFrom === undefined && i < fromNamespaces.length; i++) if (idx.servicesFor(fq, fromNamespaces[i]!).length === 0) invisibleFrom = fromNamespaces[i]
        if (invisibleFrom !== undefined) {
          const anywhere = idx.servicesFor(fq, null)
          const k8sForm = /^[^.]+\.[^.]+$/.test(host) ? `${host}.svc.${inv.domainSuffix}` : undefined
          const why =
            anywhere.length > 0
              ? ` (it exists but is not exported to namespace ${invisibleFrom})`
              : k8sForm && idx.servicesFor(k8sForm, null).length > 0
                ? ` (Istio does not expand name.namespace; write ${k8sForm})`
                : ''
          ctx.report('CL3010', vs, `${d.pointer}/host`, `destination host ${host} matches no Service or ServiceEntry${why}`)
          continue
        }
        if (host.startsWith('*')) continue
        const port = destPort(d.destination)
        if (port === undefined && d.role !== 'route') continue
        const ports = servicePorts(services)
        if (port !== undefined) {
          if (ports.length > 0 && !ports.includes(port)) {
            ctx.report('CL3011', vs, `${d.pointer}/port/number`, `destination ${host}:${port}: the service has no port ${port} (ports: ${ports.join(', ')})`)
          }
        } else if (ports.length > 1) {
          ctx.report('CL3012', vs, d.pointer, `destination ${host} exposes ports ${ports.join(', ')}; set destination.port to choose one`)
        }
      }
    }
  },
}

/** The distinct ports of the services, in order of first appearance. */
function servicePorts(services: readonly MeshService[]): readonly number[] {
  if (services.length === 1 && services[0]!.ports.length <= 1) return services[0]!.ports
  const ports = new Set<number>()
  for (const s of services) for (const p of s.ports) ports.add(p)
  return [...ports]
}

export const subsetAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-subsets',
  istioAnalyzers: ['virtualservice.DestinationRuleAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    if (idx.kind('DestinationRule').length === 0) return // said once by inventory-gaps
    const wildcards = hasWildcardHost(idx.destinationRulesByHost)
    for (const vs of idx.kind('VirtualService')) {
      const ns = idx.ns(vs)
      for (const d of destinations(vs)) {
        const subset = destSubset(d.destination)
        const host = destHost(d.destination)
        if (!subset || !host) continue
        const fq = idx.fqdn(host, ns)
        const drs = drsFor(idx, fq, ns, wildcards)
        if (definedBySome(drs, subset)) continue
        const why = drs.length === 0 ? `no DestinationRule for host ${host}` : `DestinationRule ${drs.map((r) => `${idx.ns(r)}/${r.name}`).join(', ')} does not define it`
        ctx.report('CL3013', vs, `${d.pointer}/subset`, `subset ${subset} of ${host} is not defined: ${why}`)
      }
    }
  },
}

function hasWildcardHost(byHost: ReadonlyMap<string, unknown>): boolean {
  for (const k of byHost.keys()) if (k.startsWith('*')) return true
  return false
}

const NO_RESOURCES: readonly Resource[] = []

/** DestinationRules for `fq` (exact, then covering wildcards) visible from `fromNs`; shared: do not mutate. */
function drsFor(idx: MeshIndex, fq: string, fromNs: string, wildcards: boolean): readonly Resource[] {
  const byHost = idx.destinationRulesByHost
  const exact = byHost.get(fq) ?? NO_RESOURCES
  let out: Resource[] | undefined
  for (let i = 0; i < exact.length; i++) {
    if (idx.scopeOf(exact[i]!).visibleIn(fromNs)) out?.push(exact[i]!)
    else out ??= exact.slice(0, i)
  }
  if (!wildcards) return out ?? exact
  out ??= exact.slice()
  for (const key of wildcardKeys(fq)) {
    if (key === fq) continue
    for (const dr of byHost.get(key) ?? []) {
      if (idx.scopeOf(dr).visibleIn(fromNs)) out.push(dr)
    }
  }
  return out
}

function definedBySome(drs: readonly Resource[], subset: string): boolean {
  for (const dr of drs) {
    const subsets = specOf(dr).subsets
    if (!Array.isArray(subsets)) continue
    for (const s of subsets) if (isObj(s) && s.name === subset) return true
  }
  return false
}

const INTERNAL_GATEWAY = '~istio-autogenerated-k8s-gateway'

/** Server hosts of an Istio Gateway (`ns/host` form kept) or listener hostnames of a Kubernetes Gateway. */
function gatewayHosts(gw: Resource): string[] {
  const spec = specOf(gw)
  if (gw.apiVersion.startsWith('gateway.networking.k8s.io/')) {
    return objList(spec.listeners).map((l) => (typeof l.hostname === 'string' ? l.hostname : '*'))
  }
  return objList(spec.servers).flatMap((s) => stringList(s.hosts) ?? [])
}

export const gatewayRefAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-gateways',
  istioAnalyzers: ['virtualservice.GatewayAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    let k8sGateways: Map<string, Resource> | undefined
    for (const vs of idx.kind('VirtualService')) {
      const gws = stringList(specOf(vs).gateways)
      if (!gws || gws.length === 0) continue
      const ns = idx.ns(vs)
      if (!k8sGateways) {
        k8sGateways = new Map()
        for (const g of inv.byKind.get('Gateway') ?? []) if (g.apiVersion.startsWith('gateway.networking.k8s.io/') && g.name) k8sGateways.set(`${idx.ns(g)}/${g.name}`, g)
      }
      for (let i = 0; i < gws.length; i++) {
        const ref = gws[i]!
        if (ref === 'mesh') continue
        const pointer = `/spec/gateways/${i}`
        if (ref.includes(INTERNAL_GATEWAY)) {
          ctx.report('CL3018', vs, pointer, `gateway ${ref} is generated internally from a Kubernetes Gateway; reference the Kubernetes Gateway (parentRefs) instead`)
          continue
        }
        const {namespace, name} = splitNamespaced(ref, ns)
        const gw = idx.gateways.get(`${namespace}/${name}`) ?? k8sGateways.get(`${namespace}/${name}`)
        if (!gw && idx.gateways.size === 0 && k8sGateways.size === 0) continue // no Gateway in the inputs: said once by inventory-gaps
        if (!gw) {
          ctx.report('CL3016', vs, pointer, `gateway ${namespace}/${name} not found`)
          continue
        }
        const hosts = vsHosts(vs)
        if (!vsHostInGateway(gw, hosts, ns, idx.ns(gw))) {
          ctx.report('CL3017', vs, pointer, `none of the hosts ${hosts.join(', ') || '(none)'} is served by gateway ${namespace}/${name} (server hosts: ${[...new Set(gatewayHosts(gw))].join(', ') || 'none'})`)
        }
      }
    }
  },
}

/** True when a server host of the gateway admits some VirtualService host from namespace `vsNs`. */
export function vsHostInGateway(gw: Resource, vsHostList: readonly string[], vsNs: string, gwNs: string): boolean {
  for (const gh of gatewayHosts(gw)) {
    const slash = gh.indexOf('/')
    const hostNs = slash < 0 ? '*' : gh.slice(0, slash) === '.' ? gwNs : gh.slice(0, slash)
    const host = slash < 0 ? gh : gh.slice(slash + 1)
    if (hostNs !== '*' && hostNs !== vsNs) continue
    for (const vh of vsHostList) if (hostsOverlap(host, vh)) return true
  }
  return false
}

interface Binding {
  vs: Resource
  host: string
  hostIndex: number
  scope: ExportScope
}

export const meshHostConflictAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-host-conflicts',
  istioAnalyzers: ['virtualservice.ConflictingMeshGatewayHostsAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    // gateway key ('mesh' or ns/name) → host → bindings
    const byGatewayHost = new Map<string, Map<string, Binding[]>>()
    // Gateways with a wildcard host (only those need the covering lookups).
    const withWildcards = new Set<string>()
    for (const vs of idx.kind('VirtualService')) {
      const ns = idx.ns(vs)
      const scope = idx.scopeOf(vs)
      const vsHostList = vsHosts(vs)
      for (const g of vsGateways(vs)) {
        const key = g === 'mesh' ? 'mesh' : (({namespace, name}) => `${namespace}/${name}`)(splitNamespaced(g, ns))
        let hosts = byGatewayHost.get(key)
        if (!hosts) byGatewayHost.set(key, (hosts = new Map()))
        for (let hostIndex = 0; hostIndex < vsHostList.length; hostIndex++) {
          const h = vsHostList[hostIndex]!
          if (h === '*' && key === 'mesh') continue
          const fq = idx.fqdn(h, ns)
          const list = hosts.get(fq)
          const b = {vs, host: fq, hostIndex, scope}
          if (list) list.push(b)
          else hosts.set(fq, [b])
          if (fq.startsWith('*')) withWildcards.add(key)
        }
      }
    }
    // One finding per VirtualService and gateway, naming every conflicting host.
    for (const [gateway, hosts] of byGatewayHost) {
      const found = new Map<Resource, {hosts: NameList; others: NameList; hostIndex: number}>()
      const wildcards = withWildcards.has(gateway)
      for (const [host, exact] of hosts) {
        if (!wildcards && exact.length < 2) continue
        // Bindings of the same host, plus wildcard hosts that cover it (`*.d` covers `*.productpage.d`).
        const covering = wildcards ? wildcardKeys(host).flatMap((k) => (k !== host ? (hosts.get(k) ?? []) : [])) : []
        const bindings = covering.length > 0 ? [...exact, ...covering] : exact
        if (bindings.length < 2) continue
        // Bindings with the same exportTo scope conflict as a group: compare groups, mark a few names each.
        const groups = new Map<string, Binding[]>()
        for (const b of bindings) {
          const k = gateway !== 'mesh' ? '' : b.scope.all ? '*' : [...b.scope.namespaces].sort().join(',')
          const g = groups.get(k)
          if (g) g.push(b)
          else groups.set(k, [b])
        }
        const all = [...groups.values()]
        for (let i = 0; i < all.length; i++) {
          for (let j = i; j < all.length; j++) {
            const g1 = all[i]!
            const g2 = all[j]!
            if (gateway === 'mesh' && !g1[0]!.scope.overlaps(g2[0]!.scope)) continue
            for (const [xs, ys] of i === j ? [[g1, g1]] : [[g1, g2], [g2, g1]]) {
              for (const x of xs!) {
                const seen = found.get(x.vs)
                if (seen?.others.full) {
                  seen.hosts.add(x.host)
                  continue
                }
                let n = 0
                for (const y of ys!) {
                  if (y.vs === x.vs) continue
                  let f = found.get(x.vs)
                  if (!f) found.set(x.vs, (f = {hosts: new NameList(), others: new NameList(), hostIndex: x.hostIndex}))
                  f.hosts.add(x.host)
                  f.others.add(`${idx.ns(y.vs)}/${y.vs.name}`)
                  if (++n > 5) break
                }
              }
            }
          }
        }
      }
      for (const [vs, f] of found) {
        const others = String(f.others)
        if (gateway === 'mesh') {
          ctx.report('CL3015', vs, `/spec/hosts/${f.hostIndex}`, `host ${String(f.hosts)} is also defined for the mesh by VirtualService ${others}; merge them into one VirtualService`)
        } else {
          ctx.report('CL3019', vs, `/spec/hosts/${f.hostIndex}`, `host ${String(f.hosts)} on gateway ${gateway} is also defined by VirtualService ${others}; Istio merges them in creation order, so route order is not under your control`)
        }
      }
    }
  },
}

export const ingressSubsetAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-ingress-subsets',
  istioAnalyzers: ['virtualservice.DestinationHostAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    if (idx.kind('VirtualService').every((vs) => vsGateways(vs).includes('mesh'))) return
    const subsetHosts = new Map<string, Resource>()
    for (const vs of idx.kind('VirtualService')) {
      if (!vsGateways(vs).includes('mesh')) continue
      for (const d of destinations(vs)) if (destSubset(d.destination) && destHost(d.destination)) subsetHosts.set(idx.fqdn(destHost(d.destination), idx.ns(vs)), vs)
    }
    if (subsetHosts.size === 0) return
    for (const vs of idx.kind('VirtualService')) {
      if (vsGateways(vs).includes('mesh')) continue
      for (const d of destinations(vs)) {
        const host = destHost(d.destination)
        if (!host || destSubset(d.destination) || d.role !== 'route') continue
        const other = subsetHosts.get(idx.fqdn(host, idx.ns(vs)))
        if (!other || other === vs) continue
        ctx.report('CL3014', vs, `${d.pointer}/host`, `route to ${host} has no subset, so the subset routing of VirtualService ${idx.ns(other)}/${other.name} does not apply to traffic entering through this gateway`)
      }
    }
  },
}

export const weightAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-weights',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    for (const vs of idx.kind('VirtualService')) {
      const spec = specOf(vs)
      for (const protocol of PROTOCOLS) {
        const rules = spec[protocol]
        if (!Array.isArray(rules)) continue
        for (let i = 0; i < rules.length; i++) {
          const rule: unknown = rules[i]
          if (!isObj(rule) || !Array.isArray(rule.route)) continue
          const entries: unknown[] = rule.route
          if (entries.length === 1) {
            const w = weightOf(entries[0])
            if (w !== undefined && w !== 100) ctx.report('CL3021', vs, `/spec/${protocol}/${i}/route/0/weight`, `the only destination has weight ${w}; it receives all traffic anyway, so write 100 or leave the weight out`)
            continue
          }
          if (entries.length < 2) continue
          let weighted = false
          let total = 0
          for (const e of entries) {
            const w = weightOf(e)
            if (w !== undefined) weighted = true
            total += w ?? 0
          }
          if (!weighted) continue
          if (total !== 100 && total > 0) {
            ctx.report('CL3020', vs, `/spec/${protocol}/${i}/route`, `route weights total ${total}, not 100; Istio scales them proportionally, which is rarely what percentages meant`)
          }
        }
      }
    }
  },
}

const PROTOCOLS = ['http', 'tcp', 'tls'] as const

function weightOf(entry: unknown): number | undefined {
  return isObj(entry) && typeof entry.weight === 'number' ? entry.weight : undefined
}

export const jwtClaimRouteAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-jwt-claim-routes',
  istioAnalyzers: ['virtualservice.JWTClaimRouteAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    const requestAuthns = idx.kind('RequestAuthentication')
    for (const vs of idx.kind('VirtualService')) {
      const ns = idx.ns(vs)
      const claim = findClaimMatch(vs)
      if (!claim) continue
      for (const g of vsGateways(vs)) {
        if (g === 'mesh') continue
        const {namespace, name} = splitNamespaced(g, ns)
        const gw = idx.gateways.get(`${namespace}/${name}`)
        if (!gw) continue
        const selector = asObj(specOf(gw).selector) as Record<string, string>
        const pods = idx.selectWorkloads(selector, null)
        for (const pod of pods) {
          const covered = requestAuthns.some((ra) => {
            const raNs = idx.ns(ra)
            if (raNs !== pod.namespace && raNs !== inv.rootNamespace) return false
            const sel = asObj(asObj(specOf(ra).selector).matchLabels) as Record<string, string>
            return Object.entries(sel).every(([k, v]) => pod.labels[k] === v)
          })
          if (!covered) {
            ctx.report('CL3022', vs, claim.pointer, `route matches on JWT claim ${claim.key} but no RequestAuthentication applies to pod ${pod.namespace}/${pod.name} of gateway ${namespace}/${name}; the claim is never available`)
            break
          }
        }
      }
    }
  },
}

const HEADER_FIELDS = ['headers', 'withoutHeaders'] as const

function findClaimMatch(vs: Resource): {key: string; pointer: string} | undefined {
  const http = objList(specOf(vs).http)
  for (let i = 0; i < http.length; i++) {
    const matches = objList(http[i]!.match)
    for (let j = 0; j < matches.length; j++) {
      for (const field of HEADER_FIELDS) {
        const headers = matches[j]![field]
        if (!isObj(headers)) continue
        for (const key of Object.keys(headers)) {
          if (key.startsWith('@request.auth.claims')) return {key, pointer: `/spec/http/${i}/match/${j}/${field}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`}
        }
      }
    }
  }
  return undefined
}

export const delegateAnalyzer: CleatAnalyzer = {
  name: 'virtualservice-delegates',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    if (!idx.kind('VirtualService').some((vs) => objList(specOf(vs).http).some((rule) => isObj(rule.delegate)))) return
    const byName = new Map<string, Resource>()
    for (const vs of idx.kind('VirtualService')) if (vs.name) byName.set(`${idx.ns(vs)}/${vs.name}`, vs)
    for (const vs of idx.kind('VirtualService')) {
      objList(specOf(vs).http).forEach((rule, i) => {
        const d = rule.delegate
        if (!d || typeof d !== 'object' || Array.isArray(d)) return
        const del = d as Record<string, unknown>
        if (typeof del.name !== 'string') return
        const ns = typeof del.namespace === 'string' && del.namespace ? del.namespace : idx.ns(vs)
        const target = byName.get(`${ns}/${del.name}`)
        const pointer = `/spec/http/${i}/delegate`
        if (!target) ctx.report('CL3025', vs, pointer, `delegate VirtualService ${ns}/${del.name} is not in the inputs`)
        else if (vsHosts(target).length > 0) ctx.report('CL3026', vs, pointer, `VirtualService ${ns}/${del.name} has hosts, so it is not a delegate and Istio ignores this route`)
      })
    }
  },
}
