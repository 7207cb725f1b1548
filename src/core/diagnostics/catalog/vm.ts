import type {CatalogEntry} from './types.js'

/** VM onboarding findings (CL4xxx): bundles, certificates, tokens. */
export const VM_CODES = [
] as const satisfies readonly CatalogEntry[]
