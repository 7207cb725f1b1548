import {ISTIO_KINDS} from '../../model/kinds.js'
import type {Rule} from '../types.js'
import {at, obj} from './util.js'

const DRY_RUN = 'istio.io/dry-run'
const BOOL = new Set(['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'])

/** The istio.io/dry-run annotation: only on ALLOW/DENY AuthorizationPolicies, with a boolean value. */
export const annotationsRule: Rule = {
  name: 'annotations',
  kinds: ISTIO_KINDS.map((k) => k.kind),
  check(r, ctx) {
    const value = r.annotations[DRY_RUN]
    if (value === undefined) return
    const p = at('/metadata/annotations', DRY_RUN)
    if (r.kind !== 'AuthorizationPolicy') {
      ctx.report('CL2016', p, `the ${DRY_RUN} annotation is only supported on AuthorizationPolicy, not ${r.kind}`)
      return
    }
    const action = obj(r.obj.spec)?.action ?? 'ALLOW'
    if (action !== 'ALLOW' && action !== 'DENY') ctx.report('CL2016', p, `the ${DRY_RUN} annotation only works with action ALLOW or DENY (action is ${String(action)})`)
    if (!BOOL.has(value)) ctx.report('CL2016', p, `the ${DRY_RUN} annotation must be "true" or "false"; got ${JSON.stringify(value)}`)
  },
}
