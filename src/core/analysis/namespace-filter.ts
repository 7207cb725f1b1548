import type {Diagnostic} from '../diagnostics/diagnostic.js'

/**
 * Keep the findings about resources in the given namespaces (`-n/--namespace`). A resource without
 * metadata.namespace counts as `default`; findings not tied to a resource (input errors, notes about
 * the inventory) are always kept. An empty list keeps everything.
 */
export function filterByNamespace(diags: readonly Diagnostic[], namespaces: readonly string[], defaultNamespace = 'default'): Diagnostic[] {
  if (namespaces.length === 0) return [...diags]
  const wanted = new Set(namespaces)
  return diags.filter((d) => !d.resource || wanted.has(d.resource.namespace ?? defaultNamespace))
}
