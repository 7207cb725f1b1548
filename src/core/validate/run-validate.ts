import {isAtOrAbove, type Diagnostic, type Severity} from '../diagnostics/diagnostic.js'
import {EXIT, type ExitCode} from '../exit-codes.js'
import {readInputSources, type ReadSourcesOptions} from '../input/sources.js'
import {validateSources, type EngineOptions, type ValidationReport} from './engine.js'

export interface ValidatePathsOptions extends ReadSourcesOptions, EngineOptions {}

export interface ValidatePathsResult extends ValidationReport {
  /** Some input could not be read (exit 65). */
  unreadable: boolean
}

/** Read PATH arguments and validate everything in them. */
export async function validatePaths(paths: readonly string[], opts: ValidatePathsOptions): Promise<ValidatePathsResult> {
  const read = await readInputSources(paths, opts)
  const report = validateSources(read.sources, opts)
  const diagnostics = [...read.diagnostics, ...report.diagnostics]
  const summary = {...report.summary, files: read.files}
  for (const d of read.diagnostics) {
    if (d.severity === 'error') summary.errors++
    else if (d.severity === 'warning') summary.warnings++
    else summary.infos++
  }
  return {...report, diagnostics, summary, unreadable: read.unreadable}
}

/** The exit code of a validation: 65 when an input could not be read, 79 for findings at or above the threshold, else 0. */
export function validationExitCode(diags: readonly Diagnostic[], failOn: Severity, unreadable: boolean): ExitCode {
  if (unreadable) return EXIT.INPUT
  return diags.some((d) => isAtOrAbove(d, failOn)) ? EXIT.FINDINGS : EXIT.OK
}
