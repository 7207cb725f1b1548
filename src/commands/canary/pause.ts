import {pauseCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {contextFromFlags, emitOutcome, targetFlags, targetFromFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryPause extends BaseCommand {
  static override summary = 'Hold the canary at its current weight (exit 10).'
  static override description = BaseCommand.withExitCodes(
    'Writes the Paused phase (annotation only; weights stay). A running `run` stops at its next write. Continue with resume or promote, or abort.',
    'canary pause',
  )
  static override flags = {...targetFlags, ...writeFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryPause)
    const ctx = await contextFromFlags(flags, await targetFromFlags(flags, Date.now))
    emitOutcome(await pauseCanary(ctx), flags)
  }
}
