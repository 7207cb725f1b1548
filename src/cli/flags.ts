import {Flags} from '@oclif/core'

/** Flags shared by the commands that report Diagnostics. */
export const failOnFlag = Flags.string({
  description: 'lowest severity that makes the command fail (exit 79)',
  options: ['error', 'warning', 'info'],
  default: 'error',
})

export const noColorFlag = Flags.boolean({description: 'never colour the output (also: NO_COLOR=1)', default: false})

export const maxFileSizeFlag = Flags.integer({
  description: 'largest input file to parse, in MiB',
  default: 16,
  min: 1,
})
