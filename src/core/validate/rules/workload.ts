import {checkLabels, checkPort, fqdnProblem, isDnsLabel, isIPAddr} from './common.js'
import {unixAddressProblem} from './gateway.js'
import {at, has, list, nativeRule, num, obj, q, type Obj, type Out} from './util.js'

export interface WorkloadEntryOptions {
  /** Port names the enclosing ServiceEntry defines (endpoint ports must use them). */
  servicePorts?: ReadonlySet<string>
  /** A DNS name is accepted as address (WorkloadEntry, DNS ServiceEntry endpoints). */
  allowFqdn: boolean
  /** The address may be empty (WorkloadGroup template: filled in at registration). */
  allowEmptyAddress?: boolean
}

/** A WorkloadEntry spec, a ServiceEntry endpoint or a WorkloadGroup template. */
export function checkWorkloadEntry(out: Out, p: string, we: Obj, opts: WorkloadEntryOptions): void {
  const addr = typeof we.address === 'string' ? we.address : ''
  if (addr === '' && !opts.allowEmptyAddress) {
    if (typeof we.network !== 'string' || we.network === '') out.err('CL2600', p, 'an address is required (an IP address, a DNS name or unix:///path), unless network is set')
    else out.warn('CL2600', p, `address is not set; the workload is only reachable through the gateway of network ${q(we.network)}`)
  }
  if (addr.startsWith('unix://')) {
    const problem = unixAddressProblem(addr)
    if (problem) out.err('CL2005', at(p, 'address'), problem)
    if (Object.keys(obj(we.ports) ?? {}).length > 0) out.err('CL2600', at(p, 'ports'), `a unix domain socket address (${addr}) cannot have ports`)
  } else if (addr !== '' && !isIPAddr(addr)) {
    if (!opts.allowFqdn) out.err('CL2005', at(p, 'address'), `address ${q(addr)} is not a valid IP address`)
    else {
      const fp = fqdnProblem(addr)
      if (fp) out.err('CL2005', at(p, 'address'), `address ${q(addr)} is neither an IP address nor a valid DNS name (${fp})`)
    }
  }
  const ports = obj(we.ports)
  if (ports) {
    for (const [name, port] of Object.entries(ports)) {
      const pp = at(p, 'ports', name)
      if (opts.servicePorts && !opts.servicePorts.has(name)) out.err('CL2400', pp, `endpoint port ${q(name)} is not a port name of this ServiceEntry (${[...opts.servicePorts].join(', ') || 'none'})`)
      if (name.length > 63 || !isDnsLabel(name)) out.err('CL2009', pp, `port name ${q(name)} is not valid (a DNS-1123 label of at most 63 characters)`)
      checkPort(out, pp, port)
    }
  }
  checkLabels(out, at(p, 'labels'), we.labels)
}

export const workloadEntryRule = nativeRule('workloadentry', ['WorkloadEntry'], (spec, out) => {
  checkWorkloadEntry(out, '/spec', spec, {allowFqdn: true})
})

/** WorkloadGroup: template (address may be empty), metadata labels, readiness probe. */
export const workloadGroupRule = nativeRule('workloadgroup', ['WorkloadGroup'], (spec, out) => {
  const tmpl = obj(spec.template)
  if (tmpl) checkWorkloadEntry(out, '/spec/template', tmpl, {allowFqdn: true, allowEmptyAddress: true})
  const meta = obj(spec.metadata)
  if (meta) checkLabels(out, '/spec/metadata/labels', meta.labels)
  const probe = obj(spec.probe)
  if (!probe) return
  const pp = '/spec/probe'
  const methods = ['httpGet', 'tcpSocket', 'exec', 'grpc'].filter((k) => has(probe, k))
  if (methods.length === 0) out.err('CL2600', pp, 'a probe needs one of httpGet, tcpSocket, exec or grpc')
  else if (methods.length > 1) out.err('CL2011', pp, `a probe can only use one method; found ${methods.join(', ')}`)
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    const v = num(probe[k])
    if (v !== undefined && v < 0) out.err('CL2013', at(pp, k), `${k} must not be negative; got ${v}`)
  }
  const http = obj(probe.httpGet)
  if (http) {
    checkPort(out, at(pp, 'httpGet', 'port'), http.port)
    if (http.port === 0) out.err('CL2002', at(pp, 'httpGet', 'port'), 'the probe port must be between 1 and 65535')
    if (typeof http.scheme === 'string' && http.scheme !== '' && http.scheme !== 'HTTP' && http.scheme !== 'HTTPS') out.err('CL2600', at(pp, 'httpGet', 'scheme'), `probe scheme must be HTTP or HTTPS; got ${q(http.scheme)}`)
  }
  const tcp = obj(probe.tcpSocket)
  if (tcp) {
    checkPort(out, at(pp, 'tcpSocket', 'port'), tcp.port)
    if (tcp.port === 0) out.err('CL2002', at(pp, 'tcpSocket', 'port'), 'the probe port must be between 1 and 65535')
  }
  const grpc = obj(probe.grpc)
  if (grpc) checkPort(out, at(pp, 'grpc', 'port'), grpc.port)
  const exec = obj(probe.exec)
  if (exec && Array.isArray(exec.command) && exec.command.length === 0) out.err('CL2600', at(pp, 'exec'), 'an exec probe needs a command')
})
