import {checkPort, checkWorkloadSelector, fqdnProblem, isDnsLabel, isHttpProtocol, isIPAddr, isProtocol} from './common.js'
import {hostnamePartProblem, unixAddressProblem} from './gateway.js'
import {checkDestination} from './http-route.js'
import {checkServerTls} from './server-tls.js'
import {checkConnectionPoolSettings} from './traffic-policy.js'
import {at, has, hasItems, hasStr, list, nativeRule, obj, q, type Obj, type Out} from './util.js'

/** Sidecar: ingress and egress listeners, egress hosts, outbound traffic policy, connection pools. */
export const sidecarRule = nativeRule('sidecar', ['Sidecar'], (spec, out, r) => {
  const sel = obj(spec.workloadSelector)
  if (sel) checkWorkloadSelector(out, '/spec/workloadSelector/labels', sel.labels ?? {}, {warnEmpty: true})
  const ingress = list(spec.ingress)
  const egress = list(spec.egress)
  if (ingress.length === 0 && egress.length === 0 && !has(spec, 'outboundTrafficPolicy') && !has(spec, 'inboundConnectionPool')) {
    out.err('CL2500', '/spec', 'the Sidecar is empty; set ingress, egress, outboundTrafficPolicy or inboundConnectionPool')
  }
  const ports = new Set<number>()
  for (let i = 0, items = ingress; i < items.length; i++) {
    const iv = items[i]
    const ip = at('/spec/ingress', i)
    const l = obj(iv)
    if (!l) continue
    const port = obj(l.port)
    if (!port) continue // required by the schema
    const bind = typeof l.bind === 'string' ? l.bind : ''
    if (bind.startsWith('unix://')) out.err('CL2500', at(ip, 'bind'), 'ingress listeners cannot bind to a unix domain socket')
    else {
      if (bind !== '' && !isIPAddr(bind)) out.err('CL2005', at(ip, 'bind'), `bind ${q(bind)} is not a valid IP address`)
      checkListenerPort(out, at(ip, 'port'), port, true)
    }
    if (typeof port.number === 'number') {
      if (ports.has(port.number)) out.err('CL2010', at(ip, 'port', 'number'), `port ${port.number} is used by another ingress listener; ports must be unique`)
      ports.add(port.number)
    }
    if (typeof l.defaultEndpoint === 'string' && l.defaultEndpoint !== '') checkDefaultEndpoint(out, at(ip, 'defaultEndpoint'), l.defaultEndpoint)
    const tls = obj(l.tls)
    if (tls) {
      const tp = at(ip, 'tls')
      if (hasItems(tls, 'subjectAltNames')) out.err('CL2500', at(tp, 'subjectAltNames'), 'subjectAltNames is not supported on Sidecar ingress TLS')
      if (tls.httpsRedirect === true) out.err('CL2500', at(tp, 'httpsRedirect'), 'httpsRedirect is not supported on Sidecar ingress TLS')
      if (hasStr(tls, 'credentialName')) out.err('CL2500', at(tp, 'credentialName'), 'credentialName is not supported on Sidecar ingress TLS; use serverCertificate and privateKey')
      if (hasItems(tls, 'credentialNames')) out.err('CL2500', at(tp, 'credentialNames'), 'credentialNames is not supported on Sidecar ingress TLS; use serverCertificate and privateKey')
      if (hasItems(tls, 'tlsCertificates')) out.err('CL2500', at(tp, 'tlsCertificates'), 'tlsCertificates is not supported on Sidecar ingress TLS; use serverCertificate and privateKey')
      if (tls.mode === 'ISTIO_MUTUAL' || tls.mode === 'AUTO_PASSTHROUGH') out.err('CL2500', at(tp, 'mode'), `TLS mode ${String(tls.mode)} cannot be used on a Sidecar ingress listener`)
      const proto = typeof port.protocol === 'string' ? port.protocol.toUpperCase() : ''
      if (proto !== 'HTTPS' && proto !== 'TLS') out.err('CL2500', tp, `TLS settings need an HTTPS or TLS port; this port's protocol is ${proto || 'unset'}`)
      checkServerTls(out, tp, tls)
    }
    const pool = obj(l.connectionPool)
    if (pool) {
      checkConnectionPoolSettings(out, at(ip, 'connectionPool'), pool)
      const proto = typeof port.protocol === 'string' ? port.protocol : ''
      if (has(pool, 'http') && !isHttpProtocol(proto)) {
        out.warn('CL2500', at(ip, 'connectionPool', 'http'), `HTTP connection pool settings on port ${String(port.number)} have no effect: its protocol is ${proto || 'unset'}, not HTTP; only the tcp settings apply`)
      }
    }
  }
  const topPool = obj(spec.inboundConnectionPool)
  if (topPool) checkConnectionPoolSettings(out, '/spec/inboundConnectionPool', topPool)
  const egressPorts = new Set<number>()
  const uds = new Set<string>()
  let catchAll = false
  for (let i = 0, items = egress; i < items.length; i++) {
    const ev = items[i]
    const ep = at('/spec/egress', i)
    const l = obj(ev)
    if (!l) continue
    const port = obj(l.port)
    if (!port) {
      if (catchAll) out.err('CL2500', ep, 'only one egress listener may omit the port (the catch-all listener)')
      else if (i === egress.length - 1) catchAll = true
      else out.err('CL2500', ep, 'the egress listener without a port (the catch-all) must be the last listener')
    } else {
      const bind = typeof l.bind === 'string' ? l.bind : ''
      const number = typeof port.number === 'number' ? port.number : 0
      if (number === 0) {
        if (!bind.startsWith('unix://')) out.err('CL2500', at(ep, 'port'), 'an egress listener with port 0 (or no number) must bind to a unix domain socket (unix:///path)')
        else {
          const problem = unixAddressProblem(bind)
          if (problem) out.err('CL2005', at(ep, 'bind'), problem)
          if (uds.has(bind)) out.err('CL2010', at(ep, 'bind'), `unix domain socket ${q(bind)} is bound by another egress listener`)
          uds.add(bind)
        }
        const mode = l.captureMode
        if (mode !== undefined && mode !== 'DEFAULT' && mode !== 'NONE') out.err('CL2500', at(ep, 'captureMode'), 'captureMode must be DEFAULT or NONE for a unix domain socket listener')
      } else {
        if (bind !== '' && !isIPAddr(bind)) out.err('CL2005', at(ep, 'bind'), `bind ${q(bind)} is not a valid IP address`)
        if (egressPorts.has(number)) out.err('CL2010', at(ep, 'port', 'number'), `port ${number} is used by another egress listener; ports on IP-bound listeners must be unique`)
        egressPorts.add(number)
      }
      checkListenerPort(out, at(ep, 'port'), port, false)
    }
    checkEgressHosts(out, at(ep, 'hosts'), l.hosts, r.namespace ?? 'default')
  }
  checkOutboundPolicy(out, '/spec/outboundTrafficPolicy', spec.outboundTrafficPolicy)
})

