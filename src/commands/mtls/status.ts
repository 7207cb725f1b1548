import {Args, Flags} from '@oclif/core'
import {loadAuthzInputs} from '../../core/authz/load.js'
import {parseKeyValues} from '../../core/authz/request.js'
import {diag} from '../../core/diagnostics/catalog/index.js'
import {UsageError} from '../../core/errors.js'
import {EXIT} from '../../core/exit-codes.js'
import {selectorMatches} from '../../core/model/inventory.js'
import {conflictDiagnostics, formatMtlsTable, mtlsStatus, toJsonRows} from '../../core/mtls/status.js'
import {BaseCommand} from '../../cli/base-command.js'
import {meshFlags, reportDiagnostics} from '../../cli/authz-flags.js'
import {readAllStdin, writeOut} from '../../cli/io.js'

export default class MtlsStatus extends BaseCommand {
  static override summary = 'Effective mTLS mode per workload and port, the PeerAuthentication that decides it, and conflicting DestinationRules.'
  static override description = BaseCommand.withExitCodes(
    'Resolves PeerAuthentications the way Istio does (workload > namespace > root namespace, portLevelMtls per port, UNSET inherits, PERMISSIVE when nothing is set) for every workload in PATHS, or for one workload given by --namespace and --labels that need not be in the files.',
    'mtls status',
  )
  static override examples = [
    '<%= config.bin %> mtls status examples/',
    '<%= config.bin %> mtls status examples/ --namespace shop --labels app=orders --port 8080 -o json',
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'files, directories, globs, or - for stdin', required: true})}
  static override flags = {
    ...meshFlags,
    namespace: Flags.string({char: 'n', description: 'only workloads of this namespace (required with --labels)'}),
    labels: Flags.string({char: 'l', description: 'ask about one workload with these labels, key=value (repeat for more)', multiple: true, multipleNonGreedy: true}),
    port: Flags.integer({description: 'only this workload (container) port', min: 0, max: 65535}),
    output: Flags.string({char: 'o', description: 'output format', options: ['table', 'json'], default: 'table'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(MtlsStatus)
    const labels = flags.labels ? parseKeyValues(flags.labels, 'labels') : undefined
    if (labels && !flags.namespace) throw new UsageError('--labels needs --namespace: a workload is identified by its namespace and labels')
    const inputs = await loadAuthzInputs(argv as string[], {cwd: process.cwd(), readStdin: readAllStdin, maxFileSize: flags['max-file-size'] * 1024 * 1024, rootNamespace: flags['root-namespace']})
    if (labels && inputs.inventory.hasWorkloads && !inputs.inventory.workloads.some((w) => w.namespace === flags.namespace && selectorMatches(labels, w.labels))) {
      inputs.diagnostics.push(diag('CL6002', {message: `no workload in namespace ${flags.namespace} has these labels; answering for such a workload`}))
    }
    const rows = mtlsStatus(inputs.inventory, {namespace: flags.namespace, labels, port: flags.port, ignore: inputs.isInvalid})
    reportDiagnostics([...inputs.diagnostics, ...conflictDiagnostics(rows, inputs.inventory)])
    if (inputs.unreadable) return void (process.exitCode = EXIT.INPUT)
    writeOut(flags.output === 'json' ? JSON.stringify(toJsonRows(rows), null, 2) + '\n' : formatMtlsTable(rows))
  }
}
