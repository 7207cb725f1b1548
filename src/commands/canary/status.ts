import {Flags} from '@oclif/core'
import {canaryStatus, type StatusReport} from '../../core/canary/controller.js'
import {renderStatus, statusJson} from '../../core/canary/render.js'
import {parseDuration} from '../../core/canary/state.js'
import {EXIT, type ExitCode} from '../../core/exit-codes.js'
import {BaseCommand} from '../../cli/base-command.js'
import {clusterTargetFromFlags, interruptSignal, targetFlags, targetFromFlags} from '../../cli/canary-flags.js'
import {writeErr, writeOut} from '../../cli/io.js'

/** 0 promoted or in progress, 10 paused, 20/21 rolled back (as recorded). */
function exitOf(r: StatusReport): ExitCode {
  const s = r.state
  if (!s) return EXIT.OK
  if (s.phase === 'Paused') return EXIT.CANARY_PAUSED
  if (s.phase === 'RolledBack') return (s.outcome?.exitCode ?? EXIT.CANARY_ROLLED_BACK_ANALYSIS) as ExitCode
  return r.drift ? EXIT.CANARY_DRIFT : EXIT.OK
}

export default class CanaryStatus extends BaseCommand {
  static override summary = 'Show phase, step, written and current weights, last check values and the lock holder.'
  static override description = BaseCommand.withExitCodes(
    'Reads the VirtualService back (the file, or the cluster in live mode) and compares its weights with the last written ones (DRIFT). In GitOps mode, --context or --kubeconfig also shows whether the cluster has synced the file. With -w it repeats until the run is promoted, paused or rolled back (or --timeout), then exits with that outcome: CI can wait on it.',
    'canary status',
  )
  static override flags = {
    ...targetFlags,
    watch: Flags.boolean({char: 'w', description: 'repeat until the run stops progressing', default: false}),
    interval: Flags.string({description: 'refresh interval of --watch', default: '2s'}),
    timeout: Flags.string({description: 'give up watching after this long (exit 10)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryStatus)
    const target = await targetFromFlags(flags, Date.now)
    const cluster = (await clusterTargetFromFlags(flags, target, Date.now)) ?? undefined
    const interval = parseDuration(flags.interval, 'interval') * 1000
    const deadline = flags.timeout ? Date.now() + parseDuration(flags.timeout, 'timeout') * 1000 : Infinity
    const {signal, dispose} = interruptSignal()
    try {
      for (;;) {
        const r = await canaryStatus({target, now: Date.now, cluster})
        writeOut(flags.json ? statusJson(r) : renderStatus(r, Date.now()))
        const settled = !r.state || ['Succeeded', 'RolledBack', 'Paused'].includes(r.state.phase)
        if (!flags.watch || settled) return void (process.exitCode = exitOf(r))
        if (signal.aborted || Date.now() >= deadline) {
          writeErr('stopped watching while the canary is still progressing')
          return void (process.exitCode = EXIT.CANARY_PAUSED)
        }
        await new Promise((res) => setTimeout(res, Math.min(interval, Math.max(0, deadline - Date.now()))))
      }
    } finally {
      dispose()
    }
  }
}
