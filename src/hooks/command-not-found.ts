import type {Hook} from '@oclif/core'
import {EXIT} from '../core/exit-codes.js'
import {writeErr} from '../cli/io.js'

/** An unknown command is a usage error (exit 64), with the list of commands as the next step. */
const hook: Hook<'command_not_found'> = async function (opts) {
  writeErr(`Error: '${opts.id.replaceAll(':', ' ')}' is not a cleat command`)
  writeErr('  → see: cleat --help')
  process.exitCode = EXIT.USAGE
}

export default hook
