import type {SchemaError} from './schema-registry.js'

export interface SchemaFinding {
  code: string
  /** JSON pointer relative to the validated value. */
  pointer: string
  message: string
}

/** Turn ajv errors into human findings: one per problem, pointing at the offending key (or the parent of a missing one). */
export function translateSchemaErrors(errors: readonly SchemaError[], displayBase: string): SchemaFinding[] {
  const out: SchemaFinding[] = []
  const seen = new Set<string>()
  // Errors under a failed anyOf/oneOf branch are noise once the combinator itself is reported.
  const combinatorPaths = new Set(errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath))
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && /\/(anyOf|oneOf)\//.test(e.schemaPath) && hasPrefixIn(e.instancePath, combinatorPaths)) continue
    const f = translate(e, displayBase)
    const key = `${f.code} ${f.pointer} ${f.message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(f)
  }
  return out
}

function hasPrefixIn(p: string, set: Set<string>): boolean {
  for (const s of set) if (p === s || p.startsWith(s + '/')) return true
  return false
}

function translate(e: SchemaError, base: string): SchemaFinding {
  const at = e.instancePath
  const field = displayPath(base, at)
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(p.additionalProperty)
      const known = Object.keys((e.parentSchema as {properties?: object} | undefined)?.properties ?? {})
      const hint = suggest(prop, known)
      return {
        code: 'CL1001',
        pointer: `${at}/${escape(prop)}`,
        message: `unknown field '${prop}' in ${field}${hint ? ` (did you mean '${hint}'?)` : known.length > 0 && known.length <= 12 ? ` (known fields: ${known.join(', ')})` : ''}`,
      }
    }
    case 'unevaluatedProperties': {
      const prop = String(p.unevaluatedProperty)
      return {code: 'CL1001', pointer: `${at}/${escape(prop)}`, message: `unknown field '${prop}' in ${field}`}
    }
    case 'type':
      return {code: 'CL1002', pointer: at, message: `${field} must be ${article(String(p.type))}, not ${describe(e.data)}`}
    case 'enum':
      return {code: 'CL1003', pointer: at, message: `${field} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${JSON.stringify(e.data)}`}
    case 'const':
      return {code: 'CL1003', pointer: at, message: `${field} must be ${JSON.stringify(p.allowedValue)}`}
    case 'required':
      return {code: 'CL1004', pointer: at, message: `${field}: missing required field '${String(p.missingProperty)}'`}
    case 'pattern':
      return {code: 'CL1005', pointer: at, message: `${field} ${JSON.stringify(e.data)} does not match the pattern ${String(p.pattern)}`}
    case 'format':
      return {code: 'CL1005', pointer: at, message: `${field} ${JSON.stringify(e.data)} is not a valid ${String(p.format)}`}
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {code: 'CL1006', pointer: at, message: `${field} must be ${String(p.comparison)} ${String(p.limit)}; got ${JSON.stringify(e.data)}`}
    case 'minLength':
    case 'maxLength':
      return {code: 'CL1006', pointer: at, message: `${field} must be ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${String(p.limit)} characters long`}
    case 'minItems':
    case 'maxItems':
      return {code: 'CL1006', pointer: at, message: `${field} must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items`}
    case 'minProperties':
      return {code: 'CL1006', pointer: at, message: `${field} must have at least ${String(p.limit)} field(s)`}
    case 'maxProperties':
      return {code: 'CL1007', pointer: at, message: `${field} may set at most ${String(p.limit)} of its fields${fieldList(e.data)}`}
    case 'not':
    case 'oneOf':
    case 'anyOf': {
      const desc = (e.parentSchema as {description?: string} | undefined)?.description
      return {code: 'CL1007', pointer: at, message: `${field} sets fields that cannot be combined${fieldList(e.data)}${desc ? ` (${desc})` : ''}`}
    }
    case 'false schema': {
      const other = /dependentSchemas\/([^/]+)\//.exec(e.schemaPath)?.[1]
      const name = at.split('/').pop() ?? ''
      if (other) return {code: 'CL1007', pointer: at, message: `${field} cannot be set together with '${other.replaceAll('~1', '/').replaceAll('~0', '~')}'`}
      return {code: 'CL1001', pointer: at, message: `field '${name}' is not allowed in ${displayPath(base, at.slice(0, at.lastIndexOf('/')))}`}
    }
    case 'uniqueItems':
      return {code: 'CL1000', pointer: at, message: `${field} must not contain duplicates`}
    default:
      return {code: 'CL1000', pointer: at, message: `${field} ${e.message ?? 'is invalid'}`}
  }
}

function fieldList(data: unknown): string {
  if (data && typeof data === 'object' && !Array.isArray(data)) return ` (set: ${Object.keys(data).join(', ')})`
  return ''
}

function escape(s: string): string {
  return s.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** `spec.http[0].route` from a base ('spec') and a JSON pointer ('/http/0/route'). */
export function displayPath(base: string, pointer: string): string {
  let out = base
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (/^\d+$/.test(seg)) out += `[${seg}]`
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(seg)}]`
  }
  return out || '(document)'
}

function article(t: string): string {
  if (t.includes(',')) return `one of ${t.split(',').join(' or ')}`
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
  return `${typeof v} ${JSON.stringify(v)}`
}

/** Closest known name within edit distance 2 (for "did you mean"). */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = 3
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase())
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!
    dp[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return dp[b.length]!
}

