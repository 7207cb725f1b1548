/** One section of `npm run bench` output (each area contributes one from bench/<area>.ts). */
export interface BenchRow {
  name: string
  /** Measured value, already formatted (e.g. "12,345 resources/s", "0.82×"). */
  value: string
  /** The goal, as text (e.g. "≥ 0.75×"), if any. */
  goal?: string
  /** Whether the goal was met (undefined when there is no goal). */
  met?: boolean
}

export interface BenchSection {
  title: string
  rows: BenchRow[]
  notes?: string[]
}

/** What bench/<area>.ts exports. */
export type BenchModule = {run(): Promise<BenchSection>}
