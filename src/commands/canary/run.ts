import {runCanary} from '../../core/canary/controller.js'
import {BaseCommand} from '../../cli/base-command.js'
import {analysisFlags, onInterruptFlag, runWithInterrupts, selectFlags, startOptionsFromFlags, syncTimeoutFlag, targetFlags, writeFlags} from '../../cli/canary-flags.js'

export default class CanaryRun extends BaseCommand {
  static override summary = 'Run the canary to the end (promoted), a gate, a pause or a rollback; starts it if needed.'
  static override description = BaseCommand.withExitCodes(
    'Loops shift → bake → judge while holding the lock. With no run on the VirtualService it starts one first (then --stable/--canary or the host flags are needed). SIGINT/SIGTERM finish the current write, then pause or roll back (--on-interrupt).',
    'canary run',
  )
  static override examples = [
    '<%= config.bin %> canary run -f k8s/reviews-vs.yaml --stable v1 --canary v2 --steps 10,30,100 --bake 2m --prometheus http://prometheus:9090',
  ]
  static override flags = {...targetFlags, ...selectFlags, ...analysisFlags, ...writeFlags, 'on-interrupt': onInterruptFlag, 'sync-timeout': syncTimeoutFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryRun)
    const wantsStart = flags.stable !== undefined || flags['stable-host'] !== undefined
    const start = wantsStart ? await startOptionsFromFlags(flags) : undefined
    await runWithInterrupts(flags, (ctx, onInterrupt) => runCanary(ctx, {start, onInterrupt}))
  }
}
