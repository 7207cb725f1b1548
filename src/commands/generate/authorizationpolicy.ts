import {BaseCommand} from '../../cli/base-command.js'
import {outputFlags, runGenerate, templateFlags} from '../../cli/generate-flags.js'

export default class GenerateAuthorizationPolicy extends BaseCommand {
  static override summary = 'Generate an AuthorizationPolicy: one rule of sources and operations, or the deny-by-default policy.'
  static override description = BaseCommand.withExitCodes(
    'The rule combines every --from-*, --method, --path and --port given (all must match). Without any of them the rule matches every request. --deny-all writes the namespace-wide ALLOW policy without rules (spec: {}), which denies every request no other ALLOW policy permits. --action CUSTOM needs --provider. The output is validated before it is written.',
    'generate authorizationpolicy',
  )
  static override examples = [
    '<%= config.bin %> generate authorizationpolicy --name allow-payments --namespace shop --selector app=orders --action ALLOW --from-principal cluster.local/ns/shop/sa/payments --method POST --path "/orders/*"',
    '<%= config.bin %> generate authorizationpolicy --namespace shop --deny-all',
  ]
  static override flags = {...templateFlags('authorizationpolicy'), ...outputFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(GenerateAuthorizationPolicy)
    await runGenerate('authorizationpolicy', flags)
  }
}
