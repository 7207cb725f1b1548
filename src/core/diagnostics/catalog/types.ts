import type {Severity} from '../diagnostic.js'

/** One entry of the diagnostic catalog: the single documented source of a code. */
export interface CatalogEntry {
  /** Stable code: CL + 4 digits. Ranges: 0xxx input, 1xxx schema, 2xxx Istio rules, 3xxx analysis,
   * 4xxx VM, 5xxx canary, 6xxx authz/mTLS, 7xxx generate. */
  code: string
  /** Short kebab-case name, used in SARIF rule ids and suppressions. */
  name: string
  /** Default severity (a rule may report a lower one where Istio only warns). */
  severity: Severity
  /** The equivalent Istio analyzer code (IST0xxx), or null. */
  istioCode: string | null
  /** One-line title. */
  title: string
  /** What it means and how to fix it (our own words). */
  help: string
}
