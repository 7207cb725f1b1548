import {isObj} from '../model/resource.js'
import type {ParamSpec, Params, Template} from './template.js'

export interface ResolveOptions {
  /** Use defaults for asked-for parameters too (-y/--yes, spec files). */
  acceptDefaults: boolean
}

export interface Resolved {
  params: Params
  /** Parameters that must be asked for or given (in template order). */
  missing: ParamSpec[]
}

function matches(cond: Readonly<Record<string, unknown>> | undefined, params: Params): boolean {
  if (!cond) return false
  return Object.entries(cond).every(([k, v]) => params[k] === v)
}

/** Whether a parameter is required (asked for) given the other values. */
export function isAsked(p: ParamSpec, params: Params): boolean {
  if (p.when) return matches(p.when, params)
  if (!p.ask) return false
  return !matches(p.unless, params)
}

/** The default a parameter would take given the other values (undefined: none). */
export function defaultOf(p: ParamSpec, params: Params): unknown {
  if (p.defaultFrom === 'selectorValues') {
    const sel = params.selector
    if (isObj(sel) && Object.keys(sel).length > 0) return Object.values(sel).join('-')
  } else if (p.defaultFrom !== undefined) {
    const v = params[p.defaultFrom]
    if (v !== undefined) return p.type === 'array' ? [v] : v
  }
  return p.default
}

function fixedDefault(p: ParamSpec, params: Params): unknown {
  if (!p.defaultWhen) return undefined
  for (const [k, v] of Object.entries(p.defaultWhen)) {
    if (params[k] !== undefined && params[k] !== false) return typeof v === 'string' && v.startsWith('$') ? params[v.slice(1)] : v
  }
  return undefined
}

/**
 * Fill in defaults and find what is missing. Parameters that are not asked for take their default
 * silently; asked-for ones take it only with acceptDefaults (otherwise they are missing, and the CLI
 * asks on a terminal or names the flag). Pure: returns new objects.
 */
export function resolveParams(t: Template, given: Params, opts: ResolveOptions): Resolved {
  const params: Params = {}
  for (const [k, v] of Object.entries(given)) if (v !== undefined) params[k] = v
  // 1. silent defaults of parameters nobody is asked for
  for (const p of t.params) {
    if (params[p.name] !== undefined || p.ask || p.when) continue
    const d = defaultOf(p, params)
    if (d !== undefined) params[p.name] = d
  }
  // 2. values fixed by another parameter (--deny-all names the policy deny-all)
  for (const p of t.params) {
    if (params[p.name] !== undefined) continue
    const f = fixedDefault(p, params)
    if (f !== undefined) params[p.name] = f
  }
  // 3. asked-for parameters
  const missing: ParamSpec[] = []
  for (const p of t.params) {
    if (params[p.name] !== undefined) continue
    const d = defaultOf(p, params)
    if (!isAsked(p, params)) {
      if (d !== undefined && !p.when) params[p.name] = d
      continue
    }
    if (opts.acceptDefaults && d !== undefined) params[p.name] = d
    else missing.push(p)
  }
  return {params, missing}
}
