import {Args, Flags} from '@oclif/core'
import os from 'node:os'
import {parseSeverity} from '../../core/diagnostics/diagnostic.js'
import {isOutputFormat, OUTPUT_FORMATS, renderReport} from '../../core/diagnostics/format/index.js'
import {validationExitCode} from '../../core/validate/run-validate.js'
import {verifyBundle, verifyInstalled} from '../../core/vm/verify.js'
import {openBundle} from '../../core/vm/write.js'
import {BaseCommand} from '../../cli/base-command.js'
import {failOnFlag, noColorFlag} from '../../cli/flags.js'
import {colorEnabled, textStyle, writeOut} from '../../cli/io.js'
import {rootDirFlag} from '../../cli/vm-flags.js'

export default class VmVerify extends BaseCommand {
  static override summary = 'Check a VM bundle (or an installed VM with --on-vm): checksums, modes, certificate chain and profile, key, token, expiry.'
  static override description = BaseCommand.withExitCodes(
    'BUNDLE is a bundle directory or a .tar.gz made by `cleat vm bootstrap`. Findings are Diagnostics (CL4xxx) in the chosen format; exit 79 when any is at or above --fail-on. --on-vm also checks the files placed by `cleat vm install` under --root (the agent may have rotated the certificate: the installed one is then judged on its own).',
    'vm verify',
  )
  static override examples = ['<%= config.bin %> vm verify bundles/web-1', '<%= config.bin %> vm verify /opt/cleat/web-1 --on-vm -o json']
  static override args = {bundle: Args.string({description: 'bundle directory or .tar.gz', required: true})}
  static override flags = {
    'on-vm': Flags.boolean({description: 'also check the installed layout of this machine', default: false}),
    root: rootDirFlag,
    'warn-within': Flags.integer({description: 'warn when the certificate or token expires within this many seconds', default: 600, min: 0}),
    output: Flags.string({char: 'o', description: 'report format', options: [...OUTPUT_FORMATS], default: 'text'}),
    'fail-on': failOnFlag,
    'no-color': noColorFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(VmVerify)
    const {dir, cleanup} = await openBundle(args.bundle, os.tmpdir())
    const archived = dir !== args.bundle
    try {
      const opts = {now: new Date(), warnWithinSeconds: flags['warn-within'], checkModes: !archived, display: archived ? (n: string) => `${args.bundle}:${n}` : undefined}
      const report = flags['on-vm'] ? await verifyInstalled(dir, flags.root, opts) : await verifyBundle(dir, opts)
      const format = isOutputFormat(flags.output) ? flags.output : 'text'
      writeOut(renderReport(format, {diagnostics: report.diagnostics, totals: {files: report.files, resources: 0}, failOn: parseSeverity(flags['fail-on'])!, toolVersion: this.config.version}, textStyle(colorEnabled(process.stdout, flags['no-color']))))
      process.exitCode = validationExitCode(report.diagnostics, parseSeverity(flags['fail-on'])!, false)
    } finally {
      await cleanup()
    }
  }
}
