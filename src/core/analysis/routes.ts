/** Walk a VirtualService's routes: destinations (with their JSON pointers), gateways, hosts. */
import {isObj, specOf, type Obj, type Resource} from '../model/resource.js'
import {stringList} from './mesh-index.js'

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

/** A destination found in a route; its pointers are built only when a finding needs them. */
class FoundDestination implements DestinationRef {
  constructor(
    readonly destination: Obj,
    readonly role: 'route' | 'mirror',
    readonly protocol: 'http' | 'tcp' | 'tls',
    readonly missing: boolean,
    /** Pointer of the route rule (`/spec/http/0`). */
    private readonly base: string,
    /** 'route', 'mirror' or 'mirrors'. */
    private readonly list: 'route' | 'mirror' | 'mirrors',
    private readonly index: number,
  ) {}

  get entryPointer(): string {
    return this.list === 'mirror' ? `${this.base}/mirror` : `${this.base}/${this.list}/${this.index}`
  }

  get pointer(): string {
    return this.list === 'mirror' ? `${this.base}/mirror` : `${this.entryPointer}/destination`
  }
}

const NO_DESTINATION: Obj = Object.freeze({}) as Obj

function collectDestinations(vs: Resource): DestinationRef[] {
  const spec = specOf(vs)
  const out: DestinationRef[] = []
  for (const protocol of PROTOCOLS) {
    const rules = spec[protocol]
    if (!Array.isArray(rules)) continue
    for (let i = 0; i < rules.length; i++) {
      const rule: unknown = rules[i]
      if (!isObj(rule)) continue
      const base = `/spec/${protocol}/${i}`
      if (Array.isArray(rule.route)) {
        for (let j = 0; j < rule.route.length; j++) {
          const e: unknown = rule.route[j]
          const d = isObj(e) ? e.destination : undefined
          out.push(new FoundDestination(isObj(d) ? d : NO_DESTINATION, 'route', protocol, !isObj(d), base, 'route', j))
        }
      }
      if (isObj(rule.mirror)) out.push(new FoundDestination(rule.mirror, 'mirror', protocol, false, base, 'mirror', 0))
      if (Array.isArray(rule.mirrors)) {
        for (let j = 0; j < rule.mirrors.length; j++) {
          const m: unknown = rule.mirrors[j]
          const d = isObj(m) ? m.destination : undefined
          if (isObj(d)) out.push(new FoundDestination(d, 'mirror', protocol, false, base, 'mirrors', j))
        }
      }
    }
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
