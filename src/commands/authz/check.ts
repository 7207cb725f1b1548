import {Args, Flags} from '@oclif/core'
import {readCasesFile, runCases, formatCasesText} from '../../core/authz/cases.js'
import {evaluate} from '../../core/authz/evaluate.js'
import {loadAuthzInputs} from '../../core/authz/load.js'
import {formatCheckText, toCheckJson} from '../../core/authz/render.js'
import {buildRequest} from '../../core/authz/request.js'
import {diag} from '../../core/diagnostics/catalog/index.js'
import {UsageError} from '../../core/errors.js'
import {EXIT} from '../../core/exit-codes.js'
import {selectorMatches} from '../../core/model/inventory.js'
import {BaseCommand} from '../../cli/base-command.js'
import {meshFlags, reportDiagnostics, requestFlags, requestInputFromFlags, trustDomainFlag} from '../../cli/authz-flags.js'
import {readAllStdin, writeErr, writeOut} from '../../cli/io.js'

export default class AuthzCheck extends BaseCommand {
  static override summary = 'Would Istio allow this request? Evaluate AuthorizationPolicies offline.'
  static override description = BaseCommand.withExitCodes(
    'Evaluates the AuthorizationPolicies in PATHS for one request (or a --cases table) the way Istio does: CUSTOM, then DENY, then ALLOW; AUDIT and dry-run policies are reported, not enforced. A plaintext request to a STRICT mTLS port is refused.',
    'authz check',
  )
  static override examples = [
    '<%= config.bin %> authz check examples/ --to-namespace shop --to-labels app=orders --from-principal cluster.local/ns/shop/sa/frontend --method POST --path /orders',
    '<%= config.bin %> authz check policies/ --cases authz-cases.yaml',
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'files, directories, globs, or - for stdin', required: true})}
  static override flags = {
    ...requestFlags,
    ...meshFlags,
    'trust-domain': trustDomainFlag,
    explain: Flags.boolean({description: 'show every policy considered and why it matched or not', default: false}),
    expect: Flags.string({description: 'fail (exit 79) unless the decision is this', options: ['allow', 'deny']}),
    cases: Flags.string({description: 'YAML/JSON file of requests with expected decisions (schemas/authz/cases.json)'}),
    output: Flags.string({char: 'o', description: 'output format', options: ['text', 'json'], default: 'text'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(AuthzCheck)
    const given = Object.keys(requestFlags).filter((k) => k !== 'custom-verdict' && (flags as Record<string, unknown>)[k] !== undefined && (flags as Record<string, unknown>)[k] !== false)
    if (flags.cases && given.length > 0) throw new UsageError(`--cases runs the requests of the file: drop ${given.map((k) => `--${k}`).join(', ')}`)
    if (!flags.cases && !flags['to-namespace']) throw new UsageError('say which workload receives the request: --to-namespace NS [--to-labels k=v ...] (or use --cases FILE)')
    const inputs = await loadAuthzInputs(argv as string[], {cwd: process.cwd(), readStdin: readAllStdin, maxFileSize: flags['max-file-size'] * 1024 * 1024, rootNamespace: flags['root-namespace']})
    const opts = {trustDomain: flags['trust-domain'], customVerdict: flags['custom-verdict'] as 'allow' | 'deny', ignore: inputs.isInvalid}
    if (flags.cases) {
      const cases = await readCasesFile(flags.cases, process.cwd())
      reportDiagnostics(inputs.diagnostics)
      if (inputs.unreadable) return void (process.exitCode = EXIT.INPUT)
      const report = runCases(cases, inputs.policies, inputs.inventory, opts)
      writeOut(flags.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatCasesText(report))
      process.exitCode = report.summary.failed > 0 ? EXIT.FINDINGS : EXIT.OK
      return
    }
    const built = buildRequest(requestInputFromFlags(flags), opts)
    const to = built.request.to
    if (inputs.inventory.hasWorkloads && !inputs.inventory.workloads.some((w) => w.namespace === to.namespace && selectorMatches(to.labels, w.labels))) {
      inputs.diagnostics.push(diag('CL6002', {message: `no workload in namespace ${to.namespace} has the labels ${Object.entries(to.labels).map(([k, v]) => `${k}=${v}`).join(',') || '(none)'}; answering for such a workload`}))
    }
    reportDiagnostics(inputs.diagnostics)
    if (inputs.unreadable) return void (process.exitCode = EXIT.INPUT)
    const d = evaluate(inputs.policies, built.request, inputs.inventory, opts)
    writeOut(flags.output === 'json' ? JSON.stringify(toCheckJson(d), null, 2) + '\n' : formatCheckText(d, {explain: flags.explain, request: built.request, notes: built.notes}))
    if (!flags.explain) for (const n of [...built.notes, ...d.notes]) writeErr(`note: ${n}`)
    if (flags.expect && flags.expect.toUpperCase() !== d.decision) {
      writeErr(`expectation failed: expected ${flags.expect.toUpperCase()}, got ${d.decision}`)
      process.exitCode = EXIT.FINDINGS
    }
  }
}
