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
  // Declaring `self` (rather than treating unknown variables as dyn) keeps evaluation several times faster.
  const e = new Environment({homogeneousAggregateLiterals: false}).registerVariable('self', 'dyn')
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
      const parsed = celEnv().parse(expr)
      // Type-checking once up front marks the AST as checked; otherwise cel-js re-checks on every call.
      const checked = parsed.check()
      p = checked.valid ? (parsed as unknown as Program) : new Error(checked.error?.message ?? 'type error')
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e))
    }
    programs.set(expr, p)
  }
  return p
}

/**
 * JSON value → CEL value. A scalar integer `self` becomes a CEL int (BigInt); numbers inside maps and
 * lists stay JS numbers, which cel-js treats as doubles (comparisons and equality with int literals
 * work; this avoids copying every object). Null fields of the node itself are dropped, as the API
 * server prunes them before validation, so has(self.x) sees them as unset.
 */
function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
  const o = v as Record<string, unknown>
  for (const k in o) {
    if (o[k] === null) {
      const copy: Record<string, unknown> = {}
      for (const [key, x] of Object.entries(o)) if (x !== null) copy[key] = x
      return copy
    }
  }
  return v
}

function esc(seg: string): string {
  return seg.includes('~') || seg.includes('/') ? seg.replaceAll('~', '~0').replaceAll('/', '~1') : seg
}

interface CompiledRule {
  rule: string
  message: string
  /** Verdicts already computed, by scalar `self` or by the fields the rule reads (see evaluateRule). */
  memo: Map<unknown, string>
  /** For a rule on an object that only reads `has(self.f)` and scalar `self.f`: those fields. */
  fields: FieldUse[] | undefined
}

interface FieldUse {
  name: string
  /** true: only presence matters (has(self.f)); false: the scalar value matters. */
  presence: boolean
}

/**
 * Which fields of `self` a rule depends on, when that can be read off its text conservatively: every
 * `self` must appear as `has(self.f)` or as `self.f` not followed by '.', '[' or '('. Anything else
 * (bare self, self.f.g, macros over self) returns undefined and the rule is evaluated every time.
 */
