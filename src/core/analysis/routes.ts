/** Walk a VirtualService's routes: destinations (with their JSON pointers), gateways, hosts. */
import {isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import {objList, stringList} from './mesh-index.js'

export interface DestinationRef {
  /** The destination object ({host, subset, port}). */
  destination: Obj
  /** Pointer of the destination object from the resource root. */
  pointer: string
  /** 'route' (http/tcp/tls route), 'mirror' (mirror / mirrors[]). */
  role: 'route' | 'mirror'
  protocol: 'http' | 'tcp' | 'tls'
  /** Pointer of the route entry ({destination, weight}) for routes, or the mirror object. */
  entryPointer: string
  /** True for a route entry that has no destination object. */
  missing: boolean
}

const PROTOCOLS = ['http', 'tcp', 'tls'] as const

const destinationCache = new WeakMap<Resource, DestinationRef[]>()

/** Every destination of a VirtualService (computed once per resource; callers must not mutate it). */
export function destinations(vs: Resource): readonly DestinationRef[] {
  let out = destinationCache.get(vs)
  if (!out) destinationCache.set(vs, (out = collectDestinations(vs)))
  return out
}

function collectDestinations(vs: Resource): DestinationRef[] {
  const spec = specOf(vs)
  const out: DestinationRef[] = []
  for (const protocol of PROTOCOLS) {
    const rules = Array.isArray(spec[protocol]) ? (spec[protocol] as unknown[]) : []
    rules.forEach((rule, i) => {
      if (!isObj(rule)) return
      const base = `/spec/${protocol}/${i}`
      if (Array.isArray(rule.route)) {
        rule.route.forEach((e, j) => {
          const entry = isObj(e) ? e : {}
          const d = entry.destination
          out.push({destination: isObj(d) ? d : {}, pointer: `${base}/route/${j}/destination`, entryPointer: `${base}/route/${j}`, role: 'route', protocol, missing: !isObj(d)})
        })
      }
      if (isObj(rule.mirror)) out.push({destination: rule.mirror, pointer: `${base}/mirror`, entryPointer: `${base}/mirror`, role: 'mirror', protocol, missing: false})
      objList(rule.mirrors).forEach((m, j) => {
        if (isObj(m.destination)) out.push({destination: m.destination, pointer: `${base}/mirrors/${j}/destination`, entryPointer: `${base}/mirrors/${j}`, role: 'mirror', protocol, missing: false})
      })
    })
  }
  return out
}

const MESH_ONLY: readonly string[] = ['mesh']
const NO_HOSTS: readonly string[] = []

/** The gateways a VirtualService binds to; none given means the mesh (sidecars) only. Shared: do not mutate. */
export function vsGateways(vs: Resource): readonly string[] {
  const g = stringList(specOf(vs).gateways)
  return g && g.length > 0 ? g : MESH_ONLY
}

/** Shared: do not mutate. */
export function vsHosts(vs: Resource): readonly string[] {
  return stringList(specOf(vs).hosts) ?? NO_HOSTS
}

export function destHost(d: Obj): string {
  return typeof d.host === 'string' ? d.host : ''
}

export function destPort(d: Obj): number | undefined {
  return isObj(d.port) && typeof d.port.number === 'number' ? d.port.number : undefined
}

export function destSubset(d: Obj): string {
  return typeof d.subset === 'string' ? d.subset : ''
}
