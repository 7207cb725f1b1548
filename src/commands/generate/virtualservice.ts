import {BaseCommand} from '../../cli/base-command.js'
import {outputFlags, runGenerate, templateFlags} from '../../cli/generate-flags.js'

export default class GenerateVirtualService extends BaseCommand {
  static override summary = 'Generate a VirtualService: one HTTP route to a host, to weighted subsets of it, or to other destinations.'
  static override description = BaseCommand.withExitCodes(
    'Without --subset or --destination all traffic goes to the first host. With several destinations every one needs a weight and the weights must total 100. Without --gateway the route applies to the sidecars of the mesh. Missing values are asked for on a terminal; without one (or with --no-input) the command fails naming them. The output is validated before it is written.',
    'generate virtualservice',
  )
  static override examples = [
    '<%= config.bin %> generate virtualservice --name reviews --namespace shop --host reviews --subset v1=70 --subset v2=30',
    '<%= config.bin %> generate virtualservice --name api --namespace shop --host api.example.com --gateway istio-ingress/public --match-prefix /api --destination api --port 8080 --timeout 5s --retries 3 --retry-on 5xx,reset --per-try-timeout 2s',
  ]
  static override flags = {...templateFlags('virtualservice'), ...outputFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(GenerateVirtualService)
    await runGenerate('virtualservice', flags)
  }
}
