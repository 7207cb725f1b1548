import {Args} from '@oclif/core'
import {parseSeverity} from '../core/diagnostics/diagnostic.js'
import {renderReport, type OutputFormat} from '../core/diagnostics/format/index.js'
import {writeFileAtomic} from '../core/fs/atomic-write.js'
import {readBaseline, writeBaseline} from '../core/validate/baseline.js'
import {validatePaths, validationExitCode} from '../core/validate/run-validate.js'
import {refineFindings, suppressionNote} from '../core/validate/suppress.js'
import {BaseCommand} from '../cli/base-command.js'
import {failOnFlag, maxFileSizeFlag, noColorFlag} from '../cli/flags.js'
import {colorEnabled, readAllStdin, textStyle, writeErr, writeOut} from '../cli/io.js'
import {validateFlags} from '../cli/validate-flags.js'

export default class Validate extends BaseCommand {
  static override summary = 'Check Istio configuration offline: schemas, Istio rules and cross-resource analysis.'
  static override description = BaseCommand.withExitCodes(
    'Reads files, directories (recursively: .yaml, .yml, .json), globs and - (stdin). Multi-document YAML, kind: List and JSON are accepted; non-Istio kinds are counted and used as inventory for cross-resource analysis. See docs/validate.md.',
    'validate',
  )
  static override examples = [
    '<%= config.bin %> validate examples/',
    'kubectl get vs,dr,svc,deploy -A -o yaml | <%= config.bin %> validate - -o json',
    '<%= config.bin %> validate deploy/ -o sarif --output-file cleat.sarif',
    '<%= config.bin %> validate deploy/ --crds crds/istio-crds.yaml',
    "<%= config.bin %> validate deploy/ --suppress 'IST0101=VirtualService legacy/*' --baseline .cleat-baseline.json",
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'files, directories, globs, or - for stdin', required: true})}
  static override flags = {...validateFlags, 'fail-on': failOnFlag, 'max-file-size': maxFileSizeFlag, 'no-color': noColorFlag}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Validate)
    const baseline = flags.baseline ? await readBaseline(flags.baseline) : undefined
    // Loaded only with --crds: it brings ajv's 2020 dialect and the CEL interpreter.
    const schemas = flags.crds ? await (await import('../core/validate/crd-schemas.js')).loadCrdSchemaProvider(flags.crds, process.cwd()) : undefined
    for (const n of schemas?.notes ?? []) writeErr(`note: ${n}`)
    const result = await validatePaths(argv as string[], {cwd: process.cwd(), readStdin: readAllStdin, maxFileSize: flags['max-file-size'] * 1024 * 1024, schemas})
    const refined = refineFindings(result.diagnostics, {resources: result.resources, namespaces: flags.namespace, suppress: flags.suppress, baseline})
    const failOn = parseSeverity(flags['fail-on'])!
    const note = suppressionNote(refined)
    if (note) writeErr(note)
    if (flags['write-baseline']) {
      const n = await writeBaseline(flags['write-baseline'], refined.diagnostics)
      writeErr(`baseline: ${n} finding(s) recorded in ${flags['write-baseline']}`)
    }
    const report = renderReport(
      flags.output as OutputFormat,
      {diagnostics: refined.diagnostics, totals: {files: result.summary.files, resources: result.summary.resources}, resources: result.resources.map((r) => ({file: r.doc.file, ref: r.ref})), failOn, toolVersion: this.config.version},
      textStyle(!flags['output-file'] && colorEnabled(process.stdout, flags['no-color'])),
    )
    if (flags['output-file']) await writeFileAtomic(flags['output-file'], report, {force: true})
    else writeOut(report)
    process.exitCode = flags['write-baseline'] ? validationExitCode([], failOn, result.unreadable) : validationExitCode(refined.diagnostics, failOn, result.unreadable)
  }
}
