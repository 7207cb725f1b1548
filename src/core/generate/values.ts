import type {ParamSpec, ParserName} from './template.js'

/** A problem with one value, before it has a location (the caller knows the flag or spec field). */
export interface Problem {
  code: string
  /** JSON pointer inside the parameters (e.g. '/subsets/1/weight'). */
  pointer: string
  message: string
}

/** Flag text as oclif hands it over: a string, repeated strings, or a boolean. */
export type RawValue = string | readonly string[] | boolean

type Parsed = {ok: true; value: unknown} | {ok: false; message: string}

const ok = (value: unknown): Parsed => ({ok: true, value})
const bad = (message: string): Parsed => ({ok: false, message})

function splitCsv(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
}

function parseInt10(s: string): number | undefined {
  return /^\d+$/.test(s.trim()) ? Number(s.trim()) : undefined
}

function parseWeight(s: string, what: string): Parsed {
  const n = parseInt10(s)
  if (n === undefined) return bad(`the weight of ${what} is '${s}', not a whole number (0-100)`)
  if (n > 100) return bad(`the weight of ${what} is ${n}; weights are percentages (0-100)`)
  return ok(n)
}

function keyValues(s: string, syntax: string): Parsed {
  const pairs: [string, string][] = []
  for (const part of splitCsv(s)) {
    const i = part.indexOf('=')
    if (i <= 0) return bad(`'${part}' is not ${syntax}`)
    pairs.push([part.slice(0, i).trim(), part.slice(i + 1).trim()])
  }
  if (pairs.length === 0) return bad(`'${s}' is empty; expected ${syntax}`)
  return ok(pairs)
}

/** Parse one flag value (or one prompt answer) into items of the parameter's structured value. */
export function parseOne(parser: ParserName, text: string): Parsed {
  const s = text.trim()
  switch (parser) {
    case 'string':
      return s === '' ? bad('the value is empty') : ok(s)
    case 'bool':
      return /^(true|yes|y|1)$/i.test(s) ? ok(true) : /^(false|no|n|0)$/i.test(s) ? ok(false) : bad(`'${s}' is not yes or no`)
    case 'int': {
      const n = parseInt10(s)
      return n === undefined ? bad(`'${s}' is not a whole number`) : ok(n)
    }
    case 'intCsv': {
      const out: number[] = []
      for (const p of splitCsv(s)) {
        const n = parseInt10(p)
        if (n === undefined) return bad(`'${p}' is not a port number`)
        out.push(n)
      }
      return out.length ? ok(out) : bad('the value is empty')
    }
    case 'csv': {
      const items = splitCsv(s)
      return items.length ? ok(items) : bad('the value is empty')
    }
    case 'nameWeight': {
      const m = /^([^=]+)=(.*)$/.exec(s)
      if (!m) return bad(`'${s}' is not NAME=WEIGHT (for example v1=70)`)
      const w = parseWeight(m[2]!.trim(), `'${m[1]!.trim()}'`)
      return w.ok ? ok([{name: m[1]!.trim(), weight: w.value}]) : w
    }
    case 'hostWeight': {
      const i = s.lastIndexOf('=')
      if (i < 0) return s ? ok([{host: s}]) : bad('the value is empty')
      const host = s.slice(0, i).trim()
      const w = parseWeight(s.slice(i + 1).trim(), `'${host}'`)
      return w.ok ? ok([{host, weight: w.value}]) : w
    }
    case 'keyValue':
      return keyValues(s, 'KEY=VALUE')
    case 'subsetLabels': {
      const i = s.indexOf(':')
      if (i <= 0) return bad(`'${s}' is not NAME:KEY=VALUE[,KEY=VALUE] (for example v1:version=v1)`)
      const kv = keyValues(s.slice(i + 1), 'KEY=VALUE')
      if (!kv.ok) return bad(`in '${s}': ${kv.message}`)
      const labels: Record<string, string> = {}
      for (const [k, v] of kv.value as [string, string][]) {
        if (k in labels) return bad(`in '${s}': label '${k}' is given twice`)
        labels[k] = v
      }
      return ok([{name: s.slice(0, i).trim(), labels}])
    }
    case 'portMode': {
      const m = /^([^=]+)=(.*)$/.exec(s)
      const port = m ? parseInt10(m[1]!) : undefined
      if (!m || port === undefined) return bad(`'${s}' is not PORT=MODE (for example 8080=PERMISSIVE)`)
      return ok([{port, mode: m[2]!.trim().toUpperCase()}])
    }
    case 'allowRule':
      return parseAllowRule(s)
  }
}

/** `frontend,ns/sa->orders:GET,POST:/orders/*,/cart` → {from, to, methods?, paths?}. */
function parseAllowRule(s: string): Parsed {
  const arrow = s.indexOf('->')
  const syntax = 'SOURCE_SA->DEST_APP[:METHODS[:PATHS]] (for example frontend->orders:GET,POST:/orders/*)'
  if (arrow <= 0) return bad(`'${s}' is not ${syntax}`)
  const from = splitCsv(s.slice(0, arrow))
  const [to = '', methods, paths, ...rest] = s.slice(arrow + 2).split(':')
  if (rest.length > 0 || to.trim() === '' || from.length === 0) return bad(`'${s}' is not ${syntax}`)
  const rule: Record<string, unknown> = {from, to: to.trim()}
  if (methods !== undefined && splitCsv(methods).length) rule.methods = splitCsv(methods).map((m) => (m === '*' ? m : m.toUpperCase()))
  if (paths !== undefined && splitCsv(paths).length) rule.paths = splitCsv(paths)
  return ok([rule])
}

/**
 * Turn the raw flag values of one parameter into its structured value. Repeated flags and
 * comma-separated lists are concatenated; KEY=VALUE flags become one map.
 */
export function valueFromRaw(p: ParamSpec, raw: RawValue): {value?: unknown; problems: Problem[]} {
  const pointer = `/${p.name}`
  if (p.parse === 'bool') return {value: raw === true || raw === 'true', problems: []}
  const texts = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (raw as string[]) : []
  const problems: Problem[] = []
  const items: unknown[] = []
  for (const t of texts) {
    const r = parseOne(p.parse, t)
    if (!r.ok) problems.push({code: 'CL7006', pointer, message: r.message})
    else if (Array.isArray(r.value)) items.push(...(r.value as unknown[]))
    else items.push(r.value)
  }
  if (problems.length) return {problems}
  if (p.type === 'object') {
    const map: Record<string, string> = {}
    for (const [k, v] of items as [string, string][]) {
      if (k in map && map[k] !== v) problems.push({code: 'CL7008', pointer, message: `'${k}' is given twice ('${map[k]}' and '${v}')`})
      map[k] = v
    }
    return {value: map, problems}
  }
  if (p.type === 'array') return {value: items, problems}
  if (p.type === 'string' && p.enum) {
    const v = String(items[items.length - 1] ?? '')
    const hit = p.enum.find((e) => e.toLowerCase() === v.toLowerCase())
    return {value: hit ?? v, problems}
  }
  return {value: items[items.length - 1], problems}
}
