import {catalogEntry} from '../../diagnostics/catalog/index.js'
import {detachedCopy} from '../../input/detached.js'
import type {Obj, Resource} from '../../model/resource.js'
import type {ReportOptions, Rule, RuleContext} from '../types.js'

export type {Obj}

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** The value as an object, or undefined. */
export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined
}

const EMPTY: readonly unknown[] = Object.freeze([])

/** The value as a list, or an empty list (null and other types read as empty). Never allocates. */
export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : EMPTY
}

export {str} from '../../model/resource.js'

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** True when a field is present with a non-null value (protobuf: the field is set). */
export function has(o: Obj | undefined, key: string): boolean {
  return o !== undefined && o[key] !== undefined && o[key] !== null
}

/** True when a string field is set and non-empty (protobuf: a non-zero string). */
export function hasStr(o: Obj | undefined, key: string): boolean {
  return o !== undefined && typeof o[key] === 'string' && (o[key] as string).length > 0
}

/** True when a list field holds at least one item. */
export function hasItems(o: Obj | undefined, key: string): boolean {
  return o !== undefined && Array.isArray(o[key]) && (o[key] as unknown[]).length > 0
}

const NONE = Symbol('none')

/**
 * A pure function of a string with a bounded cache: the same host names, label keys and durations
 * recur in every resource, and their checks (regexes, splits) cost more than a map lookup.
 */
export function cached<R>(fn: (s: string) => R | undefined, limit = 10_000): (s: string) => R | undefined {
  const memo = new Map<string, R | typeof NONE>()
  return (s) => {
    const r = memo.get(s)
    if (r !== undefined) return r === NONE ? undefined : r
    const v = fn(s)
    if (memo.size >= limit) memo.clear()
    // (a copy: the memo outlives the run, and the parser's string may be a slice of a whole file)
    memo.set(detachedCopy(s), v === undefined ? NONE : v)
    return v
  }
}

/** Escape one JSON pointer segment. */
export function esc(seg: string | number): string {
  if (typeof seg === 'number') return String(seg)
  return seg.indexOf('~') < 0 && seg.indexOf('/') < 0 ? seg : seg.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Append up to four segments to a JSON pointer (fixed parameters: no rest-array allocation). */
export function at(base: string, a: string | number, b?: string | number, c?: string | number, d?: string | number): string {
  let out = base + '/' + esc(a)
  if (b !== undefined) out += '/' + esc(b)
  if (c !== undefined) out += '/' + esc(c)
  if (d !== undefined) out += '/' + esc(d)
  return out
}

/** `spec.http[0].route` style display of a pointer, for messages. */
export function field(pointer: string): string {
  let out = ''
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (/^\d+$/.test(seg)) out += `[${seg}]`
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

/** Quote a value for a message, shortened. */
export function q(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v)
  return JSON.stringify(s.length > 80 ? s.slice(0, 77) + '...' : s)
}

/** A small reporting helper bound to one resource. */
export class Out {
  constructor(readonly ctx: RuleContext) {}
  err(code: string, pointer: string, message: string): void {
    this.ctx.report(code, pointer, message)
  }
  /** Istio accepts the resource but warns (istioctl shows webhook warnings as IST0133). */
  warn(code: string, pointer: string, message: string): void {
    this.ctx.report(code, pointer, message, catalogEntry(code).istioCode === 'IST0106' ? WARNING : {severity: 'warning'})
  }
}

const WARNING: ReportOptions = {severity: 'warning', istioCode: 'IST0133'}

/**
 * Pointers (relative to the resource root) already reported by a CEL rule for a spec object, so that
 * native rules checking the same fact at the same field stay quiet. Keyed by the spec object.
 */
const celReported = new WeakMap<object, Set<string>>()

export function markCelReported(spec: object, pointer: string): void {
  let set = celReported.get(spec)
  if (!set) {
    set = new Set()
    celReported.set(spec, set)
  }
  set.add(pointer)
}

function parentOf(pointer: string): string {
  const i = pointer.lastIndexOf('/')
  return i <= 0 ? '' : pointer.slice(0, i)
}

/**
 * The Out of a rule context. The engine passes one context for a whole run, so its Out is made once,
 * not per resource; held weakly, so that a finished run's context (and the last resource it points
 * at, with its file's text) is not kept until the next run.
 */
const outs = new WeakMap<RuleContext, Out>()

function outFor(ctx: RuleContext): Out {
  let out = outs.get(ctx)
  if (!out) outs.set(ctx, (out = new Out(ctx)))
  return out
}

/** Build a native (webhook-equivalent) rule: its findings at a field a CEL rule already reported are dropped. */
export function nativeRule(name: string, kinds: readonly string[], check: (spec: Obj, out: Out, r: Resource) => void): Rule {
  return {
    name,
    kinds,
    check(r, ctx) {
      const spec = obj(r.obj.spec)
      const seen = spec ? celReported.get(spec) : undefined
      let out: Out
      if (seen) out = new Out({report: (code, p, m, o) => (seen.has(p) || seen.has(parentOf(p)) ? undefined : ctx.report(code, p, m, o))})
      else out = outFor(ctx)
      check(spec ?? {}, out, r)
    },
  }
}
