/**
 * Effective PeerAuthentication mode of a workload port, for the mTLS conflict analyzer. The resolution
 * itself is the one `cleat mtls status` uses (src/core/mtls/effective.ts: workload > namespace > root
 * namespace > PERMISSIVE, portLevelMtls on the workload policy, UNSET inherits, oldest policy wins a
 * tie); this module memoizes it per workload and port and knows which modes occur at all, so the
 * analyzer can skip DestinationRules that cannot conflict without resolving anything.
 */
import type {Inventory, Workload} from '../model/inventory.js'
import {isObj, specOf} from '../model/resource.js'
import {effectiveMtls as resolveMtls, type MtlsMode} from '../mtls/effective.js'
import {meshIndex} from './mesh-index.js'

export type {MtlsMode} from '../mtls/effective.js'

export interface EffectiveMode {
  mode: MtlsMode
  /** `namespace/name` of the PeerAuthentication that decided it, or null for the mesh default. */
  policy: string | null
}

interface ModeIndex {
  memo: Map<Workload, Map<number | undefined, EffectiveMode>>
  /** Modes some PeerAuthentication sets (mtls or portLevelMtls). */
  modes: Set<string>
}

const cache = new WeakMap<Inventory, ModeIndex>()

function modeIndex(inv: Inventory): ModeIndex {
  let idx = cache.get(inv)
  if (idx) return idx
  idx = {memo: new Map(), modes: new Set()}
  for (const pa of meshIndex(inv).kind('PeerAuthentication')) {
    const spec = specOf(pa)
    if (isObj(spec.mtls) && typeof spec.mtls.mode === 'string') idx.modes.add(spec.mtls.mode)
    if (isObj(spec.portLevelMtls)) for (const v of Object.values(spec.portLevelMtls)) if (isObj(v) && typeof v.mode === 'string') idx.modes.add(v.mode)
  }
  cache.set(inv, idx)
  return idx
}

/** True when some PeerAuthentication in the inventory sets this mode (STRICT or DISABLE can only come from one). */
export function anyPolicyMode(inv: Inventory, mode: MtlsMode): boolean {
  return modeIndex(inv).modes.has(mode)
}

/** Effective mode of `w` on container port `port` (undefined port: the workload-wide mode). */
export function effectiveMtls(inv: Inventory, w: Workload, port?: number): EffectiveMode {
  const idx = modeIndex(inv)
  let byPort = idx.memo.get(w)
  if (!byPort) idx.memo.set(w, (byPort = new Map()))
  let m = byPort.get(port)
  if (!m) {
    const r = resolveMtls(inv, {namespace: w.namespace, labels: w.labels}, port ?? null)
    byPort.set(port, (m = {mode: r.mode, policy: r.policy}))
  }
  return m
}
