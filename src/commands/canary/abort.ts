import {abortCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {contextFromFlags, emitOutcome, targetFlags, targetFromFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryAbort extends BaseCommand {
  static override summary = 'Restore the snapshot weights (stable 100, canary 0) and remove the run state, in one write.'
  static override description = BaseCommand.withExitCodes(
    'Idempotent (no run: nothing to do, exit 0), works from any machine and after drift (the weights are forced back and the drift is reported), and does not wait for a lock: it is the emergency lever. In GitOps mode a start followed by abort leaves the file byte-identical.',
    'canary abort',
  )
  static override flags = {...targetFlags, ...writeFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryAbort)
    const ctx = await contextFromFlags(flags, await targetFromFlags(flags, Date.now))
    emitOutcome(await abortCanary(ctx), flags)
  }
}
