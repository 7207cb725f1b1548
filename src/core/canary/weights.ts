import {isObj} from '../model/resource.js'
import {CanaryError} from './errors.js'
import type {DestSelector, Obj, RouteRef, Split} from './types.js'

/** Where the two shifted destinations sit in a VirtualService. */
export interface RouteTarget {
  route: RouteRef
  stableIdx: number
  canaryIdx: number
}

/** A resolved route: the target plus the weights of every destination of the route. */
export interface ResolvedRoute extends RouteTarget {
  weights: number[]
}

export function weightPointer(routeIndex: number, destIndex: number): string {
  return `/spec/http/${routeIndex}/route/${destIndex}/weight`
}

function httpRoutes(vs: Obj): unknown[] {
  const spec = isObj(vs.spec) ? vs.spec : {}
  return Array.isArray(spec.http) ? spec.http : []
}

function destinations(route: unknown): unknown[] {
  return isObj(route) && Array.isArray(route.route) ? route.route : []
}

/** Short and fully qualified host names compare equal (`reviews` = `reviews.shop.svc.cluster.local`). */
export function hostMatches(a: string, b: string, namespace: string): boolean {
  return a === b || fqdn(a, namespace) === fqdn(b, namespace)
}

/** A short host name as Istio resolves it from the given namespace. */
export function fqdn(host: string, namespace: string): string {
  return host.includes('.') ? host : `${host}.${namespace}.svc.cluster.local`
}

export function destMatches(dest: unknown, sel: DestSelector, namespace: string): boolean {
  if (!isObj(dest) || !isObj(dest.destination)) return false
  const d = dest.destination
  if (sel.subset !== undefined && d.subset !== sel.subset) return false
  if (sel.host !== undefined && (typeof d.host !== 'string' || !hostMatches(d.host, sel.host, namespace))) return false
  if (sel.subset === undefined && sel.host !== undefined && d.subset !== undefined) return false
  return sel.subset !== undefined || sel.host !== undefined
}

export function describeSelector(sel: DestSelector): string {
  return sel.subset !== undefined ? `subset ${sel.subset}${sel.host ? ` of ${sel.host}` : ''}` : `host ${sel.host ?? '?'}`
}

function indexOfDest(dests: unknown[], sel: DestSelector, namespace: string, what: string, routeLabel: string): number {
  const hits = dests.flatMap((d, i) => (destMatches(d, sel, namespace) ? [i] : []))
  if (hits.length > 1) throw new CanaryError('CL5003', `${what} (${describeSelector(sel)}) matches ${hits.length} destinations of ${routeLabel}`)
  return hits[0] ?? -1
}

export function routeLabel(index: number, name: string | null): string {
  return name ? `http route '${name}' (#${index})` : `http route #${index}`
}

/**
 * Find the http route to shift. With a name: exactly one route of that name. Without: exactly one route
 * that holds both the stable and the canary destination. Anything else is an error, never a silent no-op.
 */
