import {checkExportTo, checkPort, checkWorkloadSelector, fqdnProblem, isCidr, isDnsLabel, isHttpProtocol, isIPAddr, isIPOrCidr, isPartialWildcard, isProtocol, namespaceOf, wildcardDomainProblem} from './common.js'
import {checkWorkloadEntry} from './workload.js'
import {at, has, list, nativeRule, obj, q} from './util.js'

const TCP_LIKE = new Set(['TCP', 'HTTPS', 'TLS', 'MONGO', 'REDIS', 'MYSQL'])

/** ServiceEntry: hosts, addresses, ports, endpoints per resolution mode, exportTo, selector. */
export const serviceEntryRule = nativeRule('serviceentry', ['ServiceEntry'], (spec, out, r) => {
  const resolution = typeof spec.resolution === 'string' ? spec.resolution : 'NONE'
  const hosts = list(spec.hosts)
  const addresses = list(spec.addresses)
  const endpoints = list(spec.endpoints)
  if (has(spec, 'workloadSelector') && has(spec, 'endpoints')) out.err('CL2011', '/spec/endpoints', 'workloadSelector and endpoints cannot both be set')
  for (let i = 0, items = hosts; i < items.length; i++) {
    const h = items[i]
    if (typeof h !== 'string') continue
    const hp = at('/spec/hosts', i)
    if (h === '*') out.err('CL2003', hp, "host '*' is not allowed on a ServiceEntry; name the external hosts")
    else {
      const problem = wildcardDomainProblem(h)
      if (problem) out.err('CL2003', hp, problem)
      else if (isPartialWildcard(h) && resolution !== 'DYNAMIC_DNS') out.warn('CL2003', hp, `partial wildcard ${q(h)} is not supported; a wildcard must be a whole first label ("*.example.com")`)
    }
  }
  let cidr = false
  for (let i = 0, items = addresses; i < items.length; i++) {
    const a = items[i]
    if (typeof a !== 'string') continue
    if (a.includes('/')) cidr = true
    if (!isIPOrCidr(a)) out.err('CL2005', at('/spec/addresses', i), `address ${q(a)} is not an IP address or CIDR block`)
  }
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') out.err('CL2400', '/spec/addresses', `CIDR addresses are only allowed with resolution NONE or STATIC (resolution is ${resolution})`)
  const portNames = new Set<string>()
  const portNumbers = new Set<number>()
  const ports = list(spec.ports)
  for (let i = 0, items = ports; i < items.length; i++) {
    const pv = items[i]
    const pp = at('/spec/ports', i)
    const port = obj(pv)
    if (!port) continue
    if (typeof port.name === 'string') {
      if (portNames.has(port.name)) out.err('CL2010', at(pp, 'name'), `port name ${q(port.name)} is defined more than once`)
      portNames.add(port.name)
      if (!isDnsLabel(port.name)) out.err('CL2009', at(pp, 'name'), `port name ${q(port.name)} is not a DNS-1123 label`)
    }
    if (typeof port.number === 'number') {
      if (portNumbers.has(port.number)) out.err('CL2010', pp, `port ${port.number} is defined more than once`)
      portNumbers.add(port.number)
      checkPort(out, at(pp, 'number'), port.number)
    }
    if (has(port, 'targetPort')) checkPort(out, at(pp, 'targetPort'), port.targetPort, 'targetPort')
    const proto = typeof port.protocol === 'string' ? port.protocol : ''
    if (proto !== '' && !isProtocol(proto)) out.err('CL2014', at(pp, 'protocol'), `unknown protocol ${q(proto)}`)
    if (addresses.length === 0 && (proto === '' || proto.toUpperCase() === 'TCP') && resolution !== 'DYNAMIC_DNS') {
      out.warn('CL2400', pp, `port ${String(port.number)} serves ${proto || 'an unset protocol (TCP)'} but the ServiceEntry has no addresses; without DNS auto-allocation, traffic to it cannot be told apart from other TCP services on the same port`, )
    }
  }
  const servicePorts = portNames
  switch (resolution) {
    case 'NONE':
      if (endpoints.length > 0) out.err('CL2400', '/spec/endpoints', 'resolution NONE cannot have endpoints; use STATIC or DNS')
      if (has(spec, 'workloadSelector')) out.warn('CL2400', '/spec/workloadSelector', 'workloadSelector has no effect with resolution NONE; use STATIC')
      break
    case 'STATIC':
      for (let i = 0, items = endpoints; i < items.length; i++) {
        const e = items[i]
        const ep = at('/spec/endpoints', i)
        const o = obj(e)
        if (!o) continue
        const addr = typeof o.address === 'string' ? o.address : ''
        if (addr.startsWith('unix://') && ports.length > 1) out.err('CL2400', at(ep, 'address'), 'a unix domain socket endpoint can only serve a ServiceEntry with exactly one port')
        checkWorkloadEntry(out, ep, o, {servicePorts, allowFqdn: false})
      }
      break
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (endpoints.length === 0) {
        for (let i = 0, items = hosts; i < items.length; i++) {
          const h = items[i]
          if (typeof h === 'string' && h !== '*' && (h.startsWith('*') || fqdnProblem(h))) out.err('CL2003', at('/spec/hosts', i), `with resolution ${resolution} and no endpoints, hosts must be fully qualified names (no wildcards); got ${q(h)}`)
        }
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) out.err('CL2400', '/spec/endpoints', 'resolution DNS_ROUND_ROBIN allows at most one endpoint')
      for (let i = 0, items = endpoints; i < items.length; i++) {
        const e = items[i]
        const ep = at('/spec/endpoints', i)
        const o = obj(e)
        if (!o) continue
        if (typeof o.address === 'string' && o.address.startsWith('unix://')) out.err('CL2005', at(ep, 'address'), `resolution ${resolution} cannot use a unix domain socket endpoint; use STATIC`)
        else checkWorkloadEntry(out, ep, o, {servicePorts, allowFqdn: true})
      }
      if (addresses.length > 0 && hosts.length > 1 && ports.some((pv) => TCP_LIKE.has(String(obj(pv)?.protocol ?? '').toUpperCase()))) {
        out.warn('CL2400', '/spec/hosts', 'a ServiceEntry with addresses and a TCP/TLS port should have only one host; the hosts cannot be told apart')
      }
      break
    case 'DYNAMIC_DNS':
      for (let i = 0, items = hosts; i < items.length; i++) {
        const h = items[i]
        if (typeof h === 'string' && !h.startsWith('*')) out.err('CL2400', at('/spec/hosts', i), `resolution DYNAMIC_DNS needs wildcard hosts ("*.example.com"); got ${q(h)}`)
      }
      if (addresses.length > 0) out.err('CL2400', '/spec/addresses', 'resolution DYNAMIC_DNS cannot have addresses')
      if (endpoints.length > 0) out.err('CL2400', '/spec/endpoints', 'resolution DYNAMIC_DNS cannot have endpoints')
      for (let i = 0, items = ports; i < items.length; i++) {
        const pv = items[i]
        const proto = String(obj(pv)?.protocol ?? '').toUpperCase()
        if (pv === null) continue
        if (!isHttpProtocol(proto) && proto !== 'TLS' && proto !== 'HTTPS') out.err('CL2400', at('/spec/ports', i), `resolution DYNAMIC_DNS only supports HTTP, HTTP2, GRPC, HTTPS and TLS ports; got ${proto || 'an unset protocol'}`)
      }
      if (spec.location === 'MESH_INTERNAL' && r.labels['istio.io/use-waypoint']) out.err('CL2400', '/spec/location', 'resolution DYNAMIC_DNS with location MESH_INTERNAL is not supported together with a waypoint (istio.io/use-waypoint)')
      break
    default:
      break
  }
  if (resolution !== 'NONE' && hosts.length > 1) {
    const plain = ports.find((pv) => {
      const proto = String(obj(pv)?.protocol ?? '').toUpperCase()
      return pv !== null && !isHttpProtocol(proto) && proto !== 'HTTPS' && proto !== 'TLS'
    })
    if (plain !== undefined) out.err('CL2400', '/spec/hosts', `several hosts with a port that is neither HTTP nor TLS (${String(obj(plain)?.name ?? '')}) cannot be told apart; use one ServiceEntry per host`)
  }
  checkExportTo(out, '/spec/exportTo', spec.exportTo, namespaceOf(r.namespace), {serviceEntry: true})
  const sel = obj(spec.workloadSelector)
  if (sel) checkWorkloadSelector(out, '/spec/workloadSelector/labels', sel.labels ?? {}, {warnEmpty: true})
})

export {isCidr, isIPAddr}
