import type {CatalogEntry} from './types.js'

/** Generator input findings (CL7xxx). */
export const GENERATE_CODES = [
] as const satisfies readonly CatalogEntry[]
