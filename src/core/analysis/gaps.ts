/**
 * Say once, as an info, when the inputs lack what a family of checks needs (no Services, no
 * workloads, no Secrets, no Namespaces), instead of skipping those checks silently.
 */
import {isObj, specOf} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {matchLabels, meshIndex, objList, stringList} from './mesh-index.js'
import {destinations} from './routes.js'

/** `(stringList(v) ?? []).length > 0` without the copy. */
function hasString(v: unknown): boolean {
  return Array.isArray(v) && v.some((x) => typeof x === 'string')
}

export const inventoryGapAnalyzer: CleatAnalyzer = {
  name: 'inventory-gaps',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    const vss = idx.kind('VirtualService')
    const drs = idx.kind('DestinationRule')
    if (!inv.hasServices && (drs.length > 0 || vss.some((vs) => destinations(vs).length > 0))) {
      ctx.report('CL3001', null, '', 'no Service or ServiceEntry in the inputs: VirtualService destination hosts, ports and DestinationRule hosts were not checked (add the Service manifests to check them)')
    }
    if (drs.length === 0 && vss.some((vs) => destinations(vs).some((d) => typeof d.destination.subset === 'string'))) {
      ctx.report('CL3001', null, '', 'no DestinationRule in the inputs: the subsets used by VirtualService routes were not checked')
    }
    // (each condition is checked only when the finding could be reported at all)
    if (!(inv.byKind.get('Gateway')?.length ?? 0) && idx.gateways.size === 0 && vss.some((vs) => (stringList(specOf(vs).gateways) ?? []).some((g) => g !== 'mesh'))) {
      ctx.report('CL3001', null, '', 'no Gateway in the inputs: the gateways VirtualServices bind to were not checked')
    }
    const needsWorkloads = (): boolean =>
      idx.kind('Gateway').length > 0 ||
      drs.some((dr) => objList(specOf(dr).subsets).length > 0) ||
      idx.kind('Sidecar').some((s) => matchLabels(specOf(s), 'workloadSelector')) ||
      idx.kind('AuthorizationPolicy').length > 0 ||
      idx.kind('PeerAuthentication').some((p) => matchLabels(specOf(p), 'selector'))
    if (!inv.hasWorkloads && needsWorkloads()) {
      ctx.report('CL3001', null, '', 'no workloads (Pod, Deployment, StatefulSet, DaemonSet, WorkloadEntry, ...) in the inputs: gateway, Sidecar and policy selectors, DestinationRule subsets, principals and mTLS conflicts were not checked')
    }
    const credentials = (): boolean => idx.kind('Gateway').some((g) => objList(specOf(g).servers).some((s) => isObj(s.tls) && typeof s.tls.credentialName === 'string'))
    if (!(inv.byKind.get('Secret')?.length ?? 0) && credentials()) {
      ctx.report('CL3001', null, '', 'no Secret in the inputs: gateway credentialName references were not checked')
    }
    const nsRefs = (): boolean => idx.kind('AuthorizationPolicy').some((ap) => objList(specOf(ap).rules).some((r) => objList(r.from).some((f) => isObj(f.source) && (hasString(f.source.namespaces) || hasString(f.source.notNamespaces)))))
    if (!(inv.byKind.get('Namespace')?.length ?? 0) && nsRefs()) {
      ctx.report('CL3001', null, '', 'no Namespace objects in the inputs: AuthorizationPolicy source namespaces were not checked')
    }
  },
}
