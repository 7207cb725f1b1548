import type {CatalogEntry} from './types.js'

/** Canary preflight and analysis findings (CL5xxx). */
export const CANARY_CODES = [
] as const satisfies readonly CatalogEntry[]