export function resolveRoute(
  vs: Obj,
  sel: {route?: string | null; stable: DestSelector; canary: DestSelector; namespace: string},
  opts: {lenient?: boolean} = {},
): ResolvedRoute {
  const routes = httpRoutes(vs)
  let candidates: number[]
  if (sel.route) {
    candidates = routes.flatMap((r, i) => (isObj(r) && r.name === sel.route ? [i] : []))
    if (candidates.length === 0) {
      const names = routes.map((r) => (isObj(r) && typeof r.name === 'string' ? r.name : null)).filter((n) => n !== null)
      throw new CanaryError('CL5001', `no http route is named '${sel.route}'${names.length ? ` (named routes: ${names.join(', ')})` : ' (no route has a name)'}`)
    }
    if (candidates.length > 1) throw new CanaryError('CL5002', `${candidates.length} http routes are named '${sel.route}'`)
  } else {
    candidates = routes.flatMap((r, i) => {
      const ds = destinations(r)
      return ds.some((d) => destMatches(d, sel.stable, sel.namespace)) && ds.some((d) => destMatches(d, sel.canary, sel.namespace)) ? [i] : []
    })
    if (candidates.length === 0)
      throw new CanaryError('CL5001', `no http route holds both the stable (${describeSelector(sel.stable)}) and the canary (${describeSelector(sel.canary)}) destination`)
    if (candidates.length > 1) {
      const labels = candidates.map((i) => routeLabel(i, isObj(routes[i]) && typeof (routes[i] as Obj).name === 'string' ? ((routes[i] as Obj).name as string) : null))
      throw new CanaryError('CL5002', `several http routes hold both destinations: ${labels.join(', ')}; choose one with --route`)
    }
  }
  const index = candidates[0]!
  const r = routes[index] as Obj
  const name = typeof r.name === 'string' ? r.name : null
  const label = routeLabel(index, name)
  const dests = destinations(r)
  const stableIdx = indexOfDest(dests, sel.stable, sel.namespace, 'the stable selector', label)
  const canaryIdx = indexOfDest(dests, sel.canary, sel.namespace, 'the canary selector', label)
  if (stableIdx < 0) throw new CanaryError('CL5001', `${label} has no stable destination (${describeSelector(sel.stable)})`)
  if (canaryIdx < 0)
    throw new CanaryError('CL5001', `${label} has no canary destination (${describeSelector(sel.canary)}); add it with weight: 0`)
  if (stableIdx === canaryIdx) throw new CanaryError('CL5003', `the stable and canary selectors pick the same destination of ${label}`)
  const weights = dests.map((d, j) => {
    const w = isObj(d) ? d.weight : undefined
    if (w === undefined || w === null) throw new CanaryError('CL5004', `destination #${j} of ${label} has no weight`, weightPointer(index, j))
    if (typeof w !== 'number' || (!opts.lenient && (!Number.isInteger(w) || w < 0)))
      throw new CanaryError('CL5005', `destination #${j} of ${label} has weight ${JSON.stringify(w)}; weights must be non-negative integers`, weightPointer(index, j))
    return w
  })
  const total = weights.reduce((a, b) => a + b, 0)
  // Rollback must work whatever someone wrote meanwhile (lenient); everything else needs a valid route.
  if (total !== 100 && !opts.lenient) throw new CanaryError('CL5005', `the weights of ${label} total ${total}, not 100`)
  return {route: {index, name}, stableIdx, canaryIdx, weights}
}

/** The stable/canary pair of a resolved route. */
export function splitOf(r: ResolvedRoute): Split {
  return {stable: r.weights[r.stableIdx]!, canary: r.weights[r.canaryIdx]!}
}

/**
 * The weights of a route with the canary at `percent` of the share that stable and canary hold together.
 * Other destinations keep their weights; the result is non-negative and keeps the total.
 */
export function planWeights(weights: readonly number[], stableIdx: number, canaryIdx: number, percent: number): number[] {
  const share = weights[stableIdx]! + weights[canaryIdx]!
  const p = Math.min(100, Math.max(0, percent))
  const canary = Math.round((share * p) / 100)
  const out = [...weights]
  out[canaryIdx] = canary
  out[stableIdx] = share - canary
  return out
}

/** The split the route gets at a step, for display and for the state. */
export function stepSplit(r: ResolvedRoute, percent: number): Split {
  const w = planWeights(r.weights, r.stableIdx, r.canaryIdx, percent)
  return {stable: w[r.stableIdx]!, canary: w[r.canaryIdx]!}
}

/** A new VirtualService with the stable and canary weights of the target route set to `split`. */
export function withSplit(vs: Obj, t: RouteTarget, split: Split): Obj {
  const out = structuredClone(vs)
  const dests = destinations(httpRoutes(out)[t.route.index])
  ;(dests[t.stableIdx] as Obj).weight = split.stable
  ;(dests[t.canaryIdx] as Obj).weight = split.canary
  return out
}

/** Pure: the VirtualService shifted so that the canary gets `percent` % of the stable+canary share. */
export function shiftWeights(vs: Obj, step: {target: ResolvedRoute; percent: number}): Obj {
  return withSplit(vs, step.target, stepSplit(step.target, step.percent))
}
