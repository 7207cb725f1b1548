import {fqdnProblem, isDnsLabel, isIPAddr, wildcardDomainProblem} from './common.js'
import {at, list, q, type Out} from './util.js'

/** Istio host matching: do two hosts (possibly wildcards) overlap? */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = a.startsWith('*')
  const bw = b.startsWith('*')
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1))
  if (aw) return b.endsWith(a.slice(1))
  if (bw) return a.endsWith(b.slice(1))
  return a === b
}

/** Istio host subset: is every name matched by `a` also matched by `b`? */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = a.startsWith('*')
  const bw = b.startsWith('*')
  if (aw) return bw ? a.slice(1).endsWith(b.slice(1)) : false
  if (bw) return a.endsWith(b.slice(1))
  return a === b
}

/** VirtualService hosts: FQDN, wildcard or IP; '*' only when not bound to the mesh; no overlaps. */
export function checkVirtualServiceHosts(out: Out, pointer: string, hosts: unknown, appliesToMesh: boolean): void {
  const items = list(hosts)
  for (let i = 0; i < items.length; i++) {
    const h = items[i]
    if (typeof h !== 'string') continue
    const p = at(pointer, i)
    const problem = wildcardDomainProblem(h)
    if (problem) {
      if (!isIPAddr(h)) out.err('CL2003', p, problem)
    } else if (appliesToMesh && h === '*') {
      out.err('CL2003', p, "host '*' is not allowed on a VirtualService bound to the mesh; bind it to gateways only or name the hosts")
    }
  }
  for (let i = 0; i < items.length; i++) {
    const a = items[i]
    if (typeof a !== 'string') continue
    for (let j = i + 1; j < items.length; j++) {
      const b = items[j]
      if (typeof b === 'string' && hostsOverlap(a, b)) out.err('CL2010', at(pointer, j), `hosts ${q(a)} and ${q(b)} overlap; list each host once`)
    }
  }
}

/** Gateway references: 'mesh', 'name', or 'namespace/name' (a legacy 'name.namespace' only warns). */
export function checkGatewayNames(out: Out, pointer: string, v: unknown, _gatewaySemantics = false): void {
  for (let i = 0, items = list(v); i < items.length; i++) {
    const g = items[i]
    if (typeof g !== 'string') continue
    const p = at(pointer, i)
    const slash = g.indexOf('/')
    if (slash < 0) {
      if (g.includes('.')) {
        const [name, ns] = g.split('.')
        out.warn('CL2009', p, `gateway ${q(g)} uses the legacy name.namespace form; prefer "${ns ?? ''}/${name ?? ''}"`)
      }
      const fp = fqdnProblem(g)
      if (fp) out.err('CL2009', p, `gateway reference ${q(g)} is invalid: ${fp}`)
      continue
    }
    const ns = g.slice(0, slash)
    const name = g.slice(slash + 1)
    if (ns === '' || name === '') out.err('CL2009', p, `gateway reference ${q(g)} needs both a namespace and a name ("namespace/name")`)
    else if (!isDnsLabel(ns)) out.err('CL2009', p, `gateway reference ${q(g)}: ${q(ns)} is not a valid namespace name`)
    else if (!isDnsLabel(name)) {
      out.err('CL2009', p, `gateway reference ${q(g)}: ${q(name)} is not a valid gateway name`)
    }
  }
}
