import type {Analyzer} from '../validate/types.js'

/**
 * A cleat analyzer plus the istioctl analyzers it stands in for (by their `Metadata().Name`), used to
 * compare with Istio's analyzer test expectations and to document the equivalence.
 */
export interface CleatAnalyzer extends Analyzer {
  istioAnalyzers: readonly string[]
}
