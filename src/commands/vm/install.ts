import {Args, Flags} from '@oclif/core'
import {execa} from 'execa'
import os from 'node:os'
import {applyInstall, describeAction, missingOwnerWarning, planInstall, readIstioProxyOwner, serviceSteps} from '../../core/vm/install.js'
import {UsageError} from '../../core/errors.js'
import {openBundle} from '../../core/vm/write.js'
import {BaseCommand} from '../../cli/base-command.js'
import {writeErr, writeOut} from '../../cli/io.js'
import {rootDirFlag} from '../../cli/vm-flags.js'

async function systemctl(args: string[]): Promise<number> {
  const r = await execa('systemctl', args, {reject: false, all: true})
  if (r.all) writeErr(r.all)
  return typeof r.exitCode === 'number' ? r.exitCode : 1
}

export default class VmInstall extends BaseCommand {
  static override summary = 'Install a VM bundle on this machine: certificates, token, agent configuration, the hosts block, and the istio service.'
  static override description = BaseCommand.withExitCodes(
    'Run on the VM (as root). Checks the bundle against its manifest, places each file with its owner and mode (/etc/certs, /var/run/secrets/tokens, /var/lib/istio/envoy, /etc/istio/config), manages the /etc/hosts block between cleat markers, then enables and (re)starts the istio unit with systemctl. A second run changes nothing and says so.',
    'vm install',
  )
  static override examples = ['sudo <%= config.bin %> vm install ./web-1', '<%= config.bin %> vm install ./web-1 --root /mnt/image --no-service', '<%= config.bin %> vm install web-1.tar.gz --dry-run']
  static override args = {bundle: Args.string({description: 'bundle directory or .tar.gz', required: true})}
  static override flags = {
    root: rootDirFlag,
    'dry-run': Flags.boolean({description: 'print what would change, change nothing', default: false}),
    'no-service': Flags.boolean({description: 'do not run systemctl', default: false}),
    unit: Flags.string({description: 'systemd unit of the sidecar', default: 'istio'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(VmInstall)
    if (flags.root === '/' && !flags['dry-run'] && process.getuid?.() !== 0) throw new UsageError('installing into / needs root: run it with sudo, or pass --root DIR (or --dry-run)')
    const {dir, cleanup} = await openBundle(args.bundle, os.tmpdir())
    try {
      const plan = await planInstall(dir, flags.root, new Date())
      for (const d of plan.diagnostics) writeErr(`${d.severity}: ${d.code} ${d.message}`)
      for (const a of plan.actions) writeOut(`${flags['dry-run'] ? 'would ' : ''}${describeAction(a)}\n`)
      if (flags['dry-run']) return void writeOut(plan.actions.length === 0 ? 'nothing to change\n' : '')
      const asRoot = flags.root === '/' && process.getuid?.() === 0
      const owners = asRoot ? await readIstioProxyOwner('/') : null
      if (asRoot && !owners) writeErr(`warning: ${missingOwnerWarning().message}`)
      await applyInstall(plan, flags.root, owners)
      const changed = plan.actions.length > 0
      const steps = flags['no-service'] ? [] : await serviceSteps(changed, flags.unit, systemctl)
      for (const s of steps) writeOut(`ran ${s}\n`)
      writeOut(changed || steps.length > 0 ? `VM ${plan.manifest.vmName} installed\n` : `VM ${plan.manifest.vmName}: already installed, nothing changed\n`)
    } finally {
      await cleanup()
    }
  }
}
