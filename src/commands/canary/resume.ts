import {resumeCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {analysisFlags, onInterruptFlag, runWithInterrupts, syncTimeoutFlag, targetFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryResume extends BaseCommand {
  static override summary = 'Continue a paused or interrupted canary run (like run, from where it stopped).'
  static override description = BaseCommand.withExitCodes(
    'Leaves a pause (a baking step bakes again from now), re-checks drift, takes the lock (an expired one only with --force-unlock) and continues to the end or the next gate. After a crash it converges to the same end state without shifting twice.',
    'canary resume',
  )
  static override examples = ['<%= config.bin %> canary resume -f k8s/reviews-vs.yaml --prometheus http://prometheus:9090']
  static override flags = {...targetFlags, ...analysisFlags, ...writeFlags, 'on-interrupt': onInterruptFlag, 'sync-timeout': syncTimeoutFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryResume)
    await runWithInterrupts(flags, (ctx, onInterrupt) => resumeCanary(ctx, {onInterrupt}))
  }
}
