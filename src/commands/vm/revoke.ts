import {Flags} from '@oclif/core'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {InputError, UsageError} from '../../core/errors.js'
import {bootstrapSecretName, revokeVm} from '../../core/vm/online.js'
import {BaseCommand} from '../../cli/base-command.js'
import {writeOut} from '../../cli/io.js'
import {kubeFlags, kubeFromFlags} from '../../cli/vm-flags.js'

export default class VmRevoke extends BaseCommand {
  static override summary = "Revoke a VM's bootstrap token by deleting its per-VM Secret."
  static override description = BaseCommand.withExitCodes(
    'Tokens made by `cleat vm bootstrap` (online) are bound to the Secret istio-vm-bootstrap-<vm>; once it is deleted the API server rejects the token, so istiod no longer issues certificates for it. Certificates already issued stay valid until they expire. Running it again is harmless.',
    'vm revoke',
  )
  static override examples = ['<%= config.bin %> vm revoke --vm-name web-1 --namespace shop', '<%= config.bin %> vm revoke --bundle bundles/web-1 --context prod']
  static override flags = {
    'vm-name': Flags.string({description: 'name of the VM', exclusive: ['bundle']}),
    namespace: Flags.string({char: 'n', description: 'namespace of the VM'}),
    bundle: Flags.string({description: 'read the VM name and namespace from this bundle directory'}),
    ...kubeFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VmRevoke)
    let vmName = flags['vm-name']
    let namespace = flags.namespace
    if (flags.bundle) {
      const m = JSON.parse(await readFile(path.join(flags.bundle, 'manifest.json'), 'utf8').catch(() => {
        throw new InputError(`${flags.bundle} has no readable manifest.json`)
      })) as {vmName?: string; identity?: {namespace?: string}}
      vmName = m.vmName
      namespace ??= m.identity?.namespace
    }
    if (!vmName || !namespace) throw new UsageError('give --vm-name and --namespace, or --bundle DIR')
    const deleted = await revokeVm(kubeFromFlags(flags), vmName, namespace)
    const secret = `${namespace}/${bootstrapSecretName(vmName)}`
    writeOut(deleted ? `revoked: deleted Secret ${secret}; the bootstrap token of ${vmName} is no longer accepted\n` : `nothing to revoke: Secret ${secret} does not exist (already revoked?)\n`)
  }
}
