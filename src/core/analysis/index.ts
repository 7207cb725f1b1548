import type {Analyzer} from '../validate/types.js'

/** Cross-resource analyzers (the istioctl analyze equivalents). */
export const BUILTIN_ANALYZERS: readonly Analyzer[] = []
