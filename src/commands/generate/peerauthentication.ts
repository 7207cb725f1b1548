import {BaseCommand} from '../../cli/base-command.js'
import {outputFlags, runGenerate, templateFlags} from '../../cli/generate-flags.js'

export default class GeneratePeerAuthentication extends BaseCommand {
  static override summary = 'Generate a PeerAuthentication: the mutual TLS mode of a namespace, of some workloads, or of the whole mesh.'
  static override description = BaseCommand.withExitCodes(
    'Without --selector the policy covers the namespace (name: default). --port-mode overrides the mode for one port and needs a --selector. --mesh-wide writes the policy into the root namespace (istio-system, or --root-namespace). The output is validated before it is written.',
    'generate peerauthentication',
  )
  static override examples = [
    '<%= config.bin %> generate peerauthentication --namespace shop --mode STRICT',
    '<%= config.bin %> generate peerauthentication --namespace shop --mode STRICT --selector app=legacy --port-mode 8080=PERMISSIVE',
    '<%= config.bin %> generate peerauthentication --mesh-wide --mode STRICT',
  ]
  static override flags = {...templateFlags('peerauthentication'), ...outputFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(GeneratePeerAuthentication)
    await runGenerate('peerauthentication', flags)
  }
}
