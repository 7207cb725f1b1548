import type {Diagnostic, ResourceRef, Severity} from '../diagnostic.js'

/** A resource that was checked, for formats that list passing resources too (JUnit). */
export interface CheckedResource {
  file: string
  ref: ResourceRef
}

/** Everything a formatter may use. Every formatter is a pure function of it. */
export interface ReportInput {
  diagnostics: readonly Diagnostic[]
  totals: {files: number; resources: number}
  /** Every resource checked (JUnit lists them all); optional for the other formats. */
  resources?: readonly CheckedResource[]
  /** Severity at which the run fails (JUnit marks those as failures). Default error. */
  failOn?: Severity
  /** cleat's version, for SARIF's tool.driver.version. */
  toolVersion?: string
}
