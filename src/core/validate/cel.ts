import {readFileSync} from 'node:fs'
import path from 'node:path'
import {isIP} from 'node:net'
import {Environment} from '@marcbachmann/cel-js'
import {detachedCopy} from '../input/detached.js'
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

/** How a rule's verdict on a plain-object `self` is memoized (see ruleMemoPlan). */
const enum Plan {
  /** By the whole content of a small map of scalars (smallMapKey). */
  SmallMap,
  /** Only `has(self.f)` is read: by a bit mask of the fields' presence. */
  Presence,
  /** One scalar field's value plus presence bits: by that value, then by the mask. */
  OneValue,
  /** Several scalar fields: by a string of their values (fieldKey). */
  Fields,
  /** `self.all(k, …)`-style macro over a map whose body never reads `self`: by the map's keys. */
  Keys,
}

interface CompiledRule {
  rule: string
  message: string
  /** Verdicts on scalar `self`, by value. */
  scalarMemo: Map<unknown, string>
  /** Verdicts on object `self`, by a string or scalar key (plans SmallMap, Fields, Keys, OneValue). */
  memo: Map<unknown, unknown>
  /** Verdicts by presence mask (plan Presence). */
  masks: (string | undefined)[]
  plan: Plan
  /** For a rule on an object that only reads `has(self.f)` and scalar `self.f`: those fields. */
  fields: FieldUse[] | undefined
  /** Plan Presence/OneValue: the presence-only field names (bit i = presence[i]). */
  presence: string[]
  /** Plan OneValue: the field whose value matters. */
  valueField: string
  /** For a macro over a list of objects whose variables only read `v.f`: those field names. */
  projection: string[] | undefined
  /** For a few rules usually applied to unique values (names, addresses): true when it surely passes. */
  surePass: ((self: unknown) => boolean) | undefined
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const notUnixString = (v: unknown): boolean => typeof v === 'string' && !v.startsWith('unix://')

/**
 * Plain-JavaScript shortcuts for rules that memoizing cannot help, because they read values that
 * are unique per resource (host names, addresses, label values). Each returns true only when CEL
 * would surely evaluate the rule to true on that `self` (the raw node; top-level null fields of a map
 * are pruned before CEL sees it); anything else (false, unsure) falls back to CEL, which also
 * produces the message.
 */
const SURE_PASS: Record<string, (self: unknown) => boolean> = {
  'self != "*"': (v) => typeof v === 'string' && v !== '*',
  '!self.contains("*")': (v) => typeof v === 'string' && !v.includes('*'),
  // The ternaries are true when the string does not start with unix://.
  'self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true': notUnixString,
  'self.startsWith("unix://") ? !self.endsWith("/") : true': notUnixString,
  '(has(self.address) ? self.address : "").startsWith("unix://") ? !has(self.ports) : true': (v) => isMap(v) && (v.address === undefined || v.address === null || notUnixString(v.address)),
  // PeerAuthentication: portLevelMtls needs a non-empty selector.matchLabels. A null portLevelMtls is
  // pruned (unset); a non-empty matchLabels map has size > 0.
  'has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true': (o) => {
    if (!isMap(o)) return false
    if (o.portLevelMtls === undefined || o.portLevelMtls === null) return true
    const sel = o.selector
    if (!isMap(sel)) return false
    const labels = sel.matchLabels
    if (!isMap(labels)) return false
    for (const k in labels) if (Object.hasOwn(labels, k)) return true
    return false
  },
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

const MACRO = /\bself\.(?:all|exists|exists_one|filter|map)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,/g

/**
 * True when the rule is one macro over `self` (`self.all(k, …)` and the like) whose body never reads
 * `self`: on a map, its verdict then depends only on the map's keys (in order).
 */
function keysOnly(rule: string): boolean {
  const m = /^\s*self\.(?:all|exists|exists_one)\(\s*[A-Za-z_][A-Za-z0-9_]*\s*,/.exec(rule)
  return m !== null && !/\bself\b/.test(rule.slice(m[0].length))
}

/**
 * For a rule whose every `self` is a macro over it (`self.all(a, self.exists_one(b, a.f == b.f))`)
 * and whose macro variables are only read as `v.f` (f not followed by '.', '[' or '('): the fields f.
 * On a list of objects its verdict then depends only on those fields of each item, in order.
 */
function projectionOf(rule: string): string[] | undefined {
  const vars: string[] = []
  const rest = rule.replace(MACRO, (_m, v: string) => {
    vars.push(v)
    return ' '
  })
  if (vars.length === 0 || /\bself\b/.test(rest)) return undefined
  const fields = new Set<string>()
  let bad = false
  let body = rest
  for (const v of new Set(vars)) {
    if (v === 'self') return undefined
    const use = new RegExp(`(?<![.\\w])${v}\\.([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_]|\\s*[.[(])`, 'g')
    body = body.replace(use, (_m, f: string) => {
      fields.add(f)
      return ' '
    })
    if (new RegExp(`(?<![.\\w])${v}(?![A-Za-z0-9_])`).test(body)) bad = true
  }
  return bad || fields.size === 0 ? undefined : [...fields]
}

/**
 * The same string as a V8 internalized string: property keys built by split() or a regex are not,
 * and every keyed lookup with such a key first looks it up in the string table.
 */
function intern(s: string): string {
  return Object.keys({[s]: 0})[0] ?? s
}

const sharedMemos = new Map<string, Pick<CompiledRule, 'scalarMemo' | 'memo' | 'masks'>>()

function compileRule(spec: CelRuleSpec): CompiledRule {
  const fields = fieldUses(spec.rule)
  const presence = fields?.filter((f) => f.presence).map((f) => intern(f.name)) ?? []
  const values = fields?.filter((f) => !f.presence).map((f) => intern(f.name)) ?? []
  let plan = Plan.SmallMap
  if (fields && values.length === 0 && presence.length <= 12) plan = Plan.Presence
  else if (fields && values.length === 1 && presence.length <= 12) plan = Plan.OneValue
  else if (fields) plan = Plan.Fields
  else if (keysOnly(spec.rule)) plan = Plan.Keys
  // Verdicts depend only on the rule text, so rules with the same text (the many duration rules)
  // share their memos.
  let memos = sharedMemos.get(spec.rule)
  if (memos === undefined) {
    memos = {scalarMemo: new Map(), memo: new Map(), masks: []}
    sharedMemos.set(spec.rule, memos)
  }
  return {
    rule: spec.rule,
    message: spec.message,
    scalarMemo: memos.scalarMemo,
    memo: memos.memo,
    masks: memos.masks,
    plan,
    fields: fields?.map((f) => ({name: intern(f.name), presence: f.presence})),
    presence,
    valueField: values[0] ?? '',
    projection: projectionOf(spec.rule)?.map(intern),
    surePass: Object.hasOwn(SURE_PASS, spec.rule) ? SURE_PASS[spec.rule] : undefined,
  }
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

/** Bit i set when field presence[i] is set (not undefined or null). */
function presenceMask(o: Record<string, unknown>, presence: readonly string[]): number {
  let mask = 0
  for (let i = 0; i < presence.length; i++) {
    const v = o[presence[i]!]
    if (v !== undefined && v !== null) mask |= 1 << i
  }
  return mask
}

/** Memo key of a map for a keys-only rule: its keys with non-null values (null ones are pruned), in order. */
function keysKey(o: Record<string, unknown>): string {
  let key: string | undefined
  for (const k in o) {
    if (o[k] === null) continue
    key = key === undefined ? k : key + '\u0001' + k
  }
  return key === undefined ? '\u0002' : key
}

/** Memo key of a list for a projection rule: the projected fields of each item, or undefined. */
function projectionKey(list: readonly unknown[], fields: readonly string[]): string | undefined {
  let key = 'p'
  for (let i = 0; i < list.length; i++) {
    const item = list[i]
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined
    key += '\u0002'
    for (let j = 0; j < fields.length; j++) {
      const v = (item as Record<string, unknown>)[fields[j]!]
      if (v === undefined) key += '\u0001u'
      else if (v === null) key += '\u0001n'
      else if (typeof v === 'object') return undefined
      else key += `\u0001${typeof v}:${String(v)}`
    }
  }
  return key
}

const MEMO_LIMIT = 4096

/** Memo keys outlive the run: a string key is copied, since the parser's string may be a slice of a whole file. */
function remember(memo: Map<unknown, unknown>, key: unknown, value: unknown): void {
  if (memo.size >= MEMO_LIMIT) memo.clear()
  memo.set(typeof key === 'string' ? detachedCopy(key) : key, value)
}

/** Rules arranged as a trie of path segments, so shared prefixes are walked once per resource. */
interface Trie {
  rules: CompiledRule[]
  children: {seg: string; t: Trie}[]
}

/** Per-evaluation state: findings (allocated on the first one) and the keys of the current node. */
interface Walk {
  out: CelFinding[] | undefined
  keys: (string | number)[]
}

type Visit = (root: unknown, w: Walk, rules: readonly (readonly CompiledRule[])[], run: typeof runRules) => void

const NO_FINDINGS: CelFinding[] = Object.freeze([]) as unknown as CelFinding[]
const NO_KEYS: (string | number)[] = []

/**
 * Compile the trie into one function that walks a resource along the rule paths with fixed property
 * names (children in rule order, list items in order, map values in key order), calling `run` on
 * every node that has rules. Same visiting order as a generic walk of the trie, without its loops
 * over path segments. Field names are embedded as JSON string literals.
 */
function compileVisit(trie: Trie): {visit: Visit; rules: CompiledRule[][]} {
  const rules: CompiledRule[][] = []
  const consts: unknown[] = []
  const konst = (v: unknown): string => {
    consts.push(v)
    return `C${consts.length - 1}`
  }
  /**
   * Code that calls run() on a node unless every rule there has a remembered PASSED verdict for it
   * (scalar memo, presence mask) or a sure-pass shortcut; run() then has nothing to report.
   */
  const runCall = (rs: CompiledRule[], n: string, path: readonly string[]): string => {
    rules.push(rs)
    // The node's keys (for finding pointers) are only materialized when run() is called.
    const call = `{ w.keys = [${path.join(', ')}]; run(${n}, R[${rules.length - 1}], w); }`
    const scalar = rs.map((r) => (r.surePass ? `(${konst(r.surePass)}(${n}) || ${konst(r.scalarMemo)}.get(${n}) === P)` : `${konst(r.scalarMemo)}.get(${n}) === P`)).join(' && ')
    const object: string[] = []
    for (const r of rs) {
      const sure = r.surePass ? `${konst(r.surePass)}(${n})` : undefined
      const mask = r.plan === Plan.Presence ? `${konst(r.masks)}[${r.presence.map((f, i) => `(${n}[${JSON.stringify(f)}] != null ? ${1 << i} : 0)`).join(' | ') || '0'}] === P` : undefined
      if (sure === undefined && mask === undefined) return `if (typeof ${n} !== 'object') { if (!(${scalar})) ${call} } else ${call}\n`
      object.push(sure && mask ? `(${sure} || ${mask})` : (sure ?? mask)!)
    }
    return `if (typeof ${n} !== 'object') { if (!(${scalar})) ${call} } else if (Array.isArray(${n}) || !(${object.join(' && ')})) ${call}\n`
  }
  const gen = (t: Trie, d: number, path: readonly string[]): string => {
    const n = `n${d}`
    let code = ''
    if (t.rules.length > 0) code += runCall(t.rules, n, path)
    if (t.children.length === 0) return code
    code += `if (typeof ${n} === 'object' && ${n} !== null) {\nconst a${d} = Array.isArray(${n});\n`
    for (const {seg, t: child} of t.children) {
      const m = `n${d + 1}`
      if (seg === '*') {
        code += `if (a${d}) for (let j${d} = 0; j${d} < ${n}.length; j${d}++) { const ${m} = ${n}[j${d}]; if (${m} !== undefined && ${m} !== null) {\n${gen(child, d + 1, [...path, `j${d}`])}} }\n`
      } else if (seg === '{}') {
        code += `if (!a${d}) for (const k${d} in ${n}) { const ${m} = ${n}[k${d}]; if (${m} !== undefined && ${m} !== null) {\n${gen(child, d + 1, [...path, `k${d}`])}} }\n`
      } else {
        const lit = JSON.stringify(seg)
        code += `if (!a${d}) { const ${m} = ${n}[${lit}]; if (${m} !== undefined && ${m} !== null) {\n${gen(child, d + 1, [...path, lit])}} }\n`
      }
    }
    return code + '}\n'
  }
  const body = gen(trie, 0, [])
  const prelude = consts.map((_v, i) => `const C${i} = C[${i}];`).join('\n')
  const factory = new Function('C', 'P', `${prelude}\nreturn function visit(n0, w, R, run) {\n${body}}`) as (c: unknown[], p: string) => Visit
  return {visit: factory(consts, PASSED), rules}
}

/** A set of CEL rules grouped for fast evaluation. */
export class CelRuleSet {
  readonly #specs: readonly CelRuleSpec[]
  readonly #trie: Trie = {rules: [], children: []}
  readonly #walk: Walk = {out: undefined, keys: NO_KEYS}
  #visit: Visit | undefined
  #rules: CompiledRule[][] = []

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
      t.rules.push(compileRule(r))
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

  /** Evaluate every rule against a resource object (`root` holds `spec`). The result is read-only. */
  evaluate(root: Obj): CelFinding[] {
    if (this.#visit === undefined) {
      const c = compileVisit(this.#trie)
      this.#visit = c.visit
      this.#rules = c.rules
    }
    const w = this.#walk
    w.out = undefined
    this.#visit(root, w, this.#rules, runRules)
    w.keys = NO_KEYS
    const out = w.out
    w.out = undefined
    return out ?? NO_FINDINGS
  }
}

/** The node being checked and its CEL conversion (made at most once, when a rule must be evaluated). */
let current: unknown
let currentSelf: unknown
let converted = false

function evaluateCurrent(rule: string): string {
  if (!converted) {
    currentSelf = toCel(current)
    converted = true
  }
  return evaluateRule(rule, currentSelf)
}

function runRules(node: unknown, rules: readonly CompiledRule[], w: Walk): void {
  // CEL is pure: a rule's verdict on a scalar (a duration string, a port number), or on an object
  // for a rule that only reads a few scalar fields of it (or only a map's keys, or a few fields of
  // each list item), can be reused. Keys come from the raw node; the node is converted to a CEL
  // value only when a rule has to be evaluated.
  current = node
  converted = false
  const scalar = typeof node !== 'object' || node === null
  const list = !scalar && Array.isArray(node)
  let mapKey: string | undefined
  let mapKeyDone = false
  let keys: string | undefined
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!
    if (r.surePass !== undefined && r.surePass(node)) continue
    let verdict: string | undefined
    if (scalar) {
      verdict = r.scalarMemo.get(node)
      if (verdict === undefined) {
        verdict = evaluateCurrent(r.rule)
        if (r.scalarMemo.size >= MEMO_LIMIT) r.scalarMemo.clear()
        r.scalarMemo.set(typeof node === 'string' ? detachedCopy(node) : node, verdict)
      }
    } else if (list) {
      const key = r.projection ? projectionKey(node as unknown[], r.projection) : undefined
      if (key === undefined) verdict = evaluateCurrent(r.rule)
      else {
        verdict = r.memo.get(key) as string | undefined
        if (verdict === undefined) remember(r.memo, key, (verdict = evaluateCurrent(r.rule)))
      }
    } else {
      const o = node as Record<string, unknown>
      switch (r.plan) {
        case Plan.Presence: {
          const mask = presenceMask(o, r.presence)
          verdict = r.masks[mask]
          if (verdict === undefined) r.masks[mask] = verdict = evaluateCurrent(r.rule)
          break
        }
        case Plan.OneValue: {
          let v = o[r.valueField]
          if (v === null) v = undefined
          if (typeof v === 'object') {
            verdict = evaluateCurrent(r.rule)
            break
          }
          let masks = r.memo.get(v) as (string | undefined)[] | undefined
          if (masks === undefined) remember(r.memo, v, (masks = []))
          const mask = presenceMask(o, r.presence)
          verdict = masks[mask]
          if (verdict === undefined) masks[mask] = verdict = evaluateCurrent(r.rule)
          break
        }
        case Plan.Keys: {
          keys ??= keysKey(o)
          verdict = r.memo.get(keys) as string | undefined
          if (verdict === undefined) remember(r.memo, keys, (verdict = evaluateCurrent(r.rule)))
          break
        }
        default: {
          let key: string | undefined
          if (r.plan === Plan.Fields) key = fieldKey(o, r.fields!)
          else {
            if (!mapKeyDone) {
              mapKey = smallMapKey(o)
              mapKeyDone = true
            }
            key = mapKey
          }
          if (key === undefined) verdict = evaluateCurrent(r.rule)
          else {
            verdict = r.memo.get(key) as string | undefined
            if (verdict === undefined) remember(r.memo, key, (verdict = evaluateCurrent(r.rule)))
          }
        }
      }
    }
    if (verdict !== PASSED) (w.out ??= []).push({pointer: pointerOf(w.keys), message: r.message + verdict, rule: r.rule})
  }
  current = undefined
  currentSelf = undefined
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
