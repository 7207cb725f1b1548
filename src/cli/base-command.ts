import {Command, Errors} from '@oclif/core'
import {isCleatError} from '../core/errors.js'
import {EXIT, exitCodeHelp} from '../core/exit-codes.js'
import {writeErr} from './io.js'

/**
 * Shared behaviour of every cleat command: expected errors print a clear message (no stack) and
 * set the documented exit code; anything else is a bug (exit 1).
 */
export abstract class BaseCommand extends Command {
  /** Appends the EXIT CODES section for a command id to its description. */
  static withExitCodes(description: string, commandId: string): string {
    return `${description}\n\nEXIT CODES\n${exitCodeHelp(commandId)}`
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    if (isCleatError(err)) {
      writeErr(`Error: ${err.message}`)
      for (const a of err.actions) writeErr(`  → ${a}`)
      process.exitCode = err.exitCode
      return
    }
    if (err instanceof Errors.ExitError) throw err
    if (err instanceof Errors.CLIError) {
      // oclif's flag/argument parsing errors: a usage error (exit 64).
      writeErr(`Error: ${err.message}`)
      writeErr(`  → see: cleat ${this.id ?? ''} --help`)
      process.exitCode = EXIT.USAGE
      return
    }
    writeErr(`Internal error: ${err?.message ?? String(err)}`)
    if (process.env.CLEAT_DEBUG) writeErr(String(err?.stack ?? ''))
    else writeErr('  → this is a bug in cleat; rerun with CLEAT_DEBUG=1 for details and report it')
    process.exitCode = EXIT.BUG
  }
}
