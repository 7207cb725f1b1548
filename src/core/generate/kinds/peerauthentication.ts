import type {Obj} from '../../model/resource.js'
import type {Problem} from '../values.js'
import {duplicates, fromSkeleton, list, map, type Generator} from './common.js'

export const peerAuthentication: Generator = {
  check(p) {
    const out: Problem[] = []
    const hasSelector = Object.keys(map(p.selector)).length > 0
    const ports = list<{port: number; mode: string}>(p.portModes)
    if (ports.length && !hasSelector) out.push({code: 'CL7007', pointer: '/portModes', message: 'per-port modes need a workload selector (--selector KEY=VALUE); Istio ignores them on namespace-wide policies'})
    out.push(...duplicates(ports.map((x) => String(x.port)), (i) => `/portModes/${i}/port`, 'port'))
    if (p.meshWide === true) {
      if (hasSelector) out.push({code: 'CL7007', pointer: '/selector', message: 'a mesh-wide policy applies to every workload; it cannot have a selector'})
      if (p.namespace !== p.rootNamespace) out.push({code: 'CL7007', pointer: '/namespace', message: `a mesh-wide policy lives in the root namespace '${String(p.rootNamespace)}', not '${String(p.namespace)}' (use --root-namespace to change it)`})
    }
    return out
  },

  render(p, skeleton) {
    const pa = fromSkeleton(skeleton, 'PeerAuthentication', {name: String(p.name), namespace: String(p.namespace)})
    const spec: Obj = {}
    const selector = map(p.selector)
    if (Object.keys(selector).length) spec.selector = {matchLabels: {...selector}}
    spec.mtls = {mode: p.mode}
    const ports = list<{port: number; mode: string}>(p.portModes)
    if (ports.length) spec.portLevelMtls = Object.fromEntries([...ports].sort((a, b) => a.port - b.port).map((x) => [String(x.port), {mode: x.mode}]))
    pa.spec = spec
    return [pa]
  },
}
