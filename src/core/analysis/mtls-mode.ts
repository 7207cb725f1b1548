/**
 * Effective PeerAuthentication mode of a workload port, resolved offline the way istiod does:
 * workload policy (selector matches) > namespace policy (no selector) > root-namespace policy (no
 * selector) > PERMISSIVE. `portLevelMtls` (keyed by container port) only counts on a workload policy;
 * UNSET (or no mode) inherits from the next level. When several policies tie at one level, the first
 * in input order wins (istiod picks the oldest; offline we have no creation time).
 *
 * Kept small and local to analysis; `src/core/mtls/` (cleat mtls status) may replace it later.
 */
import type {Inventory, Workload} from '../model/inventory.js'
import {isObj, specOf, type Resource} from '../model/resource.js'
import {meshIndex, matchLabels} from './mesh-index.js'

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE'

export interface EffectiveMode {
  mode: MtlsMode
  /** The PeerAuthentication that decided it, or null for the mesh default. */
  policy: Resource | null
}

interface PaIndex {
  byNamespace: Map<string, {workload: {pa: Resource; selector: [string, string][]}[]; namespaceWide: Resource[]}>
  root: Resource | undefined
  memo: Map<Workload, Map<number | undefined, EffectiveMode>>
  /** Modes some PeerAuthentication sets (mtls or portLevelMtls): lets callers skip impossible conflicts. */
  modes: Set<MtlsMode>
}

const cache = new WeakMap<Inventory, PaIndex>()

function paIndex(inv: Inventory): PaIndex {
  let idx = cache.get(inv)
  if (idx) return idx
  const mi = meshIndex(inv)
  idx = {byNamespace: new Map(), root: undefined, memo: new Map(), modes: new Set()}
  for (const pa of mi.kind('PeerAuthentication')) {
    const ns = mi.ns(pa)
    const sel = matchLabels(specOf(pa), 'selector')
    const spec = specOf(pa)
    const m = modeOf(spec.mtls)
    if (m) idx.modes.add(m)
    if (isObj(spec.portLevelMtls)) for (const v of Object.values(spec.portLevelMtls)) if (modeOf(v)) idx.modes.add(modeOf(v)!)
    const entry = idx.byNamespace.get(ns) ?? {workload: [], namespaceWide: []}
    if (sel && Object.keys(sel).length > 0) entry.workload.push({pa, selector: Object.entries(sel)})
    else entry.namespaceWide.push(pa)
    idx.byNamespace.set(ns, entry)
    if (ns === inv.rootNamespace && !(sel && Object.keys(sel).length > 0)) idx.root ??= pa
  }
  cache.set(inv, idx)
  return idx
}

function modeOf(v: unknown): MtlsMode | undefined {
  const m = isObj(v) ? v.mode : undefined
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : undefined
}

/** True when some PeerAuthentication in the inventory sets this mode (STRICT or DISABLE can only come from one). */
export function anyPolicyMode(inv: Inventory, mode: MtlsMode): boolean {
  return paIndex(inv).modes.has(mode)
}

/** Effective mode of `w` on container port `port` (undefined port: the workload-wide mode). */
export function effectiveMtls(inv: Inventory, w: Workload, port?: number): EffectiveMode {
  const idx = paIndex(inv)
  let byPort = idx.memo.get(w)
  if (!byPort) idx.memo.set(w, (byPort = new Map()))
  let m = byPort.get(port)
  if (!m) byPort.set(port, (m = resolve(inv, idx, w, port)))
  return m
}

function resolve(inv: Inventory, idx: PaIndex, w: Workload, port: number | undefined): EffectiveMode {
  const ns = idx.byNamespace.get(w.namespace)
  const workloadPa = ns?.workload.find((e) => e.selector.every(([k, v]) => w.labels[k] === v))?.pa
  if (workloadPa) {
    const spec = specOf(workloadPa)
    const portLevel = isObj(spec.portLevelMtls) && port !== undefined ? modeOf(spec.portLevelMtls[String(port)]) : undefined
    const m = portLevel ?? modeOf(spec.mtls)
    if (m) return {mode: m, policy: workloadPa}
  }
  const nsPa = ns?.namespaceWide[0]
  const nsMode = nsPa ? modeOf(specOf(nsPa).mtls) : undefined
  if (nsPa && nsMode) return {mode: nsMode, policy: nsPa}
  const rootMode = idx.root ? modeOf(specOf(idx.root).mtls) : undefined
  if (idx.root && rootMode) return {mode: rootMode, policy: idx.root}
  return {mode: 'PERMISSIVE', policy: null}
}
