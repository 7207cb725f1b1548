import {stepCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {analysisFlags, contextFromFlags, emitOutcome, targetFlags, targetFromFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryStep extends BaseCommand {
  static override summary = 'Make exactly one transition (shift to the next weight, or judge the current one), then exit.'
  static override description = BaseCommand.withExitCodes(
    'For CI jobs with time limits: takes the lock, checks for drift, then either shifts to the next step (after a preflight) or waits for the rest of the bake and judges the current step. The --check command and --prometheus URL must be given on every call that judges (thresholds are kept from start).',
    'canary step',
  )
  static override examples = ['<%= config.bin %> canary step -f k8s/reviews-vs.yaml --prometheus http://prometheus:9090']
  static override flags = {...targetFlags, ...analysisFlags, ...writeFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryStep)
    const ctx = await contextFromFlags(flags, targetFromFlags(flags, Date.now))
    emitOutcome(await stepCanary(ctx), flags)
  }
}
