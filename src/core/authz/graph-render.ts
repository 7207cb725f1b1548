import {PLAINTEXT, type AuthzGraph, type GraphEdge} from './graph.js'

/** Terminal table: one row per caller/callee pair, conditions on indented lines. */
export function formatGraphTable(g: AuthzGraph): string {
  if (g.workloads.length === 0) return 'no workloads in the inputs: add Deployments, Pods or WorkloadEntries to see who may call them\n'
  const rows = g.edges.map((e) => [e.from, e.to, e.decision, e.decision === 'CONDITIONAL' ? '' : e.reason])
  const head = ['FROM (service account)', 'TO (workload)', 'DECISION', 'WHY']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()
  const out = [line(head)]
  g.edges.forEach((e, i) => {
    out.push(line(rows[i]!))
    for (const c of e.conditions) out.push(`${' '.repeat(widths[0]! + 2)}- ${c}`)
  })
  const count = (d: string) => g.edges.filter((e) => e.decision === d).length
  out.push('', `${g.edges.length} pairs: ${count('ALLOW')} allowed, ${count('CONDITIONAL')} conditional, ${count('DENY')} denied`)
  return out.join('\n') + '\n'
}

/**
 * Graphviz: callers (ellipses) → workloads (boxes). Solid green ALLOW, dashed orange CONDITIONAL
 * (labelled with the conditions), dotted red for pairs an explicit DENY policy refuses; pairs that
 * are only refused by default (no ALLOW rule matches) have no edge.
 */
export function formatGraphDot(g: AuthzGraph): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
  const q = (s: string) => `"${esc(s)}"`
  /** A multi-line label: each part escaped, joined by dot's \n line break. */
  const lbl = (...parts: string[]) => `"${parts.map(esc).join('\\n')}"`
  const lines = ['digraph authz {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
  for (const s of sources(g)) lines.push(`  ${q(`sa:${s}`)} [label=${s === PLAINTEXT ? lbl('plaintext callers') : lbl(s, '(service account)')}, shape=ellipse];`)
  for (const w of g.workloads) lines.push(`  ${q(`wl:${w.id}`)} [label=${lbl(w.id, w.kind)}, shape=box];`)
  for (const e of shown(g)) {
    const attrs =
      e.decision === 'ALLOW'
        ? 'color=darkgreen'
        : e.decision === 'DENY'
          ? `color=red, style=dotted, label=${q('DENY')}`
          : `color=darkorange, style=dashed, label=${lbl(...e.conditions.map(shorten))}`
    lines.push(`  ${q(`sa:${e.from}`)} -> ${q(`wl:${e.to}`)} [${attrs}];`)
  }
  lines.push('}')
  return lines.join('\n') + '\n'
}

/** Mermaid flowchart with the same conventions as the dot output. */
export function formatGraphMermaid(g: AuthzGraph): string {
  const id = (prefix: string, s: string) => `${prefix}_${s.replace(/[^A-Za-z0-9]/g, '_')}`
  const text = (s: string) => s.replace(/"/g, '#quot;')
  const lines = ['flowchart LR']
  for (const s of sources(g)) lines.push(`  ${id('sa', s)}(["${text(s === PLAINTEXT ? 'plaintext callers' : `${s} (sa)`)}"])`)
  for (const w of g.workloads) lines.push(`  ${id('wl', w.id)}["${text(`${w.id} (${w.kind})`)}"]`)
  const styles: string[] = []
  shown(g).forEach((e, i) => {
    const a = id('sa', e.from)
    const b = id('wl', e.to)
    if (e.decision === 'ALLOW') lines.push(`  ${a} -->|ALLOW| ${b}`)
    else if (e.decision === 'DENY') lines.push(`  ${a} -.-x|DENY| ${b}`)
    else lines.push(`  ${a} -.->|"${text(e.conditions.map(shorten).join('<br/>'))}"| ${b}`)
    styles.push(`  linkStyle ${i} stroke:${e.decision === 'ALLOW' ? 'green' : e.decision === 'DENY' ? 'red' : 'orange'}`)
  })
  return [...lines, ...styles].join('\n') + '\n'
}

export function formatGraphJson(g: AuthzGraph): string {
  return JSON.stringify(g, null, 2) + '\n'
}

function sources(g: AuthzGraph): string[] {
  return [...g.serviceAccounts.map((s) => s.id), PLAINTEXT]
}

function shown(g: AuthzGraph): GraphEdge[] {
  return g.edges.filter((e) => e.decision !== 'DENY' || e.reason.startsWith('denied by DENY policy'))
}

function shorten(c: string): string {
  return c.replace(/ \([^()]* rule \d+\)$/, '')
}
