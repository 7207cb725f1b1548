import type {CatalogEntry} from './types.js'

/** Authorization and mTLS findings (CL6xxx). */
export const AUTHZ_CODES = [
] as const satisfies readonly CatalogEntry[]
