import {Flags} from '@oclif/core'
import {OUTPUT_FORMATS} from '../core/diagnostics/format/index.js'

/** Flags of `cleat validate` beyond the shared ones (src/cli/flags.ts). */
export const validateFlags = {
  output: Flags.string({char: 'o', description: 'output format', options: [...OUTPUT_FORMATS], default: 'text'}),
  'output-file': Flags.string({description: 'write the report to FILE (atomically) instead of standard output', helpValue: 'FILE'}),
  namespace: Flags.string({char: 'n', description: 'report only findings of resources in this namespace (repeatable; default: every namespace in the input)', multiple: true}),
  suppress: Flags.string({description: "suppress findings: 'CODE=Kind namespace/name' (globs; CODE is a CL code, its name or an IST code; repeatable)", multiple: true, helpValue: 'RULE'}),
  crds: Flags.string({description: 'validate against the schemas and CEL rules of these CustomResourceDefinitions (file or directory; repeatable) instead of the built-in schemas', multiple: true, helpValue: 'FILE|DIR'}),
  baseline: Flags.string({description: 'do not report findings recorded in this baseline file', helpValue: 'FILE'}),
  'write-baseline': Flags.string({description: 'record every current finding in FILE and exit 0 (unless an input was unreadable)', helpValue: 'FILE', exclusive: ['baseline']}),
}
