import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {analyzeYaml, deployment, doc, service, summary} from './helpers.js'

const vs = (name: string, ns: string, body: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
${body}`

describe('VirtualService destinations', () => {
  const base = [service('reviews', 'shop', {app: 'reviews'}, [9080]), deployment('reviews-v1', 'shop', {app: 'reviews', version: 'v1'})]

  it('resolves short names in the VirtualService namespace, FQDNs across namespaces, and wildcard ServiceEntries', () => {
    const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: eu, namespace: shop}
spec: {hosts: ['*.eu.example.com'], ports: [{number: 443, name: https, protocol: HTTPS}], resolution: DNS}`
    const ok = vs('ok', 'shop', `  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
  - route:
    - destination: {host: api.eu.example.com}`)
    const cross = vs('cross', 'front', `  hosts: [front]
  http:
  - route:
    - destination: {host: reviews.shop.svc.cluster.local}`)
    const bad = vs('bad', 'front', `  hosts: [front]
  http:
  - route:
    - destination: {host: reviews}`)
    const text = doc(...base, se, ok, cross, bad)
    const d = analyzeYaml(text)
    assert.deepEqual(summary(d, ['CL3010']), ['CL3010 VirtualService front/bad'], 'reviews in namespace front is reviews.front.svc.cluster.local, which does not exist')
    const f = d.find((x) => x.code === 'CL3010')!
    assert.equal(f.istioCode, 'IST0101')
    assert.equal(f.path, '/spec/http/0/route/0/destination/host')
    const lines = text.split('\n')
    const badAt = lines.findIndex((l) => l.includes('name: bad'))
    const hostLine = lines.findIndex((l, i) => i > badAt && l.includes('{host: reviews}')) + 1
    assert.equal(f.line, hostLine)
    assert.equal(f.column, lines[hostLine - 1]!.indexOf('host:') + 1, 'points at the host field')
  })

  it('locates every kind of destination: route entries, a route entry without destination, mirror, mirrors[] (tcp too)', () => {
    const text = doc(
      ...base,
      vs('paths', 'shop', `  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    - weight: 0
    mirror: {host: gone-a}
  - route:
    - destination: {host: gone-b}
    mirrors:
    - {destination: {host: reviews}}
    - {destination: {host: gone-c}}
  tcp:
  - route:
    - destination: {host: gone-d}`),
    )
    const paths = analyzeYaml(text)
      .filter((d) => d.code === 'CL3010')
      .map((d) => `${d.path} ${d.message.split(' matches')[0]}`)
      .sort()
    assert.deepEqual(paths, [
      '/spec/http/0/mirror/host destination host gone-a',
      '/spec/http/0/route/1 route destination has no host',
      '/spec/http/1/mirrors/1/destination/host destination host gone-c',
      '/spec/http/1/route/0/destination/host destination host gone-b',
      '/spec/tcp/0/route/0/destination/host destination host gone-d',
    ])
  })

  it('honours exportTo of Services (annotation) and ServiceEntries', () => {
    const hidden = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: private, namespace: other}
spec: {hosts: [private.example.com], exportTo: ['.'], resolution: DNS}`
    const svc = service('details', 'shop', {app: 'details'}, [9080], ', annotations: {networking.istio.io/exportTo: "."}')
    const v = vs('v', 'front', `  hosts: [front]
  http:
  - route:
    - destination: {host: private.example.com}
  - route:
    - destination: {host: details.shop.svc.cluster.local}`)
    const d = analyzeYaml(doc(...base, hidden, svc, v))
    assert.equal(d.filter((x) => x.code === 'CL3010').length, 2)
    assert.match(d.find((x) => x.code === 'CL3010')!.message, /not exported to namespace front/)
  })

  it('checks destination ports and asks for one when the service has several', () => {
    const two = service('multi', 'shop', {app: 'multi'}, [80, 443])
    const v = vs('ports', 'shop', `  hosts: [x]
  http:
  - route:
    - destination: {host: reviews, port: {number: 8080}}
  - route:
    - destination: {host: multi}
  - route:
    - destination: {host: multi, port: {number: 443}}`)
    const d = analyzeYaml(doc(...base, two, v))
    assert.deepEqual(summary(d, ['CL3011', 'CL3012']), ['CL3011 VirtualService shop/ports', 'CL3012 VirtualService shop/ports'])
    assert.equal(d.find((x) => x.code === 'CL3012')!.istioCode, 'IST0112')
  })

  it('reports a subset no DestinationRule defines, and accepts one that is defined', () => {
    const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}]`
    const v = vs('subsets', 'shop', `  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v2}
      weight: 50`)
    const d = analyzeYaml(doc(...base, dr, v))
    assert.deepEqual(summary(d, ['CL3013']), ['CL3013 VirtualService shop/subsets'])
    assert.equal(d.find((x) => x.code === 'CL3013')!.path, '/spec/http/0/route/1/destination/subset')
  })

  it('says once that hosts were not checked when the inputs hold no Service', () => {
    const v = vs('lonely', 'shop', `  hosts: [x]
  http:
  - route:
    - destination: {host: nowhere}`)
    const d = analyzeYaml(v)
    assert.deepEqual(summary(d, ['CL3010', 'CL3001']), ['CL3001 -'])
    assert.equal(d.find((x) => x.code === 'CL3001')!.severity, 'info')
  })
})

