import type {Obj} from '../../model/resource.js'
import type {Problem} from '../values.js'
import {duplicates, fromSkeleton, list, type Generator} from './common.js'

export const destinationRule: Generator = {
  check(p) {
    const out: Problem[] = []
    const subsets = list<{name: string}>(p.subsets)
    out.push(...duplicates(subsets.map((s) => s.name), (i) => `/subsets/${i}/name`, 'subset'))
    const tls = p.tls as string | undefined
    for (const f of ['credentialName', 'sni'] as const) {
      if (p[f] !== undefined && tls !== 'SIMPLE' && tls !== 'MUTUAL') out.push({code: 'CL7007', pointer: `/${f}`, message: `${f === 'sni' ? 'an SNI' : 'a credential name'} only applies with --tls SIMPLE or MUTUAL`})
    }
    if (tls === 'MUTUAL' && p.credentialName === undefined) out.push({code: 'CL7007', pointer: '/tls', message: 'MUTUAL TLS needs the client certificate: give --credential-name SECRET (or use ISTIO_MUTUAL for mesh workloads)'})
    if (p.ejectionTime !== undefined && p.consecutive5xxErrors === undefined) out.push({code: 'CL7007', pointer: '/ejectionTime', message: 'an ejection time needs --consecutive-5xx-errors N'})
    return out
  },

  render(p, skeleton) {
    const dr = fromSkeleton(skeleton, 'DestinationRule', {name: String(p.name), namespace: String(p.namespace)})
    const spec: Obj = {host: p.host}
    const policy: Obj = {}
    if (p.loadBalancer !== undefined) policy.loadBalancer = {simple: p.loadBalancer}
    if (p.maxConnections !== undefined || p.maxPendingRequests !== undefined) {
      const pool: Obj = {}
      if (p.maxConnections !== undefined) pool.tcp = {maxConnections: p.maxConnections}
      if (p.maxPendingRequests !== undefined) pool.http = {http1MaxPendingRequests: p.maxPendingRequests}
      policy.connectionPool = pool
    }
    if (p.consecutive5xxErrors !== undefined) {
      const od: Obj = {consecutive5xxErrors: p.consecutive5xxErrors}
      if (p.ejectionTime !== undefined) od.baseEjectionTime = p.ejectionTime
      policy.outlierDetection = od
    }
    if (p.tls !== undefined) {
      const tls: Obj = {mode: p.tls}
      if (p.credentialName !== undefined) tls.credentialName = p.credentialName
      if (p.sni !== undefined) tls.sni = p.sni
      policy.tls = tls
    }
    if (Object.keys(policy).length) spec.trafficPolicy = policy
    const subsets = list<{name: string; labels: Record<string, string>}>(p.subsets)
    if (subsets.length) spec.subsets = subsets.map((s) => ({name: s.name, labels: {...s.labels}}))
    dr.spec = spec
    return [dr]
  },
}
