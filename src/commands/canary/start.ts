import {startCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {analysisFlags, contextFromFlags, emitOutcome, selectFlags, startOptionsFromFlags, targetFlags, targetFromFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryStart extends BaseCommand {
  static override summary = 'Record the snapshot weights and apply the first canary step.'
  static override description = BaseCommand.withExitCodes(
    'Runs the preflight (subsets exist in a DestinationRule, weights non-negative and totalling 100, the shifted VirtualService passes validate), then writes the first step weights and the run state (annotation canary.cleat.dev/state) in one write.',
    'canary start',
  )
  static override examples = [
    '<%= config.bin %> canary start -f k8s/reviews-vs.yaml --stable v1 --canary v2 --bake 5m --prometheus http://prometheus:9090',
    '<%= config.bin %> canary start --virtual-service shop/reviews --stable v1 --canary v2 --gate-after 30',
  ]
  static override flags = {...targetFlags, ...selectFlags, ...analysisFlags, ...writeFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryStart)
    const ctx = await contextFromFlags(flags, await targetFromFlags(flags, Date.now))
    emitOutcome(await startCanary(ctx, await startOptionsFromFlags(flags)), flags)
  }
}
