import type {CatalogEntry} from './types.js'

/** Cross-resource analysis (CL3xxx), most with an istioctl analyze equivalent. */
export const ANALYSIS_CODES = [
] as const satisfies readonly CatalogEntry[]