function checkListenerPort(out: Out, p: string, port: Obj, ingress: boolean): void {
  if (ingress) {
    if (!has(port, 'number')) out.err('CL2002', p, 'the listener port needs a number between 1 and 65535')
    else checkPort(out, at(p, 'number'), port.number)
  } else if (typeof port.number === 'number' && port.number !== 0) checkPort(out, at(p, 'number'), port.number)
  if (hasStr(port, 'name') && !isDnsLabel(port.name as string)) out.err('CL2009', at(p, 'name'), `port name ${q(port.name)} is not a DNS-1123 label`)
  if (has(port, 'targetPort')) out.err('CL2500', at(p, 'targetPort'), 'targetPort is not supported on Sidecar listeners')
  if (typeof port.protocol === 'string' && port.protocol !== '' && !isProtocol(port.protocol)) out.err('CL2014', at(p, 'protocol'), `unknown protocol ${q(port.protocol)}`)
}

function checkDefaultEndpoint(out: Out, p: string, ep: string): void {
  if (ep.startsWith('unix://')) {
    const problem = unixAddressProblem(ep)
    if (problem) out.err('CL2005', p, problem)
    return
  }
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(ep)
  const host = m ? (m[1] ?? m[2] ?? '') : undefined
  const allowed = ['', '127.0.0.1', '0.0.0.0', '::1', '::']
  if (host === undefined || !allowed.includes(host)) {
    out.err('CL2500', p, `defaultEndpoint ${q(ep)} must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port>, :<port> or unix:///path`)
    return
  }
  const port = m![3]!
  if (!/^\d+$/.test(port)) out.err('CL2500', p, `defaultEndpoint port ${q(port)} is not a number`)
  else checkPort(out, p, Number(port), 'defaultEndpoint port')
}

