import {checkPort, checkWorkloadSelector, isDnsLabel, isHttpProtocol, isIPAddr, isProtocol, wildcardDomainProblem} from './common.js'
import {checkServerTls} from './server-tls.js'
import {at, has, list, nativeRule, obj, q, type Out} from './util.js'

/** Host part of a Gateway server or Sidecar egress host ("ns/host" after the namespace). */
export function hostnamePartProblem(hostname: string, isGateway: boolean): string | undefined {
  if (hostname !== '*' && !hostname.includes('.')) return `short name ${q(hostname)} is not allowed; use a fully qualified name (e.g. ${hostname}.<namespace>.svc.cluster.local)`
  const problem = wildcardDomainProblem(hostname)
  if (problem && !(isGateway && isIPAddr(hostname))) return problem
  if (hostname.length > 1 && hostname.startsWith('*') && !hostname.startsWith('*.')) return `partial wildcard ${q(hostname)} is not allowed; a wildcard must be a whole first label ("*.example.com")`
  return undefined
}

/** `[namespace/]host` as used by Gateway servers (isGateway) and Sidecar egress listeners. */
export function namespacedHostProblem(h: string, isGateway: boolean): string | undefined {
  const slash = h.indexOf('/')
  if (slash < 0) {
    if (!isGateway) return `host ${q(h)} must have the form namespace/dnsName (e.g. "./*", "istio-system/*", "*/example.com")`
    return hostnamePartProblem(h, true)
  }
  const ns = h.slice(0, slash)
  const host = h.slice(slash + 1)
  if (ns === '' || host === '') return `host ${q(h)}: both the namespace and the DNS name must be given`
  const nsOk = ns === '*' || ns === '.' || (!isGateway && ns === '~') || isDnsLabel(ns)
  if (!nsOk) return `host ${q(h)}: ${q(ns)} is not a valid namespace (use '*', '.', or a namespace name)`
  return hostnamePartProblem(host, isGateway)
}

/** Gateway: name, servers (hosts, port, bind, TLS), unique port names. */
export const gatewayRule = nativeRule('gateway', ['Gateway'], (spec, out, r) => {
  if (r.name !== null && !isDnsLabel(r.name)) out.err('CL2009', '/metadata/name', `Gateway name ${q(r.name)} must be a DNS-1123 label (no dots)`)
  const servers = list(spec.servers)
  if (servers.length === 0) out.err('CL2300', '/spec', 'a Gateway needs at least one server')
  const portNames = new Map<string, number>()
  for (let i = 0, items = servers; i < items.length; i++) {
    const s = items[i]
    const sp = at('/spec/servers', i)
    const o = obj(s)
    if (!o) continue
    checkServer(out, sp, o)
    const port = obj(o.port)
    if (port && typeof port.name === 'string' && port.name !== '') {
      const prev = portNames.get(port.name)
      if (prev !== undefined) out.err('CL2010', at(sp, 'port', 'name'), `port name ${q(port.name)} is already used by servers[${prev}]; server port names must be unique`)
      else portNames.set(port.name, i)
    }
    const tls = obj(o.tls)
    if (port && typeof port.protocol === 'string' && !isHttpProtocol(port.protocol) && tls?.httpsRedirect === true) {
      out.warn('CL2301', at(sp, 'tls', 'httpsRedirect'), 'httpsRedirect only has an effect on plain HTTP servers')
    }
  }
  const sel = obj(spec.selector)
  if (sel) checkWorkloadSelector(out, '/spec/selector', sel)
})

function checkServer(out: Out, sp: string, o: Record<string, unknown>): void {
  const hosts = list(o.hosts)
  // A missing hosts list or port is reported by the schema (required); an empty list is ours.
  if (Array.isArray(o.hosts) && hosts.length === 0) out.err('CL2300', at(sp, 'hosts'), 'a server needs at least one host')
  for (let j = 0, items = hosts; j < items.length; j++) {
    const h = items[j]
    if (typeof h !== 'string') continue
    const problem = namespacedHostProblem(h, true)
    if (problem) out.err('CL2003', at(sp, 'hosts', j), problem)
  }
  const port = obj(o.port)
  const bind = typeof o.bind === 'string' ? o.bind : ''
  let portOk = false
  if (port) {
    portOk = true
    const proto = typeof port.protocol === 'string' ? port.protocol : undefined
    if (proto === undefined) portOk = false
    else if (!isProtocol(proto)) {
      out.err('CL2014', at(sp, 'port', 'protocol'), `invalid protocol ${q(proto)}; use HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TCP, TLS, MONGO, REDIS or MYSQL`)
      portOk = false
    }
    const number = typeof port.number === 'number' ? port.number : 0
    if (number > 0 || !bind.startsWith('unix://')) {
      if (!has(port, 'number')) portOk = false
      else if (!checkPort(out, at(sp, 'port', 'number'), port.number, 'server port')) portOk = false
    }
    if (has(port, 'targetPort')) out.err('CL2300', at(sp, 'port', 'targetPort'), 'targetPort is not supported on Gateway servers')
    if (typeof port.name !== 'string') portOk = false
    else if (port.name === '') {
      out.err('CL2300', at(sp, 'port', 'name'), 'the server port needs a non-empty name')
      portOk = false
    }
  }
  if (bind.startsWith('unix://')) {
    if (port && typeof port.number === 'number' && port.number !== 0) out.err('CL2300', at(sp, 'port', 'number'), 'the port number must be 0 (or unset) when binding to a unix domain socket')
    const problem = unixAddressProblem(bind)
    if (problem) out.err('CL2005', at(sp, 'bind'), problem)
  } else if (bind !== '' && !isIPAddr(bind)) {
    out.err('CL2005', at(sp, 'bind'), `bind ${q(bind)} is not a valid IP address (or unix:// socket path)`)
  }
  const tls = obj(o.tls)
  if (tls) checkServerTls(out, at(sp, 'tls'), tls)
  if (portOk && port) {
    const proto = String(port.protocol).toUpperCase()
    const isTls = proto === 'HTTPS' || proto === 'TLS'
    if (isTls && !tls) out.err('CL2301', sp, `a ${proto} server must have tls settings`)
    else if (!isTls && tls) {
      if (isHttpProtocol(proto)) {
        const passthrough = tls.mode === undefined || tls.mode === 'PASSTHROUGH'
        if (!passthrough || ['caCertificates', 'privateKey', 'serverCertificate'].some((k) => typeof tls[k] === 'string' && tls[k] !== '')) {
          out.err('CL2301', at(sp, 'tls'), 'a plain-text HTTP server cannot have TLS settings other than httpsRedirect')
        }
      } else out.err('CL2301', at(sp, 'tls'), `a ${proto} server cannot have TLS settings (only HTTPS and TLS servers can)`)
    }
  }
}

/** unix://<absolute path> or unix://@<abstract name>. */
export function unixAddressProblem(addr: string): string | undefined {
  const path = addr.slice('unix://'.length)
  if (path === '') return `unix domain socket address ${q(addr)} has no path`
  if (!path.startsWith('/') && !path.startsWith('@')) return `unix domain socket ${q(addr)} must be an absolute path (unix:///path) or an abstract socket (unix://@name)`
  if (path.endsWith('/')) return `unix domain socket ${q(addr)} must not be a directory (trailing '/')`
  return undefined
}
