import {Flags} from '@oclif/core'
import {promoteCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {contextFromFlags, emitOutcome, targetFlags, targetFromFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryPromote extends BaseCommand {
  static override summary = 'Pass the current gate and apply the next step; --full goes straight to 100 % and finishes.'
  static override description = BaseCommand.withExitCodes(
    'Without --full: the current step counts as passed and the next weight is applied (after a preflight); a later step or run judges it. With --full: canary 100 % and the run is marked promoted, skipping the remaining analysis.',
    'canary promote',
  )
  static override flags = {...targetFlags, ...writeFlags, full: Flags.boolean({description: 'shift to 100 % now and finish the run', default: false})}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryPromote)
    const ctx = await contextFromFlags(flags, await targetFromFlags(flags, Date.now))
    emitOutcome(await promoteCanary(ctx, {full: flags.full}), flags)
  }
}