function checkEgressHosts(out: Out, p: string, v: unknown, namespace: string): void {
  const hosts = list(v)
  if (hosts.length === 0) {
    out.err('CL2500', p, 'an egress listener needs at least one host ("namespace/dnsName", e.g. "./*" or "istio-system/*")')
    return
  }
  const byNs = new Map<string, Set<string>>()
  for (let i = 0, items = hosts; i < items.length; i++) {
    const h = items[i]
    if (typeof h !== 'string') continue
    const hp = at(p, i)
    const slash = h.indexOf('/')
    if (slash < 0) {
      out.err('CL2003', hp, `host ${q(h)} must have the form namespace/dnsName (e.g. "./*", "istio-system/*", "*/example.com")`)
      continue
    }
    let ns = h.slice(0, slash)
    const host = h.slice(slash + 1)
    if (ns === '' || host === '') {
      out.err('CL2003', hp, `host ${q(h)}: both the namespace and the DNS name must be given`)
      continue
    }
    const nsName = ns.startsWith('~') && ns.length > 1 ? ns.slice(1) : ns
    if (ns !== '*' && ns !== '.' && ns !== '~' && !isDnsLabel(nsName)) out.err('CL2003', hp, `host ${q(h)}: ${q(ns)} is not a valid namespace (use '*', '.', '~', a namespace name or ~namespace)`)
    else {
      const problem = hostnamePartProblem(host, false)
      if (problem) out.err('CL2003', hp, problem)
    }
    if (ns === '.') ns = namespace
    const set = byNs.get(ns) ?? new Set<string>()
    if (host !== '*' ? set.has(host) || set.has('*') : set.size > 0) out.warn('CL2010', hp, `egress host ${q(h)} duplicates another host of this listener`)
    set.add(host)
    byNs.set(ns, set)
  }
  if (byNs.get('*')?.has('*') && byNs.size !== 1) out.warn('CL2010', p, '"*/*" already selects every host; the other hosts of this listener are redundant')
}

function checkOutboundPolicy(out: Out, p: string, v: unknown): void {
  const t = obj(v)
  if (!t) return
  const mode = typeof t.mode === 'string' ? t.mode : 'REGISTRY_ONLY'
  // ALLOW_ANY_DYNAMIC_DNS (mesh config only) is not in the Sidecar schema's enum: the schema reports it.
  const proxy = obj(t.egressProxy)
  if (proxy) {
    const pp = at(p, 'egressProxy')
    if (mode !== 'ALLOW_ANY') out.err('CL2500', pp, `egressProxy only works with mode ALLOW_ANY (mode is ${mode})`)
    if (typeof proxy.host === 'string') {
      const fp = fqdnProblem(proxy.host)
      if (fp) out.err('CL2003', at(pp, 'host'), fp)
    }
    if (!has(proxy, 'port')) out.err('CL2500', pp, 'egressProxy needs a port')
    checkDestination(out, pp, proxy)
  }
}
