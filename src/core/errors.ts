import {EXIT, type ExitCode} from './exit-codes.js'

/** Base of the errors cleat expects; the CLI maps them to exit codes and prints them without a stack. */
export class CleatError extends Error {
  readonly exitCode: ExitCode
  /** Next steps shown under the message. */
  readonly actions: readonly string[]
  constructor(message: string, exitCode: ExitCode, actions: readonly string[] = []) {
    super(message)
    this.name = new.target.name
    this.exitCode = exitCode
    this.actions = actions
  }
}

/** The command line is wrong: bad flag values, missing values without a TTY. Exit 64. */
export class UsageError extends CleatError {
  constructor(message: string, actions: readonly string[] = []) {
    super(message, EXIT.USAGE, actions)
  }
}

/** An input could not be read or is not usable at all. Exit 65. */
export class InputError extends CleatError {
  constructor(message: string, actions: readonly string[] = []) {
    super(message, EXIT.INPUT, actions)
  }
}

/** A failure with a specific documented exit code (canary outcomes and the like). */
export class OutcomeError extends CleatError {}

export function isCleatError(e: unknown): e is CleatError {
  return e instanceof CleatError
}
