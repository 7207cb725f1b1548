import type {Inventory} from '../model/inventory.js'
import {effectiveNamespace, isObj, specOf, type Resource} from '../model/resource.js'

/** An effective mutual-TLS mode of a workload port (UNSET never survives resolution). */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE'

/** Where the effective mode came from, most specific first. */
export type MtlsLevel = 'port' | 'workload' | 'namespace' | 'mesh' | 'default'

/** A workload as far as policy selection is concerned: it need not exist in the inputs. */
export interface WorkloadRef {
  namespace: string
  labels: Record<string, string>
}

/** One PeerAuthentication that took part in the resolution, in the order they were applied. */
export interface MtlsStep {
  level: Exclude<MtlsLevel, 'default'>
  /** `namespace/name` of the PeerAuthentication. */
  policy: string
  /** The mode it sets at this level, `UNSET` when it inherits. */
  mode: MtlsMode | 'UNSET'
}

export interface EffectiveMtls {
  mode: MtlsMode
  /** The PeerAuthentication whose setting won (`namespace/name`), or null for Istio's default (PERMISSIVE). */
  policy: string | null
  level: MtlsLevel
  /** The port asked about (a workload/container port), or null for the workload as a whole. */
  port: number | null
  /** The PeerAuthentications considered, from the mesh level down to the port level. */
  steps: MtlsStep[]
  /** Other PeerAuthentications at the same level that lost because an older (or earlier) one wins. */
  shadowed: string[]
}

export interface MtlsOptions {
  /** PeerAuthentications to leave out (for example ones that failed validation). */
  ignore?: (r: Resource) => boolean
}

const MODES = new Set(['STRICT', 'PERMISSIVE', 'DISABLE'])

/**
 * The effective mTLS mode Istio applies to inbound traffic of a workload (and optionally one of its
 * ports), resolved from the PeerAuthentications in the inventory:
 * - a policy with a non-empty selector in the workload's namespace is workload level (the root
 *   namespace's selector policies are ignored for this purpose, as Istio does);
 * - a policy without selector is namespace level, or mesh level when it lives in the root namespace;
 * - within a level the oldest policy (creationTimestamp, then input order) wins;
 * - UNSET (or no mtls block) inherits from the level above; with nothing set the mode is PERMISSIVE;
 * - portLevelMtls of the workload-level policy overrides the mode for that port (UNSET inherits).
 * Pure: reads only the inventory.
 */
export function effectiveMtls(inventory: Inventory, workload: WorkloadRef, port: number | null = null, opts: MtlsOptions = {}): EffectiveMtls {
  const root = inventory.rootNamespace
  const candidates = (inventory.byKind.get('PeerAuthentication') ?? []).filter(
    (r) => r.apiVersion.startsWith('security.istio.io/') && r.name && !(opts.ignore?.(r) ?? false),
  )
  const ordered = candidates.map((r, i) => ({r, i})).sort((a, b) => cmp(created(a.r), created(b.r)) || a.i - b.i).map((x) => x.r)
  let mesh: Resource[] = []
  let ns: Resource[] = []
  let wl: Resource[] = []
  for (const r of ordered) {
    const rns = effectiveNamespace(r)
    const selector = matchLabels(specOf(r))
    if (Object.keys(selector).length === 0) {
      if (rns === root) mesh.push(r)
      else if (rns === workload.namespace) ns.push(r)
    } else if (rns !== root && rns === workload.namespace && subset(selector, workload.labels)) {
      wl.push(r)
    }
  }
  const shadowed = [...mesh.slice(1), ...ns.slice(1), ...wl.slice(1)].map(id)
  mesh = mesh.slice(0, 1)
  ns = ns.slice(0, 1)
  wl = wl.slice(0, 1)

  let mode: MtlsMode = 'PERMISSIVE'
  let policy: string | null = null
  let level: MtlsLevel = 'default'
  const steps: MtlsStep[] = []
  const apply = (lvl: MtlsStep['level'], r: Resource, m: MtlsMode | 'UNSET') => {
    steps.push({level: lvl, policy: id(r), mode: m})
    if (m !== 'UNSET') {
      mode = m
      policy = id(r)
      level = lvl
    }
  }
  if (mesh[0]) apply('mesh', mesh[0], modeOf(specOf(mesh[0]).mtls))
  if (ns[0]) apply('namespace', ns[0], modeOf(specOf(ns[0]).mtls))
  const w = wl[0]
  if (w) {
    const spec = specOf(w)
    apply('workload', w, modeOf(spec.mtls))
    if (port !== null && isObj(spec.portLevelMtls)) {
      const entry = Object.entries(spec.portLevelMtls).find(([k]) => Number(k) === port)
      if (entry) apply('port', w, modeOf(entry[1]))
    }
  }
  return {mode, policy, level, port, steps, shadowed}
}

/** The ports a workload-level PeerAuthentication sets explicitly (portLevelMtls keys). */
export function portLevelPorts(inventory: Inventory, workload: WorkloadRef, opts: MtlsOptions = {}): number[] {
  const r = effectiveMtls(inventory, workload, null, opts).steps.find((s) => s.level === 'workload')
  if (!r) return []
  const pa = (inventory.byKind.get('PeerAuthentication') ?? []).find((x) => id(x) === r.policy)
  const plm = pa ? specOf(pa).portLevelMtls : undefined
  return isObj(plm) ? Object.keys(plm).map(Number).filter((n) => Number.isInteger(n)) : []
}

function modeOf(mtls: unknown): MtlsMode | 'UNSET' {
  if (!isObj(mtls)) return 'UNSET'
  const m = mtls.mode
  return typeof m === 'string' && MODES.has(m) ? (m as MtlsMode) : 'UNSET'
}

function matchLabels(spec: Record<string, unknown>): Record<string, string> {
  const sel = spec.selector
  if (!isObj(sel) || !isObj(sel.matchLabels)) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(sel.matchLabels)) if (typeof v === 'string') out[k] = v
  return out
}

function subset(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v)
}

function created(r: Resource): string {
  const meta = r.obj.metadata
  return isObj(meta) && typeof meta.creationTimestamp === 'string' ? meta.creationTimestamp : ''
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** `namespace/name` of a resource. */
export function id(r: Resource): string {
  return `${effectiveNamespace(r)}/${r.name ?? ''}`
}
