import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {parseSource, type ParsedDoc} from '../input/documents.js'
import {Locator} from '../input/locate.js'
import {readInputSources} from '../input/sources.js'
import {isObj} from '../model/resource.js'
import {translateSchemaErrors} from '../validate/schema-errors.js'
import {describeMissing, locateProblem, type GenerateRequest, type Origin} from './plan.js'
import {resolveParams} from './resolve.js'
import {isGeneratorKind, loadTemplate, specValidator, type Params, type Template} from './template.js'

export interface SpecReadResult {
  requests: GenerateRequest[]
  /** Problems with the file; requests are only usable when there are none. */
  diagnostics: Diagnostic[]
  /** True when the file could not be read at all. */
  unreadable: boolean
}

/**
 * Apply the spec's `defaults` to an entry that does not set them (only fields its generator has, and not
 * where another field of the entry fixes the value: a meshWide policy lives in the root namespace).
 */
function withDefaults(entry: Params, defaults: Params, t: Template): Params {
  const out: Params = {...entry}
  for (const [k, v] of Object.entries(defaults)) {
    const p = t.params.find((x) => x.name === k)
    if (!p || out[k] !== undefined) continue
    if (p.defaultWhen && Object.keys(p.defaultWhen).some((c) => entry[c] !== undefined && entry[c] !== false)) continue
    out[k] = v
  }
  return out
}

/** Check a parsed spec document and turn its entries into generate requests (defaults resolved). */
export function specRequests(doc: ParsedDoc): {requests: GenerateRequest[]; diagnostics: Diagnostic[]} {
  const locator = new Locator()
  const at = (pointer: string, message: string, code = 'CL7011'): Diagnostic => {
    const pos = locator.locate(doc, pointer)
    return diag(code, {message, file: doc.file, line: pos.line, column: pos.column, path: pointer})
  }
  const validate = specValidator('spec')
  if (!validate(doc.value)) {
    return {requests: [], diagnostics: translateSchemaErrors(validate.errors ?? [], '').map((f) => at(f.pointer, f.message))}
  }
  const spec = doc.value as Params
  const defaults = isObj(spec.defaults) ? spec.defaults : {}
  const requests: GenerateRequest[] = []
  const diagnostics: Diagnostic[] = []
  ;(spec.resources as Params[]).forEach((raw, i) => {
    const kind = String(raw.generate)
    if (!isGeneratorKind(kind)) return
    const t = loadTemplate(kind)
    const origin: Origin = {source: 'spec', doc, locator, base: `/resources/${i}`}
    const {generate: _g, ...given} = raw
    const unknown = Object.keys(given).filter((k) => !t.params.some((p) => p.name === k))
    for (const k of unknown) {
      diagnostics.push(locateProblem(t, origin, {code: 'CL7011', pointer: `/${k}`, message: `unknown field for the ${kind} generator (known: ${t.params.map((p) => p.name).join(', ')})`}))
    }
    const {params, missing} = resolveParams(t, withDefaults(given, defaults, t), {acceptDefaults: true})
    for (const p of missing) diagnostics.push(locateProblem(t, origin, {code: 'CL7001', pointer: '', message: `missing required field ${describeMissing(p, origin)}`}))
    if (unknown.length === 0 && missing.length === 0) requests.push({kind, params, origin})
  })
  return {requests, diagnostics}
}

/** Read and check a spec file (`-` reads standard input). */
export async function readSpecFile(file: string, opts: {cwd: string; readStdin?: () => Promise<Buffer | string>}): Promise<SpecReadResult> {
  const read = await readInputSources([file], {cwd: opts.cwd, readStdin: opts.readStdin})
  if (read.unreadable || read.sources.length === 0) return {requests: [], diagnostics: read.diagnostics, unreadable: true}
  const parsed = parseSource(read.sources[0]!)
  if (parsed.diagnostics.length) return {requests: [], diagnostics: parsed.diagnostics, unreadable: false}
  if (parsed.docs.length !== 1) {
    const d = parsed.docs[1]!
    return {requests: [], diagnostics: [diag('CL7011', {message: `a spec file holds one document; found ${parsed.docs.length}`, file: d.file, line: d.startLine + 1, column: 1})], unreadable: false}
  }
  const r = specRequests(parsed.docs[0]!)
  return {...r, unreadable: false}
}
