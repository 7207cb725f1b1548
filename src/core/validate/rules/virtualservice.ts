import {isCidr, isIPOrCidr, wildcardDomainProblem, isIPAddr, checkLabels, checkPort, checkExportTo, namespaceOf} from './common.js'
import {checkGatewayNames, checkVirtualServiceHosts, hostSubsetOf} from './hosts.js'
import {checkHttpRoute, checkRouteDestinations, type RouteContext} from './http-route.js'
import {at, has, list, nativeRule, obj, q, type Out} from './util.js'

/** VirtualService: hosts, gateways, delegate rules, and every http/tcp/tls route. */
export const virtualServiceRule = nativeRule('virtualservice', ['VirtualService'], (spec, out, r) => {
  const hosts = list(spec.hosts)
  const gateways = list(spec.gateways)
  const delegate = hosts.length === 0
  const appliesToMesh = gateways.length === 0 || gateways.includes('mesh')
  const gatewaySemantics = gateways.some((g) => g !== 'mesh')
  if (delegate) {
    if (gateways.length > 0) out.err('CL2100', '/spec/gateways', 'a delegate VirtualService (one without hosts) cannot set gateways; set them on the root VirtualService')
    if (list(spec.tls).length > 0) out.err('CL2100', '/spec/tls', 'a delegate VirtualService (one without hosts) cannot have tls routes')
    if (list(spec.tcp).length > 0) out.err('CL2100', '/spec/tcp', 'a delegate VirtualService (one without hosts) cannot have tcp routes')
  }
  checkVirtualServiceHosts(out, '/spec/hosts', spec.hosts, appliesToMesh)
  checkGatewayNames(out, '/spec/gateways', spec.gateways, gatewaySemantics)
  if (list(spec.http).length === 0 && list(spec.tcp).length === 0 && list(spec.tls).length === 0) {
    out.err('CL2100', '/spec', 'a VirtualService needs at least one http, tcp or tls route')
  }
  const rc: RouteContext = {delegate, gatewaySemantics, appliesToMesh}
  const http = list(spec.http)
  for (let i = 0, items = http; i < items.length; i++) {
    const h = items[i]
    checkHttpRoute(out, at('/spec/http', i), h, rc)
    const ho = obj(h)
    if (ho && list(ho.match).length === 0 && i < http.length - 1) {
      out.warn('CL2109', at('/spec/http', i), `this route has no match, so it catches every request and the ${http.length - 1 - i} route(s) after it are never used`)
    }
  }
  checkIneffectiveMatches(out, http)
  for (let i = 0, items = list(spec.tcp); i < items.length; i++) checkTcpRoute(out, at('/spec/tcp', i), items[i], gatewaySemantics)
  for (let i = 0, items = list(spec.tls); i < items.length; i++) checkTlsRoute(out, at('/spec/tls', i), items[i], hosts, gatewaySemantics)
  checkExportTo(out, '/spec/exportTo', spec.exportTo, namespaceOf(r.namespace))
})

function checkL4Match(out: Out, p: string, m: unknown, gatewaySemantics: boolean): void {
  const o = obj(m)
  if (!o) return
  for (let i = 0, items = list(o.destinationSubnets); i < items.length; i++) {
    const s = items[i]
    if (typeof s === 'string' && !isIPOrCidr(s)) out.err('CL2005', at(p, 'destinationSubnets', i), `${q(s)} is not an IP address or CIDR block`)
  }
  if (has(o, 'port')) checkPort(out, at(p, 'port'), o.port)
  checkLabels(out, at(p, 'sourceLabels'), o.sourceLabels)
  checkGatewayNames(out, at(p, 'gateways'), o.gateways, gatewaySemantics)
}

function checkTcpRoute(out: Out, p: string, v: unknown, gatewaySemantics: boolean): void {
  const t = obj(v)
  if (!t) return
  if (list(t.route).length === 0) out.err('CL2108', p, 'a tcp route needs at least one destination in route')
  for (let i = 0, items = list(t.match); i < items.length; i++) checkL4Match(out, at(p, 'match', i), items[i], gatewaySemantics)
  checkRouteDestinations(out, at(p, 'route'), t.route, false)
}

function checkTlsRoute(out: Out, p: string, v: unknown, hosts: readonly unknown[], gatewaySemantics: boolean): void {
  const t = obj(v)
  if (!t) return
  const matches = list(t.match)
  if (matches.length === 0) out.err('CL2108', p, 'a tls route needs at least one match with sniHosts')
  for (let i = 0, items = matches; i < items.length; i++) {
    const m = items[i]
    const mp = at(p, 'match', i)
    const o = obj(m)
    if (!o) continue
    const snis = list(o.sniHosts)
    if (snis.length === 0) out.err('CL2108', mp, 'a tls match needs at least one sniHosts entry')
    for (let j = 0, items = snis; j < items.length; j++) {
      const s = items[j]
      if (typeof s !== 'string') continue
      const sp = at(mp, 'sniHosts', j)
      const problem = wildcardDomainProblem(s)
      if (problem) {
        if (isIPAddr(s)) out.warn('CL2108', sp, `SNI host ${q(s)} is an IP address; clients do not send IP addresses as SNI`)
        else out.err('CL2003', sp, problem)
        continue
      }
      if (!hosts.some((h) => typeof h === 'string' && hostSubsetOf(s, h))) {
        out.err('CL2108', sp, `SNI host ${q(s)} is not covered by any of the VirtualService hosts (${hosts.map(String).join(', ')})`)
      }
    }
    checkL4Match(out, mp, m, gatewaySemantics)
  }
  if (list(t.route).length === 0) out.err('CL2108', p, 'a tls route needs at least one destination in route')
  checkRouteDestinations(out, at(p, 'route'), t.route, false)
}

export {isCidr}

/**
 * Istio's webhook warning for matches that can never be selected: a match identical to an earlier one,
 * or one whose URI is already covered by an earlier prefix match that has no other extra condition.
 */
function checkIneffectiveMatches(out: Out, http: readonly unknown[]): void {
  let total = 0
  for (const h of http) total += list(obj(h)?.match).length
  if (total < 2) return
  const seen: {json: string; m: Record<string, unknown>; where: string}[] = []
  for (let i = 0, items = http; i < items.length; i++) {
    const h = items[i]
    for (let j = 0, items = list(obj(h)?.match); j < items.length; j++) {
      const mv = items[j]
      const m = obj(mv)
      if (!m) continue
      const json = canonical(m)
      const where = `http[${i}].match[${j}]`
      for (const e of seen) {
        if (e.json === json) {
          out.warn('CL2110', at('/spec/http', i, 'match', j), `this match is identical to ${e.where}, so it never takes effect`)
          continue
        }
        if (covers(e.m, m)) {
          out.warn('CL2110', at('/spec/http', i, 'match', j), `this match is already covered by ${e.where} (its URI prefix and conditions), so it never takes effect`)
          continue
        }
      }
      seen.push({json, m, where})
    }
  }
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

function covers(e: Record<string, unknown>, m: Record<string, unknown>): boolean {
  const eu = obj(e.uri)
  const mu = obj(m.uri)
  if (!eu || !mu || typeof eu.prefix !== 'string') return false
  const target = typeof mu.prefix === 'string' ? mu.prefix : typeof mu.exact === 'string' ? mu.exact : undefined
  if (target === undefined || !target.startsWith(eu.prefix)) return false
  for (const k of Object.keys(e)) {
    if (k === 'uri' || k === 'name') continue
    if (canonical(e[k]) !== canonical(m[k])) return false
  }
  return true
}