function fieldUses(rule: string): FieldUse[] | undefined {
  const fields = new Map<string, boolean>()
  const rest = rule
    .replace(/\bhas\(\s*self\.([A-Za-z_][A-Za-z0-9_]*)\s*\)/g, (_m, f: string) => {
      if (!fields.has(f)) fields.set(f, true)
      return ' '
    })
    .replace(/\bself\.([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_]|\s*[.[(])/g, (_m, f: string) => {
      fields.set(f, false)
      return ' '
    })
  if (/\bself\b/.test(rest) || fields.size === 0) return undefined
  return [...fields].map(([name, presence]) => ({name, presence}))
}

/** Memo key of a small map of scalars (labels, port maps): its whole content, or undefined. */
function smallMapKey(o: Record<string, unknown>): string | undefined {
  let key = 'm'
  let n = 0
  for (const k in o) {
    const v = o[k]
    if (++n > 8 || (v !== null && typeof v === 'object')) return undefined
    key += `\u0001${k}\u0002${typeof v}:${String(v)}`
  }
  return key
}

/** Memo key of an object `self` for a rule that reads only `fields`, or undefined (a value is not scalar). */
function fieldKey(o: Record<string, unknown>, fields: readonly FieldUse[]): string | undefined {
  let key = ''
  for (const f of fields) {
    const v = o[f.name]
    if (f.presence) key += v === undefined || v === null ? '0|' : '1|'
    else if (v === undefined || v === null) key += 'u|'
    else if (typeof v === 'object') return undefined
    else key += `${typeof v}:${String(v)}|`
  }
  return key
}

const MEMO_LIMIT = 4096

/** Rules arranged as a trie of path segments, so shared prefixes are walked once per resource. */
interface Trie {
  rules: CompiledRule[]
  children: {seg: string; t: Trie}[]
}

/** Per-evaluation state: findings and the (lazily built) CEL conversions of visited nodes. */
interface Walk {
  out: CelFinding[]
  keys: (string | number)[]
}

/** A set of CEL rules grouped for fast evaluation. */
export class CelRuleSet {
  readonly #specs: readonly CelRuleSpec[]
  readonly #trie: Trie = {rules: [], children: []}

  constructor(rules: readonly CelRuleSpec[]) {
    this.#specs = rules
    for (const r of rules) {
      let t = this.#trie
      for (const seg of r.path.split('/').slice(1)) {
        let next = t.children.find((c) => c.seg === seg)
        if (!next) {
          next = {seg, t: {rules: [], children: []}}
          t.children.push(next)
        }
        t = next.t
      }
      t.rules.push({rule: r.rule, message: r.message, memo: new Map(), fields: fieldUses(r.rule)})
    }
  }

  get size(): number {
    return this.#specs.length
  }

  /** Expressions that do not compile (reported once by the caller, e.g. as a note). */
  compileErrors(): {rule: string; error: string}[] {
    const out: {rule: string; error: string}[] = []
    for (const r of this.#specs) {
      const p = compileCel(r.rule)
      if (p instanceof Error) out.push({rule: r.rule, error: p.message.split('\n')[0] ?? p.message})
    }
    return out
  }

  /** Evaluate every rule against a resource object (`root` holds `spec`). */
  evaluate(root: Obj): CelFinding[] {
    const w: Walk = {out: [], keys: []}
    walk(root, this.#trie, w)
    return w.out
  }
}

function walk(node: unknown, t: Trie, w: Walk): void {
  if (t.rules.length > 0) runRules(node, t.rules, w)
  if (t.children.length === 0 || typeof node !== 'object' || node === null) return
  for (let c = 0; c < t.children.length; c++) {
    const {seg, t: child} = t.children[c]!
    if (seg === '*') {
      if (!Array.isArray(node)) continue
      for (let j = 0; j < node.length; j++) step(node[j], j, child, w)
    } else if (Array.isArray(node)) continue
    else if (seg === '{}') {
      for (const k in node) step((node as Record<string, unknown>)[k], k, child, w)
    } else step((node as Record<string, unknown>)[seg], seg, child, w)
  }
}

function step(v: unknown, key: string | number, t: Trie, w: Walk): void {
  if (v === undefined || v === null) return
  w.keys.push(key)
  walk(v, t, w)
  w.keys.pop()
}

function runRules(node: unknown, rules: readonly CompiledRule[], w: Walk): void {
  // CEL is pure: a rule's verdict on a scalar (a duration string, a port number), or on an object
  // for a rule that only reads a few scalar fields of it, can be reused. Keys come from the raw node;
  // the node is converted to a CEL value only when a rule has to be evaluated.
  const scalar = typeof node !== 'object' || node === null
  const plain = !scalar && !Array.isArray(node)
  let mapKey: string | undefined
  let self: unknown
  let converted = false
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!
    const key = scalar ? node : plain ? (r.fields ? fieldKey(node as Record<string, unknown>, r.fields) : (mapKey ??= smallMapKey(node as Record<string, unknown>))) : undefined
    let verdict = key === undefined ? undefined : r.memo.get(key)
    if (verdict === undefined) {
      if (!converted) {
        self = toCel(node)
        converted = true
      }
      verdict = evaluateRule(r.rule, self)
      if (key !== undefined) {
        if (r.memo.size >= MEMO_LIMIT) r.memo.clear()
        r.memo.set(key, verdict)
      }
    }
    if (verdict !== PASSED) w.out.push({pointer: pointerOf(w.keys), message: r.message + verdict, rule: r.rule})
  }
}

const PASSED = '\u0000'

/** PASSED, '' (the rule is false) or ' (error text)' when evaluation failed. Uncompilable rules pass. */
function evaluateRule(rule: string, self: unknown): string {
  const prog = compileCel(rule)
  if (prog instanceof Error) return PASSED
  try {
    return prog({self}) === true ? PASSED : ''
  } catch (e) {
    return ` (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`
  }
}

function pointerOf(keys: readonly (string | number)[]): string {
  let p = ''
  for (const k of keys) p += '/' + (typeof k === 'number' ? String(k) : esc(k))
  return p
}

let builtin: Map<string, CelRuleSet> | undefined

/** The CEL rules of Istio's CRDs for the built-in schemas (`schemas/cel/istio-rules.json`), per kind. */
export function builtinCelRules(): Map<string, CelRuleSet> {
  if (builtin) return builtin
  const file = path.join(packageDir(), 'schemas', 'cel', 'istio-rules.json')
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
