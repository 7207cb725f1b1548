import type {Inventory} from '../model/inventory.js'
import {effectiveNamespace, isObj, specOf, str, stringMap, type Obj, type Resource} from '../model/resource.js'
import type {WorkloadRef} from '../mtls/effective.js'

export type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM'

export interface TargetRef {
  group: string
  kind: string
  name: string
  namespace: string | null
}

/** An AuthorizationPolicy read from the inputs. */
export interface Policy {
  /** `namespace/name`. */
  id: string
  namespace: string
  name: string
  action: Action
  /** `istio.io/dry-run` is true: evaluated and reported, never enforced. */
  dryRun: boolean
  /** matchLabels of the selector; null when there is none. */
  selector: Record<string, string> | null
  targetRefs: TargetRef[]
  /** The rules as written; null when `rules` is absent (the policy never matches). */
  rules: Obj[] | null
  /** CUSTOM provider name. */
  provider: string | null
  resource: Resource
  /** Left out of the evaluation because it failed validation. */
  invalid: boolean
}

/** Go's strconv.ParseBool, which Istio uses for the dry-run annotation. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])

export function readPolicies(inventory: Inventory, isInvalid: (r: Resource) => boolean = () => false): Policy[] {
  const out: Policy[] = []
  for (const r of inventory.byKind.get('AuthorizationPolicy') ?? []) {
    if (!r.apiVersion.startsWith('security.istio.io/') || !r.name) continue
    const spec = specOf(r)
    const ns = effectiveNamespace(r)
    const action = typeof spec.action === 'string' && ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(spec.action) ? (spec.action as Action) : 'ALLOW'
    const refs = [...(isObj(spec.targetRef) ? [spec.targetRef] : []), ...(Array.isArray(spec.targetRefs) ? spec.targetRefs.filter(isObj) : [])]
    out.push({
      id: `${ns}/${r.name}`,
      namespace: ns,
      name: r.name,
      action,
      dryRun: TRUE.has(r.annotations['istio.io/dry-run'] ?? ''),
      selector: isObj(spec.selector) ? stringMap(spec.selector.matchLabels) : null,
      targetRefs: refs.map((t) => ({group: str(t.group) ?? '', kind: str(t.kind) ?? '', name: str(t.name) ?? '', namespace: str(t.namespace) ?? null})),
      rules: Array.isArray(spec.rules) ? spec.rules.map((x) => (isObj(x) ? x : {})) : null,
      provider: isObj(spec.provider) ? (str(spec.provider.name) ?? null) : null,
      resource: r,
      invalid: isInvalid(r),
    })
  }
  return out
}

export interface Scope {
  applies: boolean
  /** Why the policy does or does not apply to the workload. */
  why: string
}

/**
 * Whether a policy applies to a workload: its namespace is the workload's or the root namespace
 * (mesh-wide), and its selector matches the workload's labels, or one of its targetRefs designates
 * the workload (a Gateway by the `gateway.networking.k8s.io/gateway-name` label, a Service or
 * ServiceEntry by its selector). Policies with targetRefs do not apply through namespace scope.
 */
export function policyScope(p: Policy, to: WorkloadRef, inventory: Inventory): Scope {
  const root = inventory.rootNamespace
  const meshWide = p.namespace === root && to.namespace !== root
  if (p.namespace !== to.namespace && !meshWide) return {applies: false, why: `lives in namespace ${p.namespace}, not ${to.namespace} nor the root namespace ${root}`}
  const where = meshWide ? `mesh-wide (root namespace ${root})` : `namespace ${p.namespace}`
  if (p.targetRefs.length > 0) {
    for (const t of p.targetRefs) {
      const hit = targetMatches(t, p, to, inventory)
      if (hit) return {applies: true, why: `${where}, ${hit}`}
    }
    return {applies: false, why: `targetRefs (${p.targetRefs.map((t) => `${t.kind}/${t.name}`).join(', ')}) do not designate this workload`}
  }
  if (p.selector && Object.keys(p.selector).length > 0) {
    const sel = labelText(p.selector)
    return Object.entries(p.selector).every(([k, v]) => to.labels[k] === v)
      ? {applies: true, why: `${where}, selector ${sel} matches`}
      : {applies: false, why: `${where}, selector ${sel} does not match`}
  }
  return {applies: true, why: `${where}, no selector (all workloads)`}
}

function targetMatches(t: TargetRef, p: Policy, to: WorkloadRef, inventory: Inventory): string | undefined {
  const ns = t.namespace || p.namespace
  if (ns !== to.namespace) return undefined
  if (t.kind === 'Gateway' && (t.group === 'gateway.networking.k8s.io' || t.group === '')) {
    return to.labels['gateway.networking.k8s.io/gateway-name'] === t.name ? `targetRef Gateway/${t.name} (gateway-name label matches)` : undefined
  }
  if ((t.kind === 'Service' && (t.group === '' || t.group === 'core')) || (t.kind === 'ServiceEntry' && t.group === 'networking.istio.io')) {
    const svc = inventory.services.find(
      (s) => s.resource.kind === t.kind && s.resource.name === t.name && s.namespace === ns && Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => to.labels[k] === v),
    )
    return svc ? `targetRef ${t.kind}/${t.name} selects this workload (enforced by its waypoint; sidecars ignore targetRef policies)` : undefined
  }
  return undefined
}

export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',')
}
