import {BaseCommand} from '../../cli/base-command.js'
import {outputFlags, runGenerate} from '../../cli/generate-flags.js'

export default class Generate extends BaseCommand {
  static override summary = 'Generate Istio configuration (and the Kubernetes objects of a mesh) from a spec file.'
  static override description = BaseCommand.withExitCodes(
    'A spec file (apiVersion: cleat.dev/v1alpha1, kind: GenerateSpec) lists many resources, each naming its generator: namespace, workload, virtualservice, destinationrule, authorizationpolicy, peerauthentication or zero-trust. Every resource is checked and validated before anything is written. For one resource from flags (or prompts), use a generator command: cleat generate virtualservice, destinationrule, authorizationpolicy, peerauthentication or zero-trust (each has --help). docs/generate.md describes every field.',
    'generate',
  )
  static override examples = [
    '<%= config.bin %> generate --from examples/shop.spec.yaml',
    '<%= config.bin %> generate --from examples/shop.spec.yaml --out-file examples/shop.yaml --force',
    '<%= config.bin %> generate --from shop.spec.yaml --out-dir manifests/ --dry-run',
  ]
  static override flags = outputFlags

  async run(): Promise<void> {
    const {flags} = await this.parse(Generate)
    await runGenerate(undefined, flags)
  }
}
