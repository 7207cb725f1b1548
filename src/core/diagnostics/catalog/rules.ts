import type {CatalogEntry} from './types.js'

/** Istio validation rules (CL2xxx): what Istio's webhook and CRD CEL rules reject or warn about. */
export const RULE_CODES = [
] as const satisfies readonly CatalogEntry[]
