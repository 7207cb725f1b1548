import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {Locator} from '../input/locate.js'
import type {Inventory, Workload} from '../model/inventory.js'
import {effectiveNamespace, isObj, type Resource} from '../model/resource.js'
import {servicesOf, targetPortOf, tlsConflicts, type TlsConflict} from './conflicts.js'
import {effectiveMtls, portLevelPorts, type MtlsMode, type WorkloadRef} from './effective.js'

/** One row of `cleat mtls status`: the effective mode of a workload (port null) or of one of its ports. */
export interface MtlsStatusRow {
  namespace: string
  labels: Record<string, string>
  port: number | null
  mode: MtlsMode
  policy: string | null
  conflicts: TlsConflict[]
}

/** A row plus what the text output shows besides the JSON fields. */
export interface MtlsStatusEntry extends MtlsStatusRow {
  /** `Kind/name` of the workload when it comes from the inputs, null for a query. */
  workload: string | null
  level: string
}

export interface MtlsQuery {
  /** Only workloads of this namespace (and the namespace of a label query). */
  namespace?: string
  /** Answer for one workload with these labels, which need not be in the inputs (needs namespace). */
  labels?: Record<string, string>
  /** Only this workload port. */
  port?: number
  ignore?: (r: Resource) => boolean
}

/** Effective mTLS per workload and port, with conflicting DestinationRule TLS settings. Pure. */
export function mtlsStatus(inventory: Inventory, query: MtlsQuery = {}): MtlsStatusEntry[] {
  const targets: {ref: WorkloadRef; workload: Workload | null; ports: Workload | null}[] = []
  if (query.labels) {
    const ref = {namespace: query.namespace ?? 'default', labels: query.labels}
    // A workload of the inputs with these labels only helps to resolve named ports.
    const known = inventory.workloads.find((w) => w.namespace === ref.namespace && Object.entries(ref.labels).every(([k, v]) => w.labels[k] === v)) ?? null
    targets.push({ref, workload: null, ports: known})
  } else {
    const ws = inventory.workloads.filter((w) => query.namespace === undefined || w.namespace === query.namespace)
    for (const w of [...ws].sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(a.kind, b.kind))) {
      targets.push({ref: {namespace: w.namespace, labels: w.labels}, workload: w, ports: w})
    }
  }
  const out: MtlsStatusEntry[] = []
  for (const {ref, workload, ports: portSource} of targets) {
    const namedPort = (name: string) => containerPort(portSource, name)
    const ports = query.port !== undefined ? [query.port] : [null, ...knownPorts(inventory, ref, portSource, query.ignore)]
    for (const port of ports) {
      const eff = effectiveMtls(inventory, ref, port, {ignore: query.ignore})
      out.push({
        namespace: ref.namespace,
        labels: ref.labels,
        port,
        mode: eff.mode,
        policy: eff.policy,
        conflicts: tlsConflicts(inventory, ref, port, eff.mode, {ignore: query.ignore, namedPort}),
        workload: workload ? `${workload.kind}/${workload.name}` : null,
        level: eff.level,
      })
    }
  }
  return out
}

/** Ports worth a row: target ports of the Services selecting the workload and portLevelMtls ports. */
function knownPorts(inventory: Inventory, ref: WorkloadRef, workload: Workload | null, ignore?: (r: Resource) => boolean): number[] {
  const named = (name: string) => containerPort(workload, name)
  const ports = new Set<number>()
  for (const s of servicesOf(inventory, ref)) for (const p of s.ports) {
    const t = targetPortOf(p, named)
    if (t !== undefined && Number.isInteger(t)) ports.add(t)
  }
  for (const p of portLevelPorts(inventory, ref, {ignore})) ports.add(p)
  return [...ports].sort((a, b) => a - b)
}

function containerPort(workload: Workload | null, name: string): number | undefined {
  if (!workload) return undefined
  const spec = workload.resource.obj.spec
  const podSpec = workload.kind === 'Pod' ? spec : isObj(spec) && isObj(spec.template) ? spec.template.spec : undefined
  if (!isObj(podSpec) || !Array.isArray(podSpec.containers)) return undefined
  for (const c of podSpec.containers) {
    if (!isObj(c) || !Array.isArray(c.ports)) continue
    for (const p of c.ports) if (isObj(p) && p.name === name && typeof p.containerPort === 'number') return p.containerPort
  }
  return undefined
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The JSON form: exactly the documented fields. */
export function toJsonRows(rows: readonly MtlsStatusEntry[]): MtlsStatusRow[] {
  return rows.map(({namespace, labels, port, mode, policy, conflicts}) => ({namespace, labels, port, mode, policy, conflicts}))
}

/** Human table: NAMESPACE WORKLOAD PORT MODE POLICY, then one indented line per conflict. */
export function formatMtlsTable(rows: readonly MtlsStatusEntry[]): string {
  if (rows.length === 0) return 'no workloads found in the inputs (use --namespace and --labels to ask about one)\n'
  const table = rows.map((r) => [
    r.namespace,
    r.workload ?? labelText(r.labels),
    r.port === null ? '*' : String(r.port),
    r.mode,
    r.policy ? `${r.policy} (${r.level})` : '(none: Istio default)',
  ])
  const head = ['NAMESPACE', 'WORKLOAD', 'PORT', 'MODE', 'DECIDED BY']
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
  const lines = [line(head)]
  rows.forEach((r, i) => {
    lines.push(line(table[i]!))
    for (const c of r.conflicts) {
      const where = `${c.destinationRule}${c.subset ? ` subset ${c.subset}` : ''}${c.port !== null ? ` port ${c.port}` : ''}`
      lines.push(`  ! conflict: DestinationRule ${where} (host ${c.host}) tls ${c.tlsMode}: ${c.reason}`)
    }
  })
  const n = rows.reduce((a, r) => a + r.conflicts.length, 0)
  lines.push('', `${rows.length} row${rows.length === 1 ? '' : 's'}, ${n} conflict${n === 1 ? '' : 's'}`)
  return lines.join('\n') + '\n'
}

export function labelText(labels: Record<string, string>): string {
  const s = Object.entries(labels).sort(([a], [b]) => cmp(a, b)).map(([k, v]) => `${k}=${v}`).join(',')
  return s === '' ? '(no labels)' : s
}

/** One located CL6004 finding per conflicting DestinationRule setting (deduplicated across rows). */
export function conflictDiagnostics(rows: readonly MtlsStatusEntry[], inventory: Inventory): Diagnostic[] {
  const locator = new Locator()
  const seen = new Map<string, {c: TlsConflict; where: string[]}>()
  for (const r of rows) for (const c of r.conflicts) {
    const key = `${c.destinationRule}|${c.path}|${c.reason}`
    const entry = seen.get(key) ?? {c, where: []}
    entry.where.push(`${r.workload ?? labelText(r.labels)}${r.port === null ? '' : `:${r.port}`}`)
    seen.set(key, entry)
  }
  const out: Diagnostic[] = []
  for (const {c, where} of seen.values()) {
    const dr = (inventory.byKind.get('DestinationRule') ?? []).find((x) => `${effectiveNamespace(x)}/${x.name}` === c.destinationRule)
    const pos = dr ? locator.locate(dr.doc, dr.pointer + c.path) : {line: null, column: null}
    out.push(diag('CL6004', {message: `tls mode ${c.tlsMode}${c.subset ? ` (subset ${c.subset})` : ''}: ${c.reason}; affects ${[...new Set(where)].join(', ')}`, file: dr?.doc.file, line: pos.line, column: pos.column, resource: dr?.ref, path: c.path}))
  }
  return out
}
