import {BaseCommand} from '../../cli/base-command.js'
import {outputFlags, runGenerate, templateFlags} from '../../cli/generate-flags.js'

export default class GenerateDestinationRule extends BaseCommand {
  static override summary = 'Generate a DestinationRule: subsets of a host selected by labels, with an optional traffic policy.'
  static override description = BaseCommand.withExitCodes(
    'Each --subset names a subset and the pod labels that select it. --tls, --load-balancer, the connection pool and outlier detection flags set the traffic policy of the whole host. The output is validated before it is written.',
    'generate destinationrule',
  )
  static override examples = [
    '<%= config.bin %> generate destinationrule --name reviews --namespace shop --host reviews --subset v1:version=v1 --subset v2:version=v2',
    '<%= config.bin %> generate destinationrule --name reviews --namespace shop --host reviews --tls ISTIO_MUTUAL --load-balancer LEAST_REQUEST --consecutive-5xx-errors 5 --ejection-time 30s',
  ]
  static override flags = {...templateFlags('destinationrule'), ...outputFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(GenerateDestinationRule)
    await runGenerate('destinationrule', flags)
  }
}
