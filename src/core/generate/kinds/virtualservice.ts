import type {Obj} from '../../model/resource.js'
import type {Params} from '../template.js'
import type {Problem} from '../values.js'
import {duplicates, fromSkeleton, list, map, type Generator} from './common.js'

interface Dest {
  host: string
  subset?: string
  weight?: number
  /** Where it came from, for messages. */
  pointer: string
  label: string
}

function destinations(p: Params): Dest[] {
  const host = list(p.hosts)[0] ?? ''
  const out: Dest[] = list<{name: string; weight: number}>(p.subsets).map((s, i) => ({host, subset: s.name, weight: s.weight, pointer: `/subsets/${i}`, label: `${s.name}=${s.weight}`}))
  list<{host: string; weight?: number}>(p.destinations).forEach((d, i) =>
    out.push({host: d.host, weight: d.weight, pointer: `/destinations/${i}`, label: d.weight === undefined ? d.host : `${d.host}=${d.weight}`}),
  )
  return out
}

export const virtualService: Generator = {
  check(p) {
    const out: Problem[] = []
    const subsets = list<{name: string}>(p.subsets)
    out.push(...duplicates(subsets.map((s) => s.name), (i) => `/subsets/${i}/name`, 'subset'))
    const first = list(p.hosts)[0] ?? ''
    const dests = destinations(p)
    if ((subsets.length > 0 || dests.length === 0) && first.includes('*')) {
      out.push({code: 'CL7003', pointer: '/hosts/0', message: `the route would go to '${first}', a wildcard; give the destination with --destination HOST`})
    }
    if (dests.length === 1 && dests[0]!.weight !== undefined && dests[0]!.weight !== 100) {
      out.push({code: 'CL7005', pointer: dests[0]!.pointer, message: `a single destination takes all traffic; its weight must be 100 (or left out), not ${dests[0]!.weight}`})
    }
    if (dests.length > 1) {
      const unweighted = dests.filter((d) => d.weight === undefined)
      for (const d of unweighted) out.push({code: 'CL7005', pointer: d.pointer, message: `'${d.host}' has no weight; with several destinations each needs one (HOST=WEIGHT)`})
      const total = dests.reduce((s, d) => s + (d.weight ?? 0), 0)
      if (unweighted.length === 0 && total !== 100) {
        out.push({code: 'CL7005', pointer: dests[0]!.pointer, message: `the weights total ${total}, not 100 (${dests.map((d) => d.label).join(' + ')})`})
      }
    }
    if (p.retries === undefined) {
      if (p.retryOn !== undefined) out.push({code: 'CL7007', pointer: '/retryOn', message: 'retry conditions need a number of retries (--retries N)'})
      if (p.perTryTimeout !== undefined) out.push({code: 'CL7007', pointer: '/perTryTimeout', message: 'a per-try timeout needs a number of retries (--retries N)'})
    }
    return out
  },

  render(p, skeleton) {
    const vs = fromSkeleton(skeleton, 'VirtualService', {name: String(p.name), namespace: String(p.namespace)})
    const spec: Obj = {hosts: list(p.hosts)}
    const gateways = list(p.gateways)
    if (gateways.length) spec.gateways = gateways
    const route: Obj = {}
    const match: Obj = {}
    if (p.matchPrefix !== undefined) match.uri = {prefix: p.matchPrefix}
    const headers = map(p.matchHeaders)
    if (Object.keys(headers).length) match.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, {exact: v}]))
    if (Object.keys(match).length) route.match = [match]
    let dests = destinations(p)
    if (dests.length === 0) dests = [{host: list(p.hosts)[0]!, pointer: '/hosts/0', label: ''}]
    route.route = dests.map((d) => {
      const destination: Obj = {host: d.host}
      if (d.subset !== undefined) destination.subset = d.subset
      if (p.port !== undefined) destination.port = {number: p.port}
      const r: Obj = {destination}
      if (dests.length > 1) r.weight = d.weight
      return r
    })
    if (p.timeout !== undefined) route.timeout = p.timeout
    if (p.retries !== undefined) {
      const retries: Obj = {attempts: p.retries}
      if (p.perTryTimeout !== undefined) retries.perTryTimeout = p.perTryTimeout
      if (p.retryOn !== undefined) retries.retryOn = list(p.retryOn).join(',')
      route.retries = retries
    }
    spec.http = [route]
    vs.spec = spec
    return [vs]
  },
}
