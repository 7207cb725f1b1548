import * as jsYaml from 'js-yaml'
import {FAILSAFE_SCHEMA, Type} from 'js-yaml'

/** js-yaml's own scalar types (its ESM build exports them as `types`). */
const T = (jsYaml as unknown as {types: Record<'null' | 'bool' | 'int' | 'float' | 'merge', Type>}).types

type Resolver = Type & {resolve(data: unknown): boolean; construct(data: unknown): unknown}
const NULL = T.null as Resolver
const BOOL = T.bool as Resolver
const INT = T.int as Resolver
const FLOAT = T.float as Resolver

/**
 * The core-schema type a plain scalar resolves to, or undefined for a string. The first character
 * decides which of js-yaml's resolvers can possibly match (null: `~`, `null`; bool: `true`, `false` in
 * three casings; int/float: a sign, a digit or a dot), and only those are asked, in the core schema's
 * order. js-yaml would otherwise call all four for every plain scalar, keys included.
 */
function coreType(data: unknown): Resolver | undefined {
  if (data === null) return NULL
  const s = data as string
  if (s.length === 0) return NULL.resolve(s) ? NULL : undefined
  const c = s.charCodeAt(0)
  switch (c) {
    case 0x7e: // ~
    case 0x6e: // n
    case 0x4e: // N
      return NULL.resolve(s) ? NULL : undefined
    case 0x74: // t
    case 0x54: // T
    case 0x66: // f
    case 0x46: // F
      return BOOL.resolve(s) ? BOOL : undefined
    case 0x2e: // .
      return FLOAT.resolve(s) ? FLOAT : undefined
    default:
      if (c === 0x2d || c === 0x2b || (c >= 0x30 && c <= 0x39)) {
        if (INT.resolve(s)) return INT
        return FLOAT.resolve(s) ? FLOAT : undefined
      }
      return undefined
  }
}

/** null, bool, int and float of the YAML 1.2 core schema as one implicit type (same values). */
const coreScalars = new Type('tag:cleat.dev,2026:core-scalar', {
  kind: 'scalar',
  resolve: (data: unknown) => coreType(data) !== undefined,
  construct: (data: unknown) => coreType(data)!.construct(data),
})

/**
 * What cleat reads YAML with: the YAML 1.2 core schema plus merge keys (`<<`), as Kubernetes' YAML
 * reader accepts; no timestamps or binary. Values are exactly those of js-yaml's CORE_SCHEMA with the
 * merge type; the explicit tags (`!!int "3"`) still name js-yaml's own types. Merge stays a type of its
 * own because js-yaml recognises a merge key by its tag.
 */
export const YAML_SCHEMA = FAILSAFE_SCHEMA.extend({implicit: [coreScalars, T.merge], explicit: [T.null, T.bool, T.int, T.float]})
