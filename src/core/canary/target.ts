import type {CanaryState, Obj} from './types.js'

/** What a target read returns: the VirtualService as stored now, and related objects for preflight. */
export interface TargetSnapshot {
  vs: Obj
  namespace: string
  name: string
  /** The raw state annotation (the compare-and-swap compares it byte for byte). */
  rawState: string | null
}

/** A single compare-and-swap write: `expect` must still hold, then `set` is applied. */
export interface TargetWrite {
  routeIndex: number
  /** Destination index → weight expected now (the CAS `test`). */
  expectWeights: {destIndex: number; value: number}[]
  expectRawState: string | null
  /** Destination index → new weight (only those that change). */
  setWeights: {destIndex: number; value: number}[]
  /** New state, or null to remove the annotation. */
  setState: CanaryState | null
  /** With setState null: also remove an `annotations:` map left empty (cleat created it at start). */
  removeAnnotationsMap?: boolean
}

/**
 * Where the VirtualService lives: a file (GitOps mode) or a cluster (live mode). Both give the same
 * guarantees: a write is all-or-nothing and fails with CasConflict when the expectation does not hold.
 */
export interface CanaryTarget {
  readonly mode: 'gitops' | 'live'
  describe(): string
  read(): Promise<TargetSnapshot>
  write(w: TargetWrite): Promise<void>
  /** DestinationRules (whole objects) that may define the subsets. */
  destinationRules(): Promise<Obj[]>
  /** Live mode: take / release the coordination.k8s.io Lease. GitOps mode: no-ops. */
  acquireLease?(holder: string, ttlSeconds: number, force: boolean): Promise<void>
  releaseLease?(holder: string): Promise<void>
  /** The target's text with these weights set (plan diffs); default: the object dumped as YAML. */
  preview?(routeIndex: number, set: {destIndex: number; value: number}[]): Promise<string>
  /** Number of writes made so far (for the bench and tests). */
  writes(): number
}
