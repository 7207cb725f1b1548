import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {CleatError} from '../errors.js'
import {EXIT, type ExitCode} from '../exit-codes.js'

/** The exit code a canary finding stops the command with. */
export function exitCodeOf(code: string): ExitCode {
  if (code === 'CL5030') return EXIT.CANARY_DRIFT
  if (/^CL50(0[1-3])$/.test(code)) return EXIT.USAGE
  if (/^CL50(0[4-9])$/.test(code)) return EXIT.INPUT
  return EXIT.CANARY_ROLLED_BACK_PREFLIGHT
}

/** A canary finding that stops the command; carries its Diagnostic. */
export class CanaryError extends CleatError {
  readonly diagnostic: Diagnostic
  constructor(code: string, message: string, pointer: string | null = null, actions: readonly string[] = [], exitCode?: ExitCode) {
    super(`${code} ${message}`, exitCode ?? exitCodeOf(code), actions)
    this.diagnostic = diag(code, {message, path: pointer})
  }
}

/** Another writer changed the target between our read and our write (compare-and-swap failed). */
export class CasConflict extends Error {
  constructor(message = 'the VirtualService changed since it was read') {
    super(message)
    this.name = 'CasConflict'
  }
}

/** The lock is held by another run (exit 30). */
export class LockHeldError extends CleatError {
  constructor(message: string, actions: readonly string[] = []) {
    super(message, EXIT.CANARY_LOCK_HELD, actions)
  }
}
