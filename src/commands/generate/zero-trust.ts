import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'
import {outputFlags, runGenerate, templateFlags} from '../../cli/generate-flags.js'

export default class GenerateZeroTrust extends BaseCommand {
  static override summary = 'Generate a zero-trust baseline: STRICT mutual TLS, deny by default, and an ALLOW policy per called workload.'
  static override description = BaseCommand.withExitCodes(
    'Writes a STRICT PeerAuthentication for the namespace, the deny-all AuthorizationPolicy (spec: {}) and, for every called workload (selected by its app label), one ALLOW policy whose principals are TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT of its callers. Each --allow is SOURCE_SA->DEST_APP[:METHODS[:PATHS]]; sources may be NAMESPACE/SA and comma-separated. --from-file reads the call graph as data. The output is validated before it is written.',
    'generate zero-trust',
  )
  static override examples = [
    "<%= config.bin %> generate zero-trust --namespace shop --allow 'frontend->orders:GET,POST:/orders/*' --allow 'orders->payments'",
    '<%= config.bin %> generate zero-trust --namespace shop --from-file graph.yaml --out-dir security/',
  ]
  static override flags = {
    ...templateFlags('zero-trust'),
    'from-file': Flags.string({description: 'call graph file: {namespace, trustDomain, calls: [{from, to, methods, paths}]}', helpValue: 'FILE'}),
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GenerateZeroTrust)
    await runGenerate('zero-trust', flags)
  }
}
