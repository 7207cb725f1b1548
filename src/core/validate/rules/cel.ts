import {builtinCelRules, recordedCelFindings} from '../cel.js'
import {ISTIO_KINDS} from '../../model/kinds.js'
import type {Rule} from '../types.js'
import {field, markCelReported, obj} from './util.js'

/**
 * The CRDs' CEL rules (x-kubernetes-validations). With the built-in schemas, Istio's rules from
 * schemas/cel/istio-rules.json are evaluated here; with --crds, the schema provider has already
 * evaluated the given CRDs' rules and this rule reports what it found.
 */
export const celRule: Rule = {
  name: 'cel',
  kinds: ISTIO_KINDS.map((k) => k.kind),
  check(r, ctx) {
    const spec = obj(r.obj.spec)
    const findings = recordedCelFindings(spec) ?? builtinCelRules().get(r.kind)?.evaluate(r.obj) ?? []
    for (const f of findings) {
      if (spec) markCelReported(spec, f.pointer)
      ctx.report('CL2000', f.pointer, `${field(f.pointer)}: ${f.message}`)
    }
  },
}
