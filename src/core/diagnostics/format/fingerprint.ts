/**
 * Stable fingerprints of findings, independent of line and column, so that code scanning and
 * baselines keep tracking a finding when lines above it move. A finding is identified by its code,
 * its file, its resource (kind, namespace, name) and its field (JSON pointer); findings without a
 * resource use their message instead. When several findings share that identity, an occurrence number
 * (in file/line order) tells them apart.
 */
import {createHash} from 'node:crypto'
import {compareDiagnostics, type Diagnostic} from '../diagnostic.js'

export const FINGERPRINT_VERSION = 'cleat/v1'

function identity(d: Diagnostic): string {
  const file = (d.file ?? '').replaceAll('\\', '/')
  if (d.resource) {
    const r = d.resource
    return [d.code, file, r.kind ?? '', r.namespace ?? '', r.name ?? '', d.path ?? ''].join('\u0000')
  }
  return [d.code, file, d.message].join('\u0000')
}

/** Fingerprints of `diags`, in the same order as given. */
export function fingerprints(diags: readonly Diagnostic[]): string[] {
  const order = diags.map((d, i) => ({d, i})).sort((a, b) => compareDiagnostics(a.d, b.d))
  const seen = new Map<string, number>()
  const out: string[] = new Array<string>(diags.length)
  for (const {d, i} of order) {
    const id = identity(d)
    const n = seen.get(id) ?? 0
    seen.set(id, n + 1)
    out[i] = createHash('sha256').update(`${id}\u0000${n}`).digest('hex').slice(0, 32)
  }
  return out
}

export function fingerprint(d: Diagnostic): string {
  return fingerprints([d])[0]!
}
