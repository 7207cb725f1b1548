import {Args, Flags} from '@oclif/core'
import {buildAuthzGraph} from '../../core/authz/graph.js'
import {formatGraphDot, formatGraphJson, formatGraphMermaid, formatGraphTable} from '../../core/authz/graph-render.js'
import {loadAuthzInputs} from '../../core/authz/load.js'
import {EXIT} from '../../core/exit-codes.js'
import {BaseCommand} from '../../cli/base-command.js'
import {meshFlags, reportDiagnostics, trustDomainFlag} from '../../cli/authz-flags.js'
import {readAllStdin, writeOut} from '../../cli/io.js'

const FORMATS = {table: formatGraphTable, dot: formatGraphDot, mermaid: formatGraphMermaid, json: formatGraphJson}

export default class AuthzGraph extends BaseCommand {
  static override summary = 'Who may call whom: service accounts → workloads, allowed, denied or conditional.'
  static override description = BaseCommand.withExitCodes(
    'For every service account (and plaintext callers) and every workload in PATHS, evaluates the AuthorizationPolicies over all methods, paths, ports, headers and JWTs: ALLOW, DENY, or CONDITIONAL with the rules that decide. dot and mermaid render as pictures.',
    'authz graph',
  )
  static override examples = [
    '<%= config.bin %> authz graph examples/ --namespace shop',
    '<%= config.bin %> authz graph examples/ -o dot | dot -Tsvg > authz.svg',
    '<%= config.bin %> authz graph examples/ -o mermaid',
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'files, directories, globs, or - for stdin', required: true})}
  static override flags = {
    ...meshFlags,
    'trust-domain': trustDomainFlag,
    namespace: Flags.string({char: 'n', description: 'only workloads of this namespace as callees'}),
    output: Flags.string({char: 'o', description: 'output format', options: Object.keys(FORMATS), default: 'table'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(AuthzGraph)
    const inputs = await loadAuthzInputs(argv as string[], {cwd: process.cwd(), readStdin: readAllStdin, maxFileSize: flags['max-file-size'] * 1024 * 1024, rootNamespace: flags['root-namespace']})
    reportDiagnostics(inputs.diagnostics)
    if (inputs.unreadable) return void (process.exitCode = EXIT.INPUT)
    const graph = buildAuthzGraph(inputs.policies, inputs.inventory, {namespace: flags.namespace, trustDomain: flags['trust-domain'], ignore: inputs.isInvalid})
    writeOut(FORMATS[flags.output as keyof typeof FORMATS](graph))
  }
}
