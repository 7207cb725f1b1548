import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {diag} from '../diagnostics/catalog/index.js'
import {readInputSources, type ReadSourcesOptions} from '../input/sources.js'
import type {Inventory} from '../model/inventory.js'
import {effectiveNamespace, type Resource} from '../model/resource.js'
import {validateSources} from '../validate/engine.js'
import {readPolicies, type Policy} from './policy.js'

export interface LoadOptions extends ReadSourcesOptions {
  rootNamespace?: string
  domainSuffix?: string
}

export interface LoadedInputs {
  inventory: Inventory
  policies: Policy[]
  /** Input, schema and rule findings about the resources authz and mTLS use, plus CL6001/CL6002 notes. */
  diagnostics: Diagnostic[]
  /** Some input could not be read (exit 65). */
  unreadable: boolean
  /** True for a PeerAuthentication, DestinationRule or AuthorizationPolicy that failed validation. */
  isInvalid: (r: Resource) => boolean
}

const RELEVANT = new Set(['AuthorizationPolicy', 'PeerAuthentication', 'DestinationRule', 'RequestAuthentication'])

/**
 * Read PATHS and validate them (schemas and Istio rules, no cross-resource analysis). Invalid
 * AuthorizationPolicies, PeerAuthentications and DestinationRules are reported and left out:
 * Istio's admission webhook would refuse them, so they never take effect.
 */
export async function loadAuthzInputs(paths: readonly string[], opts: LoadOptions): Promise<LoadedInputs> {
  const read = await readInputSources(paths, opts)
  const report = validateSources(read.sources, {analyzers: [], rootNamespace: opts.rootNamespace, domainSuffix: opts.domainSuffix})
  const bad = new Set<string>()
  const key = (kind: string | null, ns: string | null, name: string | null) => `${kind}|${ns ?? 'default'}|${name}`
  const relevant: Diagnostic[] = []
  for (const d of report.diagnostics) {
    const kind = d.resource?.kind ?? null
    if (d.resource && kind && !RELEVANT.has(kind)) continue
    relevant.push(d)
    if (d.severity === 'error' && d.resource) bad.add(key(kind, d.resource.namespace, d.resource.name))
  }
  const isInvalid = (r: Resource) => bad.has(key(r.kind, effectiveNamespace(r), r.name))
  for (const r of report.resources) {
    if (RELEVANT.has(r.kind) && r.kind !== 'RequestAuthentication' && isInvalid(r)) {
      relevant.push(diag('CL6001', {message: `${r.kind} ${effectiveNamespace(r)}/${r.name} is invalid and is left out of the evaluation (Istio would refuse it)`, file: r.doc.file, line: r.doc.startLine + 1, column: 1, resource: r.ref}))
    }
  }
  const policies = readPolicies(report.inventory, isInvalid)
  return {inventory: report.inventory, policies, diagnostics: [...read.diagnostics, ...relevant], unreadable: read.unreadable, isInvalid}
}
