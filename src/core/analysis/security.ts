/** Cross-resource checks of AuthorizationPolicy and PeerAuthentication against the inventory. */
import {isObj, specOf, type Resource} from '../model/resource.js'
import type {CleatAnalyzer} from './analyzer.js'
import {istioGlobMatch} from './hosts.js'
import {hasKeys, labelText, meshIndex, objList, stringList, type MeshIndex} from './mesh-index.js'

function selectsNothing(idx: MeshIndex, r: Resource): {sel: Record<string, string>} | undefined {
  const sel = idx.policySelector(r)
  const ns = idx.ns(r)
  const scopeNs = ns === idx.inventory.rootNamespace ? null : ns
  if (sel && hasKeys(sel)) return idx.selectWorkloads(sel, scopeNs).length === 0 ? {sel} : undefined
  if (scopeNs === null) return undefined
  return idx.workloadsIn(ns).length === 0 ? {sel: {}} : undefined
}

function hasTarget(r: Resource): boolean {
  const spec = specOf(r)
  if (isObj(spec.targetRef)) return true
  const refs = spec.targetRefs
  return Array.isArray(refs) && refs.some(isObj)
}

const NAMESPACE_FIELDS = ['namespaces', 'notNamespaces'] as const
const PRINCIPAL_FIELDS = ['principals', 'notPrincipals'] as const

export const authorizationWorkloadAnalyzer: CleatAnalyzer = {
  name: 'authorizationpolicy-workloads',
  istioAnalyzers: ['auth.AuthorizationPoliciesAnalyzer'],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    const namespaceObjects = (inv.byKind.get('Namespace') ?? []).length > 0
    for (const ap of idx.kind('AuthorizationPolicy')) {
      const ns = idx.ns(ap)
      if (inv.hasWorkloads && !hasTarget(ap)) {
        const none = selectsNothing(idx, ap)
        if (none) {
          const what = Object.keys(none.sel).length > 0 ? `selector ${labelText(none.sel)} matches no workload` : `namespace ${ns} has no workload`
          ctx.report('CL3070', ap, Object.keys(none.sel).length > 0 ? '/spec/selector/matchLabels' : '', `${what} in the inputs, so this policy applies to nothing`)
        }
      }
      if (!namespaceObjects) continue
      forEachSourceValue(ap, NAMESPACE_FIELDS, (pattern, field, pointer) => {
        if (!matchesSomeNamespace(idx.namespaces, pattern)) ctx.report('CL3072', ap, pointer, `${field} entry ${pattern} matches no namespace in the inputs`)
      })
    }
  },
}

/** Calls `fn` for every string of the given `rules[].from[].source` fields, with its JSON pointer. */
function forEachSourceValue(ap: Resource, fields: readonly string[], fn: (value: string, field: string, pointer: string) => void): void {
  const rules = objList(specOf(ap).rules)
  for (let i = 0; i < rules.length; i++) {
    const froms = objList(rules[i]!.from)
    for (let j = 0; j < froms.length; j++) {
      const source = froms[j]!.source
      if (!isObj(source)) continue
      for (const field of fields) {
        const values = stringList(source[field]) ?? []
        for (let k = 0; k < values.length; k++) fn(values[k]!, field, `/spec/rules/${i}/from/${j}/source/${field}/${k}`)
      }
    }
  }
}

function matchesSomeNamespace(namespaces: ReadonlySet<string>, pattern: string): boolean {
  for (const n of namespaces) if (istioGlobMatch(pattern, n)) return true
  return false
}

const PRINCIPAL = /^(?:[^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/

export const principalAnalyzer: CleatAnalyzer = {
  name: 'authorizationpolicy-principals',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    if (!inv.hasWorkloads) return
    const idx = meshIndex(inv)
    for (const ap of idx.kind('AuthorizationPolicy')) {
      forEachSourceValue(ap, PRINCIPAL_FIELDS, (p, _field, pointer) => {
        const m = PRINCIPAL.exec(p)
        if (!m || p.includes('*')) return
        const [, ns, sa] = m
        if (!inv.serviceAccounts.has(`${ns}/${sa}`)) ctx.report('CL3073', ap, pointer, `principal ${p} names service account ${ns}/${sa}, which no workload or ServiceAccount in the inputs uses`)
      })
    }
  },
}

export const allowNothingAnalyzer: CleatAnalyzer = {
  name: 'authorizationpolicy-allow-nothing',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    const idx = meshIndex(inv)
    for (const ap of idx.kind('AuthorizationPolicy')) {
      const spec = specOf(ap)
      const action = typeof spec.action === 'string' ? spec.action : 'ALLOW'
      if (action !== 'ALLOW' || (Array.isArray(spec.rules) && spec.rules.length > 0)) continue
      const sel = idx.policySelector(ap)
      if ((sel && hasKeys(sel)) || hasTarget(ap)) continue
      const ns = idx.ns(ap)
      const scope = ns === inv.rootNamespace ? 'every workload in the mesh' : `every workload in namespace ${ns}`
      ctx.report('CL3074', ap, '', `ALLOW policy without rules: it denies all requests to ${scope} unless another ALLOW policy matches (deny-all by design?)`)
    }
  },
}

export const peerAuthenticationWorkloadAnalyzer: CleatAnalyzer = {
  name: 'peerauthentication-workloads',
  istioAnalyzers: [],
  analyze(inv, ctx) {
    if (!inv.hasWorkloads) return
    const idx = meshIndex(inv)
    for (const pa of idx.kind('PeerAuthentication')) {
      const sel = idx.policySelector(pa)
      if (!sel || !hasKeys(sel)) continue
      const ns = idx.ns(pa)
      if (idx.selectWorkloads(sel, ns === inv.rootNamespace ? null : ns).length > 0) continue
      ctx.report('CL3071', pa, '/spec/selector/matchLabels', `selector ${labelText(sel)} matches no workload in namespace ${ns} in the inputs, so this policy applies to nothing`)
    }
  },
}

const K8S_GATEWAY_LABEL = 'gateway.networking.k8s.io/gateway-name'

export const k8sGatewaySelectorAnalyzer: CleatAnalyzer = {
  name: 'policy-selector-on-k8s-gateway',
  istioAnalyzers: ['k8sgateway.SelectorAnalyzer'],
  analyze(inv, ctx) {
    if (!inv.hasWorkloads) return
    const idx = meshIndex(inv)
    // Only workloads of a Kubernetes Gateway carry the label: without one there is nothing to find.
    if (!idx.hasWorkloadLabel(K8S_GATEWAY_LABEL)) return
    for (const r of [...idx.kind('AuthorizationPolicy'), ...idx.kind('RequestAuthentication')]) {
      if (hasTarget(r)) continue
      const sel = idx.policySelector(r)
      if (!sel || !hasKeys(sel)) continue
      const pod = idx.selectWorkloads(sel, idx.ns(r)).find((w) => w.labels[K8S_GATEWAY_LABEL] !== undefined)
      if (!pod) continue
      ctx.report('CL3082', r, '/spec/selector', `selector matches ${pod.kind} ${pod.namespace}/${pod.name} of Kubernetes Gateway ${pod.labels[K8S_GATEWAY_LABEL]}, where a selector has no effect; use targetRefs to attach the policy to the Gateway`)
    }
  },
}
