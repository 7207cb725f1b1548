import {BUILTIN_ANALYZERS} from '../../../src/core/analysis/index.js'
import type {Diagnostic} from '../../../src/core/diagnostics/diagnostic.js'
import {parseSource} from '../../../src/core/input/documents.js'
import {buildInventory, type Inventory} from '../../../src/core/model/inventory.js'
import {extractResources} from '../../../src/core/model/resource.js'
import {analyze} from '../../../src/core/validate/engine.js'
import type {Analyzer} from '../../../src/core/validate/types.js'

export function inventoryOf(yamlText: string, file = 'mesh.yaml'): Inventory {
  const {docs} = parseSource({file, text: yamlText})
  return buildInventory(extractResources(docs).resources)
}

/** Run analyzers (default: all built-in) over one YAML text. */
export function analyzeYaml(yamlText: string, analyzers: readonly Analyzer[] = BUILTIN_ANALYZERS): Diagnostic[] {
  return analyze(inventoryOf(yamlText), analyzers)
}

/** `CODE Kind ns/name` lines, sorted, for compact assertions. */
export function summary(diags: readonly Diagnostic[], codes?: readonly string[]): string[] {
  return diags
    .filter((d) => !codes || codes.includes(d.code))
    .map((d) => `${d.code} ${d.resource ? `${d.resource.kind} ${d.resource.namespace ?? ''}/${d.resource.name}` : '-'}`)
    .sort()
}

export const doc = (...parts: string[]): string => parts.join('\n---\n')

export function service(name: string, ns: string, selector: Record<string, string>, ports: number[], extra = ''): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}${extra}}
spec:
  selector: ${JSON.stringify(selector)}
  ports: ${JSON.stringify(ports.map((p) => ({name: `http-${p}`, port: p})))}`
}

export function deployment(name: string, ns: string, labels: Record<string, string>, sa = 'default'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec: {serviceAccountName: ${sa}}`
}
