import {stepCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {analysisFlags, onInterruptFlag, runWithInterrupts, syncTimeoutFlag, targetFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryStep extends BaseCommand {
  static override summary = 'Make exactly one transition (shift to the next weight, or judge the current one), then exit.'
  static override description = BaseCommand.withExitCodes(
    'For CI jobs with time limits: takes the lock, checks for drift, then either shifts to the next step (after a preflight) or waits for the rest of the bake and judges the current step. Thresholds and the Prometheus URL are kept from start; --check must be given on every call that judges.',
    'canary step',
  )
  static override examples = ['<%= config.bin %> canary step -f k8s/reviews-vs.yaml --check ./smoke-test.sh']
  static override flags = {...targetFlags, ...analysisFlags, ...writeFlags, 'on-interrupt': onInterruptFlag, 'sync-timeout': syncTimeoutFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryStep)
    await runWithInterrupts(flags, (ctx, onInterrupt) => stepCanary(ctx, {onInterrupt}))
  }
}
