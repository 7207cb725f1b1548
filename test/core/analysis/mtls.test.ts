import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {effectiveMtls} from '../../../src/core/analysis/mtls-mode.js'
import {analyzeYaml, deployment, doc, inventoryOf, service, summary} from './helpers.js'

const pa = (name: string, ns: string, spec: string): string => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}`

const dr = (tls: string, extra = ''): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  trafficPolicy:
${tls}${extra}`

const svc = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080, targetPort: 8080}
  - {name: metrics, port: 9090, targetPort: 15020}`

const workload = deployment('reviews-v1', 'shop', {app: 'reviews', version: 'v1'})

describe('effective PeerAuthentication mode', () => {
  it('takes workload over namespace over root namespace, with portLevelMtls and UNSET inheriting', () => {
    const text = doc(
      workload,
      deployment('other', 'shop', {app: 'other'}),
      deployment('elsewhere', 'blog', {app: 'blog'}),
      pa('mesh', 'istio-system', '  mtls: {mode: STRICT}'),
      pa('ns', 'shop', '  mtls: {mode: PERMISSIVE}'),
      pa('wl', 'shop', '  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: UNSET}\n  portLevelMtls:\n    "8080": {mode: DISABLE}'),
    )
    const inv = inventoryOf(text)
    const w = (name: string) => inv.workloads.find((x) => x.name === name)!
    assert.equal(effectiveMtls(inv, w('reviews-v1'), 8080).mode, 'DISABLE', 'port level wins')
    assert.equal(effectiveMtls(inv, w('reviews-v1'), 15020).mode, 'PERMISSIVE', 'UNSET inherits from the namespace policy')
    assert.equal(effectiveMtls(inv, w('reviews-v1'), 15020).policy, 'shop/ns')
    assert.equal(effectiveMtls(inv, w('other'), 8080).mode, 'PERMISSIVE')
    assert.equal(effectiveMtls(inv, w('elsewhere'), 8080).mode, 'STRICT', 'root namespace applies mesh-wide')
  })

  it('defaults to PERMISSIVE without any policy', () => {
    const inv = inventoryOf(workload)
    assert.deepEqual(effectiveMtls(inv, inv.workloads[0]!, 8080), {mode: 'PERMISSIVE', policy: null})
  })
})

describe('mTLS conflicts between DestinationRules and PeerAuthentications', () => {
  it('reports DISABLE or SIMPLE toward a STRICT workload, on the tls.mode field', () => {
    for (const mode of ['DISABLE', 'SIMPLE']) {
      const d = analyzeYaml(doc(svc, workload, pa('strict', 'shop', '  mtls: {mode: STRICT}'), dr(`    tls: {mode: ${mode}}`)))
      const c = d.filter((x) => x.code === 'CL3034')
      assert.equal(c.length, 2, `${mode}: one finding per service port`)
      assert.equal(c[0]!.path, '/spec/trafficPolicy/tls/mode')
      assert.equal(c[0]!.severity, 'error')
    }
  })

  it('is per port: a port-level STRICT only conflicts on that port, a port-level client setting only on its port', () => {
    const perPortServer = pa('wl', 'shop', '  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: PERMISSIVE}\n  portLevelMtls:\n    "8080": {mode: STRICT}')
    const d = analyzeYaml(doc(svc, workload, perPortServer, dr('    tls: {mode: DISABLE}')))
    assert.deepEqual(d.filter((x) => x.code === 'CL3034').map((x) => x.message.match(/port (\d+)/)![1]), ['9080'])
    const portClient = dr('    portLevelSettings:\n    - port: {number: 9090}\n      tls: {mode: DISABLE}')
    const d2 = analyzeYaml(doc(svc, workload, pa('strict', 'shop', '  mtls: {mode: STRICT}'), portClient))
    const c2 = d2.filter((x) => x.code === 'CL3034')
    assert.equal(c2.length, 1)
    assert.equal(c2[0]!.path, '/spec/trafficPolicy/portLevelSettings/0/tls/mode')
  })

  it('reports ISTIO_MUTUAL toward a DISABLE workload, and nothing for compatible pairs', () => {
    const d = analyzeYaml(doc(svc, workload, pa('off', 'shop', '  mtls: {mode: DISABLE}'), dr('    tls: {mode: ISTIO_MUTUAL}')))
    assert.equal(d.filter((x) => x.code === 'CL3035').length, 2)
    const ok = analyzeYaml(doc(svc, workload, pa('strict', 'shop', '  mtls: {mode: STRICT}'), dr('    tls: {mode: ISTIO_MUTUAL}')))
    assert.deepEqual(summary(ok, ['CL3034', 'CL3035']), [])
    const permissive = analyzeYaml(doc(svc, workload, pa('p', 'shop', '  mtls: {mode: PERMISSIVE}'), dr('    tls: {mode: DISABLE}')))
    assert.deepEqual(summary(permissive, ['CL3034', 'CL3035']), [])
  })

  it('applies a subset traffic policy to the subset workloads only', () => {
    const v2 = deployment('reviews-v2', 'shop', {app: 'reviews', version: 'v2'})
    const strictV2 = pa('v2', 'shop', '  selector: {matchLabels: {version: v2}}\n  mtls: {mode: STRICT}')
    const sub = dr('    loadBalancer: {simple: ROUND_ROBIN}', '\n  subsets:\n  - name: v1\n    labels: {version: v1}\n    trafficPolicy: {tls: {mode: DISABLE}}')
    assert.deepEqual(summary(analyzeYaml(doc(svc, workload, v2, strictV2, sub)), ['CL3034']), [])
    const subV2 = dr('    loadBalancer: {simple: ROUND_ROBIN}', '\n  subsets:\n  - name: v2\n    labels: {version: v2}\n    trafficPolicy: {tls: {mode: DISABLE}}')
    const d = analyzeYaml(doc(svc, workload, v2, strictV2, subV2)).filter((x) => x.code === 'CL3034')
    assert.equal(d.length, 2)
    assert.equal(d[0]!.path, '/spec/subsets/0/trafficPolicy/tls/mode')
  })
})
