/** Cross-resource checks of Gateways: workloads, service ports, conflicts, certificates, credentials. */
import {createPrivateKey, X509Certificate} from 'node:crypto'
import type {ServiceInfo, Workload} from '../model/inventory.js'
import {isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {hostsOverlap, wildcardKeys} from './hosts.js'
import {labelText, meshIndex, NameList, objList, stringList, stringMap, type MeshIndex} from './mesh-index.js'

interface GatewaySelector {
  labels: Record<string, string>
  /** labelText(labels): the key gateways are grouped by. */
  text: string
}

/** Selector of each Gateway (and its text), computed once per inventory and shared by the gateway analyzers. */
function gatewaySelector(idx: MeshIndex, gw: Resource): GatewaySelector {
  const cache = idx.memo('gateway-selectors', () => new Map<Resource, GatewaySelector>())
  let sel = cache.get(gw)
  if (!sel) {
    const labels = stringMap(specOf(gw).selector)
    cache.set(gw, (sel = {labels, text: labelText(labels)}))
  }
  return sel
}

function selectorOf(idx: MeshIndex, gw: Resource): Record<string, string> {
  return gatewaySelector(idx, gw).labels
}

/**
 * True when two Gateways can be served by the same proxies: with workloads in the inputs, when their
 * selectors select a common workload; without, when one selector's labels are all in the other.
 */
const workloadSets = new WeakMap<readonly Workload[], Set<Workload>>()

function gatewaysShareWorkloads(idx: MeshIndex, a: Resource, b: Resource): boolean {
  const sa = selectorOf(idx, a)
  const sb = selectorOf(idx, b)
  if (idx.inventory.hasWorkloads) {
    const wa = idx.selectWorkloads(sa, null)
    if (wa.length === 0) return false
    const lb = idx.selectWorkloads(sb, null)
    let wb = workloadSets.get(lb)
    if (!wb) workloadSets.set(lb, (wb = new Set(lb)))
    return wa.some((w) => wb.has(w))
  }
  const sub = (x: Record<string, string>, y: Record<string, string>): boolean => Object.entries(x).every(([k, v]) => y[k] === v)
  return sub(sa, sb) || sub(sb, sa)
}

function gatewayPods(idx: MeshIndex, gw: Resource): readonly Workload[] {
  return idx.selectWorkloads(selectorOf(idx, gw), null)
}

export const gatewayWorkloadAnalyzer: CleatAnalyzer = {
  name: 'gateway-workloads',
  istioAnalyzers: ['gateway.IngressGatewayPortAnalyzer'],
  analyze(inv, ctx) {
    if (!inv.hasWorkloads) return
    const idx = meshIndex(inv)
    const services = inv.services.filter((s) => s.resource.kind === 'Service')
    const portsBySelector = new Map<string, Set<number>>()
    for (const gw of idx.kind('Gateway')) {
      const {text} = gatewaySelector(idx, gw)
      const pods = gatewayPods(idx, gw)
      if (pods.length === 0) {
        ctx.report('CL3040', gw, '/spec/selector', `selector ${text || '(empty)'} matches no workload in the inputs, so no proxy serves this gateway`)
        continue
      }
      if (!inv.hasServices) continue
      let ports = portsBySelector.get(text)
      if (!ports) portsBySelector.set(text, (ports = servicePorts(pods, services)))
      const servers = objList(specOf(gw).servers)
      for (let i = 0; i < servers.length; i++) {
        const server = servers[i]!
        const n = isObj(server.port) ? server.port.number : undefined
        if (typeof n !== 'number' || ports.has(n)) continue
        ctx.report('CL3041', gw, `/spec/servers/${i}/port/number`, `port ${n} is not a target port of any Service in front of the gateway workloads (${text}); it is unreachable through those Services`)
      }
    }
  },
}

/** Target ports (TCP) of the Services that select any of the pods. */
function servicePorts(pods: readonly Workload[], services: readonly ServiceInfo[]): Set<number> {
  const ports = new Set<number>()
  for (const pod of pods) {
    for (const s of services) {
      if (s.namespace !== pod.namespace || !Object.entries(s.selector).every(([k, v]) => pod.labels[k] === v)) continue
      for (const p of s.ports) {
        if (p.protocol !== undefined && p.protocol !== 'TCP') continue
        ports.add(typeof p.targetPort === 'number' && p.targetPort !== 0 ? p.targetPort : p.port)
      }
    }
  }
  return ports
}

interface ServerRef {
  gw: Resource
  index: number
  port: number
  host: string
}

export const gatewayConflictAnalyzer: CleatAnalyzer = {
  name: 'gateway-conflicts',
  istioAnalyzers: ['gateway.ConflictingGatewayAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    // port → exact host → server(s), and port → wildcard host → servers (a lone exact server stays unwrapped)
    const exact = new Map<number, Map<string, ServerRef | ServerRef[]>>()
    const wild = new Map<number, Map<string, ServerRef[]>>()
    for (const gw of idx.kind('Gateway')) {
      const servers = objList(specOf(gw).servers)
      for (let index = 0; index < servers.length; index++) {
        const server = servers[index]!
        const port = isObj(server.port) ? server.port.number : undefined
        if (typeof port !== 'number') continue
        for (const h of stringList(server.hosts) ?? []) {
          const host = h.includes('/') ? h.slice(h.indexOf('/') + 1) : h
          const ref = {gw, index, port, host}
          if (host.startsWith('*')) {
            let byHost = wild.get(port)
            if (!byHost) wild.set(port, (byHost = new Map()))
            const list = byHost.get(host)
            if (list) list.push(ref)
            else byHost.set(host, [ref])
          } else {
            let byHost = exact.get(port)
            if (!byHost) exact.set(port, (byHost = new Map()))
            const seen = byHost.get(host)
            if (seen === undefined) byHost.set(host, ref)
            else if (Array.isArray(seen)) seen.push(ref)
            else byHost.set(host, [seen, ref])
          }
        }
      }
    }
    const conflicts = new Map<Resource, {others: NameList; ports: Set<number>; hosts: NameList; index: number}>()
    const mark = (x: ServerRef, y: ServerRef): void => {
      let c = conflicts.get(x.gw)
      if (!c) conflicts.set(x.gw, (c = {others: new NameList(), ports: new Set<number>(), hosts: new NameList(), index: x.index}))
      c.others.add(`${idx.ns(y.gw)}/${y.gw.name}`)
      c.ports.add(x.port)
      c.hosts.add(x.host)
    }
    // Servers with the same port, host and selector form a group; groups conflict as a whole, so each
    // member is marked against a few members of the other group (names in messages are capped anyway).
    const markAll = (xs: readonly ServerRef[], ys: readonly ServerRef[]): void => {
      for (const x of xs) {
        let n = 0
        for (const y of ys) {
          if (y.gw === x.gw) continue
          mark(x, y)
          if (++n > 5) break
        }
      }
    }
    const conflictGroups = (g1: readonly ServerRef[], g2: readonly ServerRef[]): void => {
      if (!gatewaysShareWorkloads(idx, g1[0]!.gw, g2[0]!.gw)) return
      markAll(g1, g2)
      if (g1 !== g2) markAll(g2, g1)
    }
    const bySelector = (list: readonly ServerRef[]): ServerRef[][] => {
      const m = new Map<string, ServerRef[]>()
      for (const r of list) {
        const k = gatewaySelector(idx, r.gw).text
        const g = m.get(k)
        if (g) g.push(r)
        else m.set(k, [r])
      }
      return [...m.values()]
    }
    const groupsOf = (byHost: Map<string, ServerRef[]>) => new Map([...byHost].map(([h, list]) => [h, bySelector(list)] as const))
    for (const [port, byHost] of exact) {
      const wildGroups = wild.has(port) ? groupsOf(wild.get(port)!) : undefined
      for (const [host, servers] of byHost) {
        // A lone server conflicts with nothing on its exact host.
        if (!Array.isArray(servers) && !wildGroups) continue
        const groups = bySelector(Array.isArray(servers) ? servers : [servers])
        for (let i = 0; i < groups.length; i++) for (let j = i; j < groups.length; j++) conflictGroups(groups[i]!, groups[j]!)
        if (!wildGroups) continue
        for (const key of wildcardKeys(host)) for (const wg of wildGroups.get(key) ?? []) for (const g of groups) conflictGroups(g, wg)
      }
    }
    for (const byHost of wild.values()) {
      const all = [...groupsOf(byHost).values()].flat()
      for (let i = 0; i < all.length; i++) {
        for (let j = i; j < all.length; j++) if (hostsOverlap(all[i]![0]!.host, all[j]![0]!.host)) conflictGroups(all[i]!, all[j]!)
      }
    }
    for (const [gw, c] of conflicts) {
      ctx.report('CL3042', gw, `/spec/servers/${c.index}`, `conflicts with gateway ${String(c.others)}: same workloads (${gatewaySelector(idx, gw).text}), port ${[...c.ports].join(', ')}, overlapping hosts ${String(c.hosts)}; only one of them takes effect`)
    }
  },
}

function certKey(tls: Obj): string | undefined {
  if (typeof tls.credentialName === 'string' && tls.credentialName !== '') return `credential:${tls.credentialName}`
  if (typeof tls.serverCertificate === 'string' && typeof tls.privateKey === 'string') return `files:${tls.serverCertificate}|${tls.privateKey}`
  return undefined
}

export const gatewayCertificateAnalyzer: CleatAnalyzer = {
  name: 'gateway-certificates',
  istioAnalyzers: ['gateway.CertificateAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    const byCert = new Map<string, {gw: Resource; index: number}[]>()
    for (const gw of idx.kind('Gateway')) {
      const servers = objList(specOf(gw).servers)
      for (let index = 0; index < servers.length; index++) {
        const server = servers[index]!
        const key = isObj(server.tls) ? certKey(server.tls) : undefined
        if (!key) continue
        const list = byCert.get(key)
        if (!list) byCert.set(key, [{gw, index}])
        else if (list[list.length - 1]!.gw !== gw) list.push({gw, index})
      }
    }
    const found = new Map<Resource, {others: NameList; index: number}>()
    for (const list of byCert.values()) {
      if (list.length < 2) continue
      // Gateways with the same selector share workloads or not as a group; compare groups, mark a few names.
      const groups = new Map<string, {gw: Resource; index: number}[]>()
      for (const e of list) {
        const k = gatewaySelector(idx, e.gw).text
        const g = groups.get(k)
        if (g) g.push(e)
        else groups.set(k, [e])
      }
      const all = [...groups.values()]
      for (let i = 0; i < all.length; i++) {
        for (let j = i; j < all.length; j++) {
          const g1 = all[i]!
          const g2 = all[j]!
          if (!gatewaysShareWorkloads(idx, g1[0]!.gw, g2[0]!.gw)) continue
          for (const [xs, ys] of i === j ? [[g1, g1]] : [[g1, g2], [g2, g1]]) {
            for (const a of xs!) {
              let n = 0
              for (const b of ys!) {
                if (a.gw === b.gw) continue
                const f = found.get(a.gw) ?? {others: new NameList(), index: a.index}
                f.others.add(`${idx.ns(b.gw)}/${b.gw.name}`)
                found.set(a.gw, f)
                if (++n > 5) break
              }
            }
          }
        }
      }
    }
    for (const [gw, f] of found) {
      ctx.report('CL3043', gw, `/spec/servers/${f.index}/tls`, `the same certificate is used by gateway ${String(f.others)} on the same workloads; HTTP/2 clients reusing a connection across hosts may get 404s`)
    }
  },
}

/** Credential keys Istio reads from a Secret: TLS secret or generic secret layout. */
function checkCredential(secret: Resource, mutual: boolean, now: number): string | undefined {
  const data = isObj(secret.obj.data) ? secret.obj.data : {}
  const stringData = isObj(secret.obj.stringData) ? secret.obj.stringData : {}
  const get = (k: string): string | undefined => {
    if (typeof stringData[k] === 'string') return stringData[k] as string
    if (typeof data[k] === 'string') return Buffer.from(data[k] as string, 'base64').toString('utf8')
    return undefined
  }
  const cert = get('tls.crt') ?? get('cert')
  const key = get('tls.key') ?? get('key')
  if (cert === undefined || key === undefined) {
    if (mutual && (get('ca.crt') ?? get('cacert')) !== undefined) return undefined
    return `it has no certificate and key (expected tls.crt and tls.key, or cert and key; found ${[...Object.keys(data), ...Object.keys(stringData)].join(', ') || 'nothing'})`
  }
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch {
    return 'its certificate is not a valid PEM X.509 certificate'
  }
  try {
    createPrivateKey(key)
  } catch {
    return 'its private key is not a valid PEM key'
  }
  if (Date.parse(x509.validTo) < now) return `its certificate expired on ${new Date(Date.parse(x509.validTo)).toISOString().slice(0, 10)}`
  if (Date.parse(x509.validFrom) > now) return `its certificate is not valid before ${new Date(Date.parse(x509.validFrom)).toISOString().slice(0, 10)}`
  return undefined
}

export const gatewaySecretAnalyzer: CleatAnalyzer = {
  name: 'gateway-credentials',
  istioAnalyzers: ['gateway.SecretAnalyzer'],
  analyze(inv, ctx) {
    if (!inv.byKind.get('Secret')?.length) return
    const idx = meshIndex(inv)
    const now = Date.now()
    for (const gw of idx.kind('Gateway')) {
      const pods = gatewayPods(idx, gw)
      const namespaces = [...new Set(pods.map((p) => p.namespace))]
      objList(specOf(gw).servers).forEach((server, i) => {
        const tls = isObj(server.tls) ? server.tls : undefined
        const name = tls && typeof tls.credentialName === 'string' ? tls.credentialName : undefined
        if (!tls || !name || name.includes('://')) return
        const pointer = `/spec/servers/${i}/tls/credentialName`
        if (namespaces.length === 0) {
          ctx.report('CL3044', gw, pointer, `credential ${name} cannot be found: the gateway selects no workload, and the Secret must live in the namespace of the gateway workload`)
          return
        }
        for (const ns of namespaces) {
          const secret = idx.byName('Secret', ns, name)
          if (!secret) {
            ctx.report('CL3044', gw, pointer, `Secret ${ns}/${name} not found (a gateway credential must live in the namespace of the gateway workload)`)
            return
          }
          const problem = checkCredential(secret, tls.mode === 'MUTUAL', now)
          if (problem) {
            ctx.report('CL3045', gw, pointer, `Secret ${ns}/${name} cannot serve as a TLS credential: ${problem}`)
            return
          }
        }
      })
    }
  },
}
