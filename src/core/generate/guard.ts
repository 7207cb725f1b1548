import {diag} from '../diagnostics/catalog/index.js'
import {formatResource, type Diagnostic} from '../diagnostics/diagnostic.js'
import type {Obj} from '../model/resource.js'
import {validateSources} from '../validate/engine.js'
import {displayPath} from '../validate/schema-errors.js'
import {formatResources} from './format.js'

export interface GuardResult {
  /** CL7020 errors, one per finding of severity error; nothing may be written when there are any. */
  errors: Diagnostic[]
  /** Warnings and notes of the validation engine about the output (written anyway). */
  notes: Diagnostic[]
}

/**
 * Run generated resources through cleat's validation engine (schemas and Istio's rules; no
 * cross-resource analysis, which needs the rest of the mesh). Guards the generators against their own bugs.
 */
export function guardResources(objs: readonly Obj[]): GuardResult {
  const report = validateSources([{file: '<generated>', text: formatResources(objs, 'yaml')}], {analyzers: []})
  const errors: Diagnostic[] = []
  const notes: Diagnostic[] = []
  for (const d of report.diagnostics) {
    const where = `${formatResource(d.resource)}${d.path ? ` ${displayPath('', d.path)}` : ''}`
    if (d.severity === 'error') {
      errors.push(diag('CL7020', {message: `${where}: ${d.message} (${d.code})`, resource: d.resource, path: d.path}))
    } else {
      notes.push({...d, file: null, line: null, column: null, message: `${where}: ${d.message}`})
    }
  }
  return {errors, notes}
}
