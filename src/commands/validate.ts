import {Args, Flags} from '@oclif/core'
import {formatJson} from '../core/diagnostics/format/json.js'
import {formatText} from '../core/diagnostics/format/text.js'
import {parseSeverity} from '../core/diagnostics/diagnostic.js'
import {validatePaths, validationExitCode} from '../core/validate/run-validate.js'
import {BaseCommand} from '../cli/base-command.js'
import {failOnFlag, maxFileSizeFlag, noColorFlag} from '../cli/flags.js'
import {colorEnabled, readAllStdin, textStyle, writeOut} from '../cli/io.js'

export default class Validate extends BaseCommand {
  static override summary = 'Check Istio configuration offline: schemas, Istio rules and cross-resource analysis.'
  static override description = BaseCommand.withExitCodes(
    'Reads files, directories (recursively: .yaml, .yml, .json), globs and - (stdin). Multi-document YAML, kind: List and JSON are accepted; non-Istio kinds are counted and used as inventory.',
    'validate',
  )
  static override examples = ['<%= config.bin %> validate examples/', 'kubectl get vs -A -o yaml | <%= config.bin %> validate - -o json']
  static override strict = false
  static override args = {paths: Args.string({description: 'files, directories, globs, or - for stdin', required: true})}
  static override flags = {
    output: Flags.string({char: 'o', description: 'output format', options: ['text', 'json'], default: 'text'}),
    'fail-on': failOnFlag,
    'max-file-size': maxFileSizeFlag,
    'no-color': noColorFlag,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Validate)
    const result = await validatePaths(argv as string[], {
      cwd: process.cwd(),
      readStdin: readAllStdin,
      maxFileSize: flags['max-file-size'] * 1024 * 1024,
    })
    const totals = {files: result.summary.files, resources: result.summary.resources}
    writeOut(
      flags.output === 'json'
        ? formatJson(result.diagnostics, totals)
        : formatText(result.diagnostics, totals, textStyle(colorEnabled(process.stdout, flags['no-color']))),
    )
    process.exitCode = validationExitCode(result.diagnostics, parseSeverity(flags['fail-on'])!, result.unreadable)
  }
}