describe('VirtualService gateways', () => {
  const gw = (name: string, ns: string, hosts: string[]): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ${JSON.stringify(hosts)}`

  it('reports missing gateways and hosts the gateway does not serve, with namespace/host server syntax', () => {
    const gws = [gw('public', 'istio-system', ['shop/*.example.com']), gw('local', 'istio-system', ['./admin.example.com'])]
    const good = vs('good', 'shop', `  hosts: [www.example.com]
  gateways: [istio-system/public]
  http: [{route: [{destination: {host: www.example.com}}]}]`)
    const wrongNs = vs('wrong-ns', 'blog', `  hosts: [blog.example.com]
  gateways: [istio-system/public]
  http: [{route: [{destination: {host: blog.example.com}}]}]`)
    const dotNs = vs('dot-ns', 'shop', `  hosts: [admin.example.com]
  gateways: [istio-system/local]
  http: [{route: [{destination: {host: admin.example.com}}]}]`)
    const missing = vs('missing', 'shop', `  hosts: [www.example.com]
  gateways: [public, mesh]
  http: [{route: [{destination: {host: www.example.com}}]}]`)
    const d = analyzeYaml(doc(...gws, good, wrongNs, dotNs, missing))
    assert.deepEqual(summary(d, ['CL3016', 'CL3017']), ['CL3016 VirtualService shop/missing', 'CL3017 VirtualService blog/wrong-ns', 'CL3017 VirtualService shop/dot-ns'])
    assert.equal(d.find((x) => x.code === 'CL3016')!.path, '/spec/gateways/0')
    assert.equal(d.find((x) => x.code === 'CL3017')!.istioCode, 'IST0132')
  })

  it('reports VirtualServices defining one host for the mesh (IST0109), respecting exportTo, and on one gateway (warning)', () => {
    const a = vs('a', 'shop', `  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}}]}]`)
    const b = vs('b', 'front', `  hosts: [reviews.shop.svc.cluster.local]
  http: [{route: [{destination: {host: reviews.shop.svc.cluster.local}}]}]`)
    const privateA = vs('p1', 'team1', `  hosts: [ratings]
  exportTo: ['.']
  http: [{route: [{destination: {host: ratings}}]}]`)
    const privateB = vs('p2', 'team2', `  hosts: [ratings.team1.svc.cluster.local]
  exportTo: ['.']
  http: [{route: [{destination: {host: ratings}}]}]`)
    const g1 = vs('g1', 'shop', `  hosts: [www.example.com]
  gateways: [istio-system/public]
  http: [{route: [{destination: {host: reviews}}]}]`)
    const g2 = vs('g2', 'shop', `  hosts: [www.example.com]
  gateways: [istio-system/public]
  http: [{route: [{destination: {host: reviews}}]}]`)
    const d = analyzeYaml(doc(gw('public', 'istio-system', ['*']), a, b, privateA, privateB, g1, g2))
    assert.deepEqual(summary(d, ['CL3015', 'CL3019']), ['CL3015 VirtualService front/b', 'CL3015 VirtualService shop/a', 'CL3019 VirtualService shop/g1', 'CL3019 VirtualService shop/g2'])
    assert.equal(d.find((x) => x.code === 'CL3019')!.severity, 'warning')
  })
})

describe('route weights', () => {
  it('warns when weights do not total 100 and when a single destination has a weight other than 100', () => {
    const v = vs('w', 'shop', `  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 70
    - destination: {host: reviews, subset: v2}
      weight: 20
  - route:
    - destination: {host: reviews}
      weight: 50
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 70
    - destination: {host: reviews, subset: v2}
      weight: 30
  - route:
    - destination: {host: reviews}
      weight: 100
  tcp:
  - route:
    - destination: {host: reviews}
      weight: 60
    - destination: {host: reviews}
      weight: 60`)
    const d = analyzeYaml(v).filter((x) => x.code === 'CL3020' || x.code === 'CL3021')
    assert.deepEqual(
      d.map((x) => `${x.code} ${x.path} ${x.severity}`).sort(),
      ['CL3020 /spec/http/0/route warning', 'CL3020 /spec/tcp/0/route warning', 'CL3021 /spec/http/1/route/0/weight warning'],
    )
    assert.match(d.find((x) => x.path === '/spec/http/0/route')!.message, /total 90/)
  })
})

describe('ServiceEntry short hosts', () => {
  it('resolves a short ServiceEntry host in the entry namespace, like destination hosts', () => {
    const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: shop}
spec: {hosts: [legacy], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}`
    const here = vs('here', 'shop', `  hosts: [x]
  http: [{route: [{destination: {host: legacy}}]}]`)
    const there = vs('there', 'front', `  hosts: [y]
  http: [{route: [{destination: {host: legacy}}]}]`)
    assert.deepEqual(summary(analyzeYaml(doc(se, here, there)), ['CL3010']), ['CL3010 VirtualService front/there'])
  })
})

