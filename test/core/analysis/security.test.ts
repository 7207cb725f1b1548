import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {analyzeYaml, deployment, doc, summary} from './helpers.js'

const ap = (name: string, ns: string, spec: string): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}`

const ns = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}`

describe('AuthorizationPolicy and PeerAuthentication against the inventory', () => {
  const base = [ns('shop'), ns('front'), deployment('reviews', 'shop', {app: 'reviews'}, 'reviews'), deployment('web', 'front', {app: 'web'}, 'web')]

  it('reports selectors that match no workload, for AuthorizationPolicy (IST0127) and PeerAuthentication', () => {
    const d = analyzeYaml(
      doc(
        ...base,
        ap('good', 'shop', '  selector: {matchLabels: {app: reviews}}\n  rules: [{}]'),
        ap('typo', 'shop', '  selector: {matchLabels: {app: review}}\n  rules: [{}]'),
        ap('mesh', 'istio-system', '  selector: {matchLabels: {app: web}}\n  rules: [{}]'),
        `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: pa, namespace: shop}\nspec:\n  selector: {matchLabels: {app: gone}}\n  mtls: {mode: STRICT}`,
      ),
    )
    assert.deepEqual(summary(d, ['CL3070', 'CL3071']), ['CL3070 AuthorizationPolicy shop/typo', 'CL3071 PeerAuthentication shop/pa'])
    assert.equal(d.find((x) => x.code === 'CL3070')!.istioCode, 'IST0127')
    assert.equal(d.find((x) => x.code === 'CL3071')!.istioCode, null)
  })

  it('warns about principals naming an unknown service account, and source namespaces that match nothing', () => {
    const spec = `  selector: {matchLabels: {app: reviews}}
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/front/sa/web, cluster.local/ns/front/sa/webb, "*/ns/front/sa/*"]
    - source:
        namespaces: [front, "fr*", "nope-*"]`
    const d = analyzeYaml(doc(...base, ap('from', 'shop', spec)))
    const principals = d.filter((x) => x.code === 'CL3073')
    assert.equal(principals.length, 1)
    assert.equal(principals[0]!.severity, 'warning')
    assert.equal(principals[0]!.path, '/spec/rules/0/from/0/source/principals/1')
    const nsd = d.filter((x) => x.code === 'CL3072')
    assert.deepEqual(nsd.map((x) => x.path), ['/spec/rules/0/from/1/source/namespaces/2'])
    assert.equal(nsd[0]!.istioCode, 'IST0101')
  })

  it('notes a namespace-wide ALLOW policy without rules (deny-all) as info, and not a DENY or selected one', () => {
    const d = analyzeYaml(doc(...base, ap('deny-all', 'shop', '  {}'), ap('deny', 'shop', '  action: DENY'), ap('sel', 'shop', '  selector: {matchLabels: {app: reviews}}')))
    const infos = d.filter((x) => x.code === 'CL3074')
    assert.deepEqual(infos.map((x) => x.resource?.name), ['deny-all'])
    assert.equal(infos[0]!.severity, 'info')
  })

  it('says once that selectors were not checked when the inputs hold no workload', () => {
    const d = analyzeYaml(ap('typo', 'shop', '  selector: {matchLabels: {app: review}}'))
    assert.deepEqual(summary(d, ['CL3070', 'CL3001']), ['CL3001 -'])
  })
})
