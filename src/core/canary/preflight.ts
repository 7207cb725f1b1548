import {dump} from 'js-yaml'
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic, ResourceRef} from '../diagnostics/diagnostic.js'
import {isObj, toResource} from '../model/resource.js'
import {validateResources} from '../validate/engine.js'
import {fqdn, hostMatches, weightPointer, type ResolvedRoute} from './weights.js'
import type {DestSelector, Obj} from './types.js'

function refOf(obj: Obj): ResourceRef {
  const meta = isObj(obj.metadata) ? obj.metadata : {}
  return {
    apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : null,
    kind: typeof obj.kind === 'string' ? obj.kind : null,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : null,
    name: typeof meta.name === 'string' ? meta.name : null,
  }
}

function metaOf(obj: Obj): Obj {
  return isObj(obj.metadata) ? obj.metadata : {}
}

function strMap(v: unknown): Record<string, unknown> {
  return isObj(v) ? v : {}
}

/** Refuse objects that a controller (Flagger, Argo Rollouts) owns: two writers would fight. */
export function ownershipFindings(vs: Obj, destinationRules: readonly Obj[]): Diagnostic[] {
  const out: Diagnostic[] = []
  const meta = metaOf(vs)
  const owners = Array.isArray(meta.ownerReferences) ? meta.ownerReferences : []
  const flaggerOwner = owners.find((o) => isObj(o) && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('flagger.app/'))
  const ann = strMap(meta.annotations)
  const labels = strMap(meta.labels)
  if (flaggerOwner || Object.keys(ann).some((k) => k.startsWith('flagger.kubernetes.io/')) || Object.keys(labels).some((k) => k.startsWith('flagger.')))
    out.push(diag('CL5020', {message: 'the VirtualService is owned or annotated by Flagger', resource: refOf(vs), path: '/metadata'}))
  const argo = (o: Obj): boolean => {
    const m = metaOf(o)
    const keys = [...Object.keys(strMap(m.annotations)), ...Object.keys(strMap(m.labels))]
    const ownedByRollout = (Array.isArray(m.ownerReferences) ? m.ownerReferences : []).some((r) => isObj(r) && r.kind === 'Rollout' && String(r.apiVersion ?? '').startsWith('argoproj.io/'))
    return ownedByRollout || keys.some((k) => k.startsWith('argo-rollouts.argoproj.io/'))
  }
  if (argo(vs)) out.push(diag('CL5021', {message: 'the VirtualService is managed by Argo Rollouts', resource: refOf(vs), path: '/metadata'}))
  for (const dr of destinationRules)
    if (argo(dr)) out.push(diag('CL5021', {message: `DestinationRule ${String(metaOf(dr).name)} is managed by Argo Rollouts`, resource: refOf(dr), path: '/metadata'}))
  return out
}

function destHost(vs: Obj, route: ResolvedRoute, idx: number): string | null {
  const http = ((vs.spec as Obj | undefined)?.http as Obj[] | undefined) ?? []
  const d = ((http[route.route.index]?.route as Obj[] | undefined) ?? [])[idx]
  const dest = isObj(d?.destination) ? d.destination : {}
  return typeof dest.host === 'string' ? dest.host : null
}

/** The subset of a DR (for its labels, e.g. `version`), if any DR for the host defines it. */
export function findSubset(destinationRules: readonly Obj[], host: string, subset: string, vsNamespace: string): Obj | null {
  for (const dr of destinationRules) {
    const spec = isObj(dr.spec) ? dr.spec : {}
    const ns = typeof metaOf(dr).namespace === 'string' ? (metaOf(dr).namespace as string) : vsNamespace
    if (typeof spec.host !== 'string' || fqdn(spec.host, ns) !== fqdn(host, vsNamespace)) continue
    const subsets = Array.isArray(spec.subsets) ? spec.subsets : []
    const s = subsets.find((x) => isObj(x) && x.name === subset)
    if (s) return s as Obj
  }
  return null
}

export interface PreflightInput {
  /** The VirtualService as it would be after the write. */
  shifted: Obj
  route: ResolvedRoute
  stable: DestSelector
  canary: DestSelector
  namespace: string
  destinationRules: readonly Obj[]
}

/**
 * Checks before any weight increase: nobody else owns the objects, both subsets exist in a
 * DestinationRule for the host, the new weights are non-negative and total 100, and the shifted
 * VirtualService passes cleat validate's schema and rules. Returns error findings (empty = go).
 */
export function preflight(p: PreflightInput): Diagnostic[] {
  const out: Diagnostic[] = [...ownershipFindings(p.shifted, p.destinationRules)]
  const ref = refOf(p.shifted)
  for (const [role, sel, idx] of [
    ['stable', p.stable, p.route.stableIdx],
    ['canary', p.canary, p.route.canaryIdx],
  ] as const) {
    if (sel.subset === undefined) continue
    const host = destHost(p.shifted, p.route, idx)
    if (!host) continue
    const hasDr = p.destinationRules.some((dr) => {
      const spec = isObj(dr.spec) ? dr.spec : {}
      return typeof spec.host === 'string' && hostMatches(spec.host, host, p.namespace)
    })
    if (!hasDr) {
      out.push(diag('CL5011', {message: `no DestinationRule for host ${host} defines the ${role} subset ${sel.subset}`, resource: ref, path: `/spec/http/${p.route.route.index}/route/${idx}/destination`}))
      continue
    }
    if (!findSubset(p.destinationRules, host, sel.subset, p.namespace))
      out.push(diag('CL5010', {message: `the ${role} subset ${sel.subset} is not defined in a DestinationRule for host ${host}`, resource: ref, path: `/spec/http/${p.route.route.index}/route/${idx}/destination/subset`}))
  }
  const http = ((p.shifted.spec as Obj | undefined)?.http as Obj[] | undefined) ?? []
  const dests = (http[p.route.route.index]?.route as Obj[] | undefined) ?? []
  const weights = dests.map((d) => d.weight)
  weights.forEach((w, j) => {
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0)
      out.push(diag('CL5005', {message: `weight ${JSON.stringify(w)} is not a non-negative integer`, resource: ref, path: weightPointer(p.route.route.index, j)}))
  })
  const total = weights.reduce<number>((a, w) => a + (typeof w === 'number' ? w : 0), 0)
  if (total !== 100) out.push(diag('CL5005', {message: `the new weights total ${total}, not 100`, resource: ref, path: `/spec/http/${p.route.route.index}/route`}))
  const doc = {file: '<shifted VirtualService>', index: 0, startLine: 0, text: dump(p.shifted, {noRefs: true}), value: p.shifted}
  let findings: Diagnostic[]
  try {
    findings = validateResources([toResource(p.shifted, doc, '')], {analyzers: []}).filter((d) => d.severity === 'error')
  } catch (e) {
    // Fail closed: without a verdict from validate, no weight is increased.
    findings = [diag('CL5012', {message: `validation could not run (a bug in cleat, please report it): ${(e as Error).message}`, resource: ref})]
  }
  for (const f of findings) out.push(f.code === 'CL5012' ? f : diag('CL5012', {message: `${f.code}: ${f.message}`, resource: ref, path: f.path}))
  return out
}
