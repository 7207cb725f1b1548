import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {filterByNamespace} from '../../../src/core/analysis/index.js'
import {analyzeYaml, deployment, doc, service, summary} from './helpers.js'

const ingress = [
  `apiVersion: v1\nkind: Pod\nmetadata: {name: gw-1, namespace: istio-system, labels: {istio: ingressgateway}}`,
  `apiVersion: v1\nkind: Service\nmetadata: {name: istio-ingressgateway, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  ports:\n  - {name: http2, port: 80, targetPort: 8080}\n  - {name: https, port: 443, targetPort: 8443}`,
]

const gateway = (name: string, selector: Record<string, string>, servers: string): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  selector: ${JSON.stringify(selector)}
  servers:
${servers}`

describe('Gateway analysis', () => {
  it('reports a selector without workload and a port that no Service targets', () => {
    const d = analyzeYaml(
      doc(
        ...ingress,
        gateway('ok', {istio: 'ingressgateway'}, '  - port: {number: 8080, name: http, protocol: HTTP}\n    hosts: [a.example.com]'),
        gateway('badport', {istio: 'ingressgateway'}, '  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [b.example.com]'),
        gateway('orphan', {istio: 'egressgateway'}, '  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [c.example.com]'),
      ),
    )
    assert.deepEqual(summary(d, ['CL3040', 'CL3041']), ['CL3040 Gateway istio-system/orphan', 'CL3041 Gateway istio-system/badport'])
    assert.equal(d.find((x) => x.code === 'CL3041')!.path, '/spec/servers/0/port/number')
  })

  it('reports gateways on the same workloads and port with overlapping hosts (wildcards too), and shared certificates', () => {
    const tls = (cred: string) => `    tls: {mode: SIMPLE, credentialName: ${cred}}`
    const d = analyzeYaml(
      doc(
        ...ingress,
        gateway('a', {istio: 'ingressgateway'}, `  - port: {number: 8443, name: https, protocol: HTTPS}\n    hosts: [www.example.com]\n${tls('cert-a')}`),
        gateway('b', {istio: 'ingressgateway'}, `  - port: {number: 8443, name: https, protocol: HTTPS}\n    hosts: ["*.example.com"]\n${tls('cert-b')}`),
        gateway('c', {istio: 'ingressgateway'}, `  - port: {number: 8443, name: https, protocol: HTTPS}\n    hosts: [api.other.com]\n${tls('cert-a')}`),
        gateway('d', {istio: 'ingressgateway'}, `  - port: {number: 8080, name: http, protocol: HTTP}\n    hosts: [www.example.com]`),
      ),
    )
    assert.deepEqual(summary(d, ['CL3042', 'CL3043']), ['CL3042 Gateway istio-system/a', 'CL3042 Gateway istio-system/b', 'CL3043 Gateway istio-system/a', 'CL3043 Gateway istio-system/c'])
    assert.equal(d.find((x) => x.code === 'CL3042')!.istioCode, 'IST0145')
  })

  it('does not call gateways conflicting when no proxy serves both', () => {
    const server = '  - port: {number: 8443, name: https, protocol: HTTPS}\n    hosts: [www.example.com]'
    const d = analyzeYaml(doc(...ingress, gateway('e', {istio: 'egressgateway'}, server), gateway('f', {istio: 'egressgateway', extra: 'x'}, server)))
    assert.deepEqual(summary(d, ['CL3042', 'CL3040']), ['CL3040 Gateway istio-system/e', 'CL3040 Gateway istio-system/f'])
  })
})

describe('Sidecar analysis', () => {
  const sidecar = (name: string, ns: string, selector?: Record<string, string>): string =>
    `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${selector ? `  workloadSelector: {labels: ${JSON.stringify(selector)}}\n` : ''}  egress: [{hosts: ["./*"]}]`
  it('reports selectors without workload, overlapping selectors and several namespace-wide Sidecars', () => {
    const d = analyzeYaml(
      doc(
        deployment('web', 'shop', {app: 'web', tier: 'front'}),
        sidecar('one', 'shop'),
        sidecar('two', 'shop'),
        sidecar('app', 'shop', {app: 'web'}),
        sidecar('tier', 'shop', {tier: 'front'}),
        sidecar('none', 'shop', {app: 'gone'}),
      ),
    )
    assert.deepEqual(summary(d, ['CL3050', 'CL3051', 'CL3052']), [
      'CL3050 Sidecar shop/none',
      'CL3051 Sidecar shop/app',
      'CL3051 Sidecar shop/tier',
      'CL3052 Sidecar shop/one',
      'CL3052 Sidecar shop/two',
    ])
  })
})

describe('DestinationRule analysis', () => {
  const dr = (spec: string): string => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n${spec}`
  it('reports subsets selecting no workload (IST0173), unknown hosts (IST0174) and TLS without CA (IST0128/IST0129)', () => {
    const d = analyzeYaml(
      doc(
        service('reviews', 'shop', {app: 'reviews'}, [9080]),
        deployment('reviews-v1', 'shop', {app: 'reviews', version: 'v1'}),
        dr('  host: reviews\n  subsets:\n  - {name: v1, labels: {version: v1}}\n  - {name: v9, labels: {version: v9}}'),
        dr('  host: ghost\n  trafficPolicy:\n    tls: {mode: SIMPLE}\n    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: MUTUAL, caCertificates: /etc/ca.pem}\n    - port: {number: 8443}\n      tls: {mode: SIMPLE}'),
      ),
    )
    assert.deepEqual(summary(d, ['CL3030', 'CL3031', 'CL3032', 'CL3033']), ['CL3030 DestinationRule shop/reviews', 'CL3031 DestinationRule shop/reviews', 'CL3032 DestinationRule shop/reviews', 'CL3033 DestinationRule shop/reviews'])
    assert.equal(d.find((x) => x.code === 'CL3030')!.path, '/spec/subsets/1')
    assert.equal(d.find((x) => x.code === 'CL3033')!.path, '/spec/trafficPolicy/portLevelSettings/1/tls/mode')
  })
})