describe('inputs without DestinationRules or Gateways', () => {
  it('notes once that subsets and gateway references were not checked, instead of an error per route', () => {
    const v = vs('lonely', 'shop', `  hosts: [reviews]
  gateways: [public]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
  - route:
    - destination: {host: reviews, subset: v2}`)
    const d = analyzeYaml(doc(service('reviews', 'shop', {app: 'reviews'}, [80]), v))
    assert.deepEqual(summary(d, ['CL3013', 'CL3016']), [])
    const notes = d.filter((x) => x.code === 'CL3001').map((x) => x.message)
    assert.equal(notes.length, 2)
    assert.ok(notes.some((m) => m.includes('no DestinationRule')) && notes.some((m) => m.includes('no Gateway')))
  })
})

describe('name.namespace hosts', () => {
  it('are taken as written, as Istio does, with a hint at the full name', () => {
    const v = vs('short', 'front', `  hosts: [x]
  http: [{route: [{destination: {host: reviews.shop}}]}]`)
    const d = analyzeYaml(doc(service('reviews', 'shop', {app: 'reviews'}, [80]), v)).filter((x) => x.code === 'CL3010')
    assert.equal(d.length, 1)
    assert.match(d[0]!.message, /write reviews\.shop\.svc\.cluster\.local/)
  })
})

describe('delegates and ServiceEntry selectors', () => {
  it('reports delegation to a missing VirtualService or to one with hosts', () => {
    const root = vs('root', 'shop', `  hosts: [shop.example.com]
  http:
  - match: [{uri: {prefix: /a}}]
    delegate: {name: a}
  - match: [{uri: {prefix: /b}}]
    delegate: {name: b, namespace: other}
  - delegate: {name: full}`)
    const a = vs('a', 'shop', `  http: [{route: [{destination: {host: reviews}}]}]`)
    const full = vs('full', 'shop', `  hosts: [full]
  http: [{route: [{destination: {host: reviews}}]}]`)
    const d = analyzeYaml(doc(service('reviews', 'shop', {app: 'reviews'}, [80]), root, a, full))
    assert.deepEqual(d.filter((x) => x.code === 'CL3025' || x.code === 'CL3026').map((x) => `${x.code} ${x.path}`), ['CL3025 /spec/http/1/delegate', 'CL3026 /spec/http/2/delegate'])
  })

  it('warns when a ServiceEntry workloadSelector matches no workload of its namespace', () => {
    const se = (name: string, app: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: vms}
spec:
  hosts: [${name}.example.internal]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: ${app}}}`
    const we = `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: vms}
spec: {address: 10.0.0.7, labels: {app: legacy}}`
    const d = analyzeYaml(doc(se('ok', 'legacy'), se('empty', 'ghost'), we))
    assert.deepEqual(summary(d, ['CL3062']), ['CL3062 ServiceEntry vms/empty'])
  })
})
