import {readFileSync} from 'node:fs'
import path from 'node:path'
import {isIP} from 'node:net'
import {Environment} from '@marcbachmann/cel-js'
import type {Obj} from '../model/resource.js'
import {packageDir} from './schema-registry.js'

/** One CEL validation rule (an x-kubernetes-validations entry) and where it applies. */
export interface CelRuleSpec {
  /** JSON pointer pattern of the node, from the resource root: '*' = every list item, '{}' = every map value. */
  path: string
  /** The CEL expression; `self` is the node. */
  rule: string
  message: string
}

/** A CEL rule that failed at a concrete node. */
export interface CelFinding {
  /** JSON pointer from the resource root. */
  pointer: string
  message: string
  rule: string
}

type Program = (ctx: Record<string, unknown>) => unknown

/** Kubernetes' url() value, with the accessors CRD rules use. */
class CelUrl {
  constructor(readonly url: URL) {}
}

let env: Environment | undefined

/** The shared CEL environment: `self` plus the Kubernetes extension functions the CRD rules need. */
function celEnv(): Environment {
  if (env) return env
  const e = new Environment({unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false})
  e.registerType('URL', CelUrl)
  e.registerFunction('url(string): URL', (s: string) => {
    try {
      return new CelUrl(new URL(s))
    } catch {
      throw new Error(`URL parse error: ${s}`)
    }
  })
  e.registerFunction('isURL(string): bool', (s: string) => URL.canParse(s))
  const accessor = (name: string, fn: (u: URL) => string): void => {
    e.registerFunction({name, receiverType: 'URL', returnType: 'string', handler: (u: CelUrl) => fn(u.url), params: []})
  }
  accessor('getScheme', (u) => u.protocol.replace(/:$/, ''))
  accessor('getHost', (u) => u.host)
  accessor('getHostname', (u) => u.hostname.replace(/^\[|\]$/g, ''))
  accessor('getPort', (u) => u.port)
  accessor('getEscapedPath', (u) => u.pathname)
  e.registerFunction('isIP(string): bool', (s: string) => isIP(s) !== 0)
  env = e
  return e
}

const programs = new Map<string, Program | Error>()

/** Compile a CEL expression once (cached by its text); a syntax or type error is returned, not thrown. */
export function compileCel(expr: string): Program | Error {
  let p = programs.get(expr)
  if (p === undefined) {
    try {
      p = celEnv().parse(expr) as unknown as Program
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e))
    }
    programs.set(expr, p)
  }
  return p
}

/** JSON value → CEL value: integers become int (BigInt), nulls are dropped from maps (unset fields). */
function toCel(v: unknown, cache: WeakMap<object, unknown>): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v
  if (v === null || typeof v !== 'object') return v
  const hit = cache.get(v)
  if (hit !== undefined) return hit
  let out: unknown
  if (Array.isArray(v)) out = v.map((x) => toCel(x, cache))
  else {
    const o: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) o[k] = toCel(x, cache)
    out = o
  }
  cache.set(v, out)
  return out
}

function esc(seg: string): string {
  return seg.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** A set of CEL rules grouped for fast evaluation, with pre-split path patterns. */
export class CelRuleSet {
  readonly #rules: {segs: string[]; rule: string; message: string}[]

  constructor(rules: readonly CelRuleSpec[]) {
    this.#rules = rules.map((r) => ({segs: r.path.split('/').slice(1), rule: r.rule, message: r.message}))
  }

  get size(): number {
    return this.#rules.length
  }

  /** Expressions that do not compile (reported once by the caller, e.g. as a note). */
  compileErrors(): {rule: string; error: string}[] {
    const out: {rule: string; error: string}[] = []
    for (const r of this.#rules) {
      const p = compileCel(r.rule)
      if (p instanceof Error) out.push({rule: r.rule, error: p.message.split('\n')[0] ?? p.message})
    }
    return out
  }

  /** Evaluate every rule against a resource object (`root` holds `spec`). */
  evaluate(root: Obj): CelFinding[] {
    const out: CelFinding[] = []
    const cache = new WeakMap<object, unknown>()
    for (const r of this.#rules) {
      visit(root, r.segs, 0, '', (node, pointer) => {
        const prog = compileCel(r.rule)
        if (prog instanceof Error) return
        let ok: unknown
        let why = ''
        try {
          ok = prog({self: toCel(node, cache)})
        } catch (e) {
          ok = false
          why = ` (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`
        }
        if (ok !== true) out.push({pointer, message: r.message + why, rule: r.rule})
      })
    }
    return out
  }
}

function visit(node: unknown, segs: readonly string[], i: number, pointer: string, fn: (node: unknown, pointer: string) => void): void {
  if (node === undefined || node === null) return
  if (i === segs.length) {
    fn(node, pointer)
    return
  }
  const seg = segs[i]!
  if (seg === '*') {
    if (Array.isArray(node)) node.forEach((x, j) => visit(x, segs, i + 1, `${pointer}/${j}`, fn))
    return
  }
  if (typeof node !== 'object' || Array.isArray(node)) return
  const o = node as Record<string, unknown>
  if (seg === '{}') {
    for (const k of Object.keys(o)) visit(o[k], segs, i + 1, `${pointer}/${esc(k)}`, fn)
    return
  }
  visit(o[seg], segs, i + 1, `${pointer}/${esc(seg)}`, fn)
}

let builtin: Map<string, CelRuleSet> | undefined

/** The CEL rules of Istio's CRDs for the built-in schemas (`schemas/istio/cel-rules.json`), per kind. */
export function builtinCelRules(): Map<string, CelRuleSet> {
  if (builtin) return builtin
  const file = path.join(packageDir(), 'schemas', 'istio', 'cel-rules.json')
  const data = JSON.parse(readFileSync(file, 'utf8')) as {rules: Record<string, CelRuleSpec[]>}
  builtin = new Map(Object.entries(data.rules).map(([kind, rules]) => [kind, new CelRuleSet(rules)]))
  return builtin
}

/**
 * CEL findings computed by a --crds schema provider while it validated a spec, keyed by that spec
 * object; the CEL rule reports them (so both modes report CEL failures the same way).
 */
const providedFindings = new WeakMap<object, CelFinding[]>()

export function recordCelFindings(spec: object, findings: CelFinding[]): void {
  providedFindings.set(spec, findings)
}

/** Findings recorded by a schema provider for this spec, or undefined when none evaluated it. */
export function recordedCelFindings(spec: unknown): CelFinding[] | undefined {
  return typeof spec === 'object' && spec !== null ? providedFindings.get(spec) : undefined
}