describe('VirtualService rule order', () => {
  it('reports an http rule whose matches are all taken earlier, and tcp rules after a catch-all or with repeated matches', () => {
    const d = analyzeYaml(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: order, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /api/v2}, method: {exact: GET}}, {uri: {prefix: /other}}]
    route: [{destination: {host: reviews}}]
  - match: [{name: again, uri: {prefix: /api}}]
    route: [{destination: {host: reviews}}]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: reviews}}]
  - match: [{port: 31400}, {port: 31401}]
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]`)
    assert.deepEqual(
      d.filter((x) => x.code === 'CL3023' || x.code === 'CL3024').map((x) => `${x.code} ${x.path} ${x.istioCode}`),
      ['CL3023 /spec/http/2 IST0130', 'CL3024 /spec/tcp/1/match/0 IST0131', 'CL3023 /spec/tcp/3 IST0130'],
    )
  })
})

describe('namespace filter', () => {
  it('keeps findings of the selected namespaces and findings without a resource', () => {
    const d = analyzeYaml(
      doc(
        service('a', 'shop', {app: 'a'}, [80]),
        `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x, namespace: shop}\nspec:\n  hosts: [x]\n  http: [{route: [{destination: {host: nope}}]}]`,
        `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: y}\nspec:\n  hosts: [y]\n  http: [{route: [{destination: {host: nope}}]}]`,
      ),
    )
    assert.equal(d.filter((x) => x.code === 'CL3010').length, 2)
    assert.deepEqual(summary(filterByNamespace(d, ['shop']), ['CL3010']), ['CL3010 VirtualService shop/x'])
    assert.deepEqual(summary(filterByNamespace(d, ['default']), ['CL3010']), ['CL3010 VirtualService /y'])
    assert.equal(filterByNamespace(d, []).length, d.length)
    const note = {...d[0]!, resource: null}
    assert.equal(filterByNamespace([note], ['elsewhere']).length, 1)
  })
})
