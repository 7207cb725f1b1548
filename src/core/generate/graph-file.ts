import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {parseSource} from '../input/documents.js'
import {Locator} from '../input/locate.js'
import {readInputSources} from '../input/sources.js'
import type {Obj} from '../model/resource.js'
import {translateSchemaErrors} from '../validate/schema-errors.js'
import {runChecks} from './checks.js'
import type {AllowRule} from './kinds/zero-trust.js'
import {loadTemplate, specValidator} from './template.js'

export interface CallGraph {
  allow: AllowRule[]
  namespace?: string
  trustDomain?: string
  diagnostics: Diagnostic[]
  unreadable: boolean
}

/** Read a call graph file for the zero-trust generator: {namespace?, trustDomain?, calls: [{from, to, methods?, paths?}]}. */
export async function readCallGraph(file: string, opts: {cwd: string}): Promise<CallGraph> {
  const read = await readInputSources([file], {cwd: opts.cwd})
  if (read.unreadable || read.sources.length === 0) return {allow: [], diagnostics: read.diagnostics, unreadable: true}
  const parsed = parseSource(read.sources[0]!)
  if (parsed.diagnostics.length) return {allow: [], diagnostics: parsed.diagnostics, unreadable: false}
  const doc = parsed.docs[0]!
  const locator = new Locator()
  const at = (pointer: string, message: string): Diagnostic => {
    const pos = locator.locate(doc, pointer)
    return diag('CL7012', {message, file: doc.file, line: pos.line, column: pos.column, path: pointer})
  }
  const validate = specValidator('graph')
  if (!validate(doc.value)) return {allow: [], diagnostics: translateSchemaErrors(validate.errors ?? [], '').map((f) => at(f.pointer, f.message)), unreadable: false}
  const g = doc.value as {namespace?: string; trustDomain?: string; calls: {from: string | string[]; to: string; methods?: string[]; paths?: string[]}[]}
  const itemSchema = ((loadTemplate('zero-trust').schema.properties as Record<string, Obj>).allow!.items ?? {}) as Obj
  const diagnostics: Diagnostic[] = []
  const allow = g.calls.map((c, i) => {
    const rule: AllowRule = {from: typeof c.from === 'string' ? [c.from] : c.from, to: c.to}
    if (c.methods?.length) rule.methods = c.methods.map((m) => (m === '*' ? m : m.toUpperCase()))
    if (c.paths?.length) rule.paths = c.paths
    for (const pr of runChecks(itemSchema, rule)) diagnostics.push(at(`/calls/${i}${typeof c.from === 'string' ? pr.pointer.replace(/^\/from\/0$/, '/from') : pr.pointer}`, pr.message))
    return rule
  })
  return {allow, namespace: g.namespace, trustDomain: g.trustDomain, diagnostics, unreadable: false}
}
