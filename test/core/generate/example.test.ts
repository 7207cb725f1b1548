import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {parseSource} from '../../../src/core/input/documents.js'
import {formatResources, generateResources, readSpecFile, specRequests} from '../../../src/core/generate/index.js'
import {validateSources} from '../../../src/core/validate/engine.js'
import {REPO_ROOT} from '../../helpers/paths.js'

const SPEC = path.join('examples', 'shop.spec.yaml')

describe('the bundled example', () => {
  it('examples/shop.yaml is what examples/shop.spec.yaml generates (regenerate: cleat generate --from examples/shop.spec.yaml --out-file examples/shop.yaml --force)', async () => {
    const spec = await readSpecFile(SPEC, {cwd: REPO_ROOT})
    assert.deepEqual(spec.diagnostics, [])
    const result = generateResources(spec.requests)
    assert.deepEqual(result.errors, [])
    assert.equal(formatResources(result.resources, 'yaml'), await readFile(path.join(REPO_ROOT, 'examples', 'shop.yaml'), 'utf8'))
  })

  it('has what the README promises: workloads, a 70/30 split, subsets, STRICT mTLS, deny-all and allow policies', async () => {
    const report = validateSources([{file: 'examples/shop.yaml', text: await readFile(path.join(REPO_ROOT, 'examples', 'shop.yaml'), 'utf8')}])
    const kinds = report.resources.map((r) => `${r.kind}/${r.name}`)
    for (const k of ['Namespace/shop', 'Deployment/orders-v1', 'Deployment/orders-v2', 'Service/orders', 'ServiceAccount/frontend', 'VirtualService/orders', 'DestinationRule/orders', 'PeerAuthentication/default', 'AuthorizationPolicy/deny-all', 'AuthorizationPolicy/allow-orders', 'AuthorizationPolicy/allow-payments']) {
      assert.ok(kinds.includes(k), k)
    }
    const vs = report.resources.find((r) => r.kind === 'VirtualService')!
    const weights = ((vs.obj.spec as {http: {route: {weight: number}[]}[]}).http[0]!.route).map((d) => d.weight)
    assert.deepEqual(weights, [70, 30])
    assert.deepEqual(report.resources.find((r) => r.name === 'deny-all')!.obj.spec, {})
  })

  it('round trip: spec → generate → validate with every rule and analyzer: no errors or warnings', async () => {
    const text = await readFile(path.join(REPO_ROOT, SPEC), 'utf8')
    const spec = specRequests(parseSource({file: SPEC, text}).docs[0]!)
    const out = formatResources(generateResources(spec.requests).resources, 'yaml')
    const report = validateSources([{file: 'shop.yaml', text: out}])
    assert.deepEqual(report.diagnostics.filter((d) => d.severity !== 'info'), [])
    // The only note allowed is the one that says deny-all denies by design.
    for (const d of report.diagnostics) assert.equal(d.resource?.name, 'deny-all', d.message)
  })

  it('round trip without a deny-all policy: 0 findings', () => {
    const text = [
      'apiVersion: cleat.dev/v1alpha1',
      'kind: GenerateSpec',
      'defaults: {namespace: shop}',
      'resources:',
      '- {generate: namespace, name: shop}',
      '- {generate: workload, name: reviews, image: example/reviews:1, versions: [v1, v2]}',
      '- {generate: workload, name: ratings, image: example/ratings:1}',
      '- {generate: virtualservice, name: reviews, hosts: [reviews], port: 8080, subsets: [{name: v1, weight: 80}, {name: v2, weight: 20}], timeout: 3s}',
      '- {generate: destinationrule, name: reviews, host: reviews, tls: ISTIO_MUTUAL, loadBalancer: LEAST_REQUEST, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}',
      '- {generate: peerauthentication, mode: STRICT}',
      '- {generate: authorizationpolicy, name: ratings-from-reviews, selector: {app: ratings}, action: ALLOW, fromPrincipals: [cluster.local/ns/shop/sa/reviews], methods: [GET], ports: [8080]}',
      '',
    ].join('\n')
    const spec = specRequests(parseSource({file: 'rt.spec.yaml', text}).docs[0]!)
    assert.deepEqual(spec.diagnostics, [])
    const gen = generateResources(spec.requests)
    assert.deepEqual(gen.errors, [])
    assert.equal(gen.resources.length, 12)
    const report = validateSources([{file: 'rt.yaml', text: formatResources(gen.resources, 'yaml')}])
    assert.deepEqual(report.diagnostics, [])
  })

  it('the spec file itself is harmless input for cleat validate (a counted non-Istio kind)', async () => {
    const report = validateSources([{file: SPEC, text: await readFile(path.join(REPO_ROOT, SPEC), 'utf8')}])
    assert.deepEqual(report.diagnostics, [])
  })

  it('spec defaults fill entries, except where another field fixes the value (mesh-wide policies)', () => {
    const text = 'apiVersion: cleat.dev/v1alpha1\nkind: GenerateSpec\ndefaults: {namespace: shop, rootNamespace: mesh-root, trustDomain: example.org}\nresources:\n- {generate: peerauthentication, meshWide: true, mode: STRICT}\n- {generate: peerauthentication, mode: PERMISSIVE}\n- {generate: zero-trust, allow: [{from: [a], to: b}]}\n'
    const spec = specRequests(parseSource({file: 'd.spec.yaml', text}).docs[0]!)
    assert.deepEqual(spec.diagnostics, [])
    assert.deepEqual(spec.requests.map((r) => r.params.namespace), ['mesh-root', 'shop', 'shop'])
    assert.equal(spec.requests[2]!.params.trustDomain, 'example.org')
    assert.equal(spec.requests[1]!.params.rootNamespace, 'mesh-root')
  })
})
