import {canaryMatchers, planCanary, planTexts} from '../../core/canary/controller.js'
import {renderPlan} from '../../core/canary/render.js'
import {EXIT} from '../../core/exit-codes.js'
import {BaseCommand} from '../../cli/base-command.js'
import {analysisFlags, selectFlags, startOptionsFromFlags, targetFlags, targetFromFlags} from '../../cli/canary-flags.js'
import {writeOut} from '../../cli/io.js'

export default class CanaryPlan extends BaseCommand {
  static override summary = 'Print each step\'s change as a diff and the checks that will run; writes nothing.'
  static override description = BaseCommand.withExitCodes(
    'Resolves the route and destinations, runs the preflight of every step and shows the diff of each step against the previous one, the bake, the checks and the rollback weights. Exit 21 when a preflight finding would stop the run.',
    'canary plan',
  )
  static override examples = ['<%= config.bin %> canary plan -f k8s/reviews-vs.yaml --stable v1 --canary v2 --steps 10,50,100 --prometheus http://prometheus:9090']
  static override flags = {...targetFlags, ...selectFlags, ...analysisFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(CanaryPlan)
    const target = await targetFromFlags(flags, Date.now)
    const opts = await startOptionsFromFlags(flags)
    const p = await planCanary({target}, opts)
    const a = opts.analysis
    const checks = [
      ...(a.prometheus ? [`requests >= ${a.minRequests}`, `success-rate >= ${a.minSuccessRate} %`, `p99 <= ${a.maxP99Ms} ms`] : []),
      ...a.custom.map((c) => `${c.name} (${c.min ?? '-∞'}..${c.max ?? '∞'})`),
      ...(flags.check ? [`command: ${flags.check}`] : []),
    ]
    const texts = await planTexts(target, p)
    const matchers = a.prometheus ? canaryMatchers(p.vs, p.route, p.namespace, a, await target.destinationRules()) : null
    const planText = renderPlan(p, {target: target.describe(), bakeSeconds: opts.plan.bakeSeconds, checks, window: a.windowSeconds, matchers, texts})
    writeOut(flags.json ? JSON.stringify({apiVersion: 'canary.cleat.dev/v1', kind: 'CanaryPlan', snapshot: p.snapshot, steps: p.steps.map((s) => ({weight: s.weight, split: s.split, gate: s.gate})), checks, diagnostics: p.diagnostics}, null, 2) + '\n' : planText)
    process.exitCode = p.diagnostics.length > 0 ? EXIT.CANARY_ROLLED_BACK_PREFLIGHT : EXIT.OK
  }
}
