// Online mode of `vm bootstrap` / `vm revoke`.
// No real Kubernetes API server can run in this test environment, so these tests run against the in-process
// test stand-in test/helpers/kube-api-server.ts (TLS, bearer auth, Status errors, TokenRequest with
// boundObjectRef and a TokenReview-like verifyToken), through the real @kubernetes/client-node adapter.
import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {createKubeClient} from '../../../src/adapters/kube.js'
import {bootstrapFleet, type BootstrapSettings} from '../../../src/core/vm/bootstrap.js'
import {bootstrapSecretName, revokeVm} from '../../../src/core/vm/online.js'
import {decodeToken} from '../../../src/core/vm/token.js'
import {verifyBundle} from '../../../src/core/vm/verify.js'
import {startKubeApiServer, type KubeApiServer} from '../../helpers/kube-api-server.js'
import {makeCaDir, offlineSettings} from './fixtures.js'
import {tempDir} from './openssl.js'

let server: KubeApiServer
let rootPem: string

before(async () => {
  const ca = await makeCaDir()
  rootPem = await readFile(path.join(ca, 'root-cert.pem'), 'utf8')
  server = await startKubeApiServer({
    namespaces: ['shop'],
    objects: [
      {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'web-vm', namespace: 'shop'}},
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio-ca-root-cert', namespace: 'shop'}, data: {'root-cert.pem': rootPem}},
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'trustDomain: example.org\ndefaultConfig:\n  proxyMetadata:\n    FROM_CLUSTER: "yes"\n'}},
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio-sidecar-injector', namespace: 'istio-system'}, data: {values: JSON.stringify({global: {multiCluster: {clusterName: 'cluster-east'}}})}},
      {apiVersion: 'v1', kind: 'Service', metadata: {name: 'istio-eastwestgateway', namespace: 'istio-system'}, spec: {ports: [{port: 15012}]}, status: {loadBalancer: {ingress: [{ip: '198.51.100.7'}]}}},
    ],
  })
})
after(async () => server?.close())

async function online(over: Partial<BootstrapSettings> = {}): Promise<BootstrapSettings> {
  const outDir = path.join(await tempDir(), 'bundles')
  return {...offlineSettings('', outDir), ca: undefined, kube: createKubeClient({kubeconfigPath: server.kubeconfigPath}), ...over}
}

const ROW = {vmName: 'web-1', namespace: 'shop', serviceAccount: 'web-vm', vmIp: '10.0.0.5'}

describe('vm bootstrap (online, against the test API server)', () => {
  it('reads root cert, mesh config, cluster ID and gateway; requests a 600 s istio-ca token bound to a per-VM Secret', async () => {
    const s = await online()
    const r = await bootstrapFleet([ROW], s, {now: () => new Date()})
    const dir = r.results[0]!.target
    const token = await readFile(path.join(dir, 'istio-token'), 'utf8')
    const review = server.verifyToken(token, {audiences: ['istio-ca']})
    assert.equal(review.authenticated, true, review.error)
    assert.equal(review.user!.username, 'system:serviceaccount:shop:web-vm')
    const claims = decodeToken(token)!
    assert.deepEqual(claims.aud, ['istio-ca'])
    assert.equal(claims.boundSecret, bootstrapSecretName('web-1'))
    assert.ok(Math.abs(claims.exp! - claims.iat! - 600) <= 1)
    const secret = server.state.get('secrets', 'shop', 'istio-vm-bootstrap-web-1')
    assert.equal(secret?.metadata.labels?.['cleat.dev/vm'], 'web-1')
    const tr = server.requests.find((q) => q.resource === 'serviceaccounts' && q.subresource === 'token')!
    assert.deepEqual((tr.body as {spec: {boundObjectRef: {kind: string; name: string}}}).spec.boundObjectRef.kind, 'Secret')
    assert.equal(await readFile(path.join(dir, 'root-cert.pem'), 'utf8'), rootPem)
    const env = await readFile(path.join(dir, 'cluster.env'), 'utf8')
    assert.match(env, /^TRUST_DOMAIN='example.org'$/m)
    assert.match(env, /^ISTIO_META_CLUSTER_ID='cluster-east'$/m)
    assert.match(env, /^FROM_CLUSTER='yes'$/m)
    assert.equal(await readFile(path.join(dir, 'hosts'), 'utf8'), '198.51.100.7 istiod.istio-system.svc\n')
    const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'))
    assert.equal(m.mode, 'online')
    assert.equal(m.token.boundSecret, 'shop/istio-vm-bootstrap-web-1')
    assert.doesNotMatch(JSON.stringify(m), new RegExp(token.slice(0, 40)))
    assert.deepEqual((await verifyBundle(dir, {now: new Date()})).diagnostics.filter((d) => d.severity === 'error'), [])
    // revoke: deleting the Secret makes the API server reject the token
    assert.equal(await revokeVm(s.kube!, 'web-1', 'shop'), true)
    assert.equal(server.verifyToken(token, {audiences: ['istio-ca']}).authenticated, false)
    assert.equal(await revokeVm(s.kube!, 'web-1', 'shop'), false)
  })

  it('a second bootstrap of the same VM needs --force, which replaces the Secret and revokes the old token', async () => {
    const s = await online()
    const first = await bootstrapFleet([{...ROW, vmName: 'web-2'}], s, {now: () => new Date()})
    const old = await readFile(path.join(first.results[0]!.target, 'istio-token'), 'utf8')
    const s2 = await online()
    await assert.rejects(bootstrapFleet([{...ROW, vmName: 'web-2'}], s2, {now: () => new Date()}), /already has a bootstrap Secret/)
    const again = await bootstrapFleet([{...ROW, vmName: 'web-2'}], {...s2, force: true}, {now: () => new Date()})
    const fresh = await readFile(path.join(again.results[0]!.target, 'istio-token'), 'utf8')
    assert.equal(server.verifyToken(old, {audiences: ['istio-ca']}).authenticated, false)
    assert.equal(server.verifyToken(fresh, {audiences: ['istio-ca']}).authenticated, true)
  })

  it('maps 404 and 403 to clear errors', async () => {
    await assert.rejects(bootstrapFleet([{...ROW, vmName: 'x-1', serviceAccount: 'missing'}], await online(), {now: () => new Date()}), /service account shop\/missing does not exist/)
    server.setRbacDeny([{verb: 'create', resource: 'serviceaccounts/token'}])
    try {
      await assert.rejects(bootstrapFleet([{...ROW, vmName: 'x-2'}], await online(), {now: () => new Date()}), (e: Error & {exitCode?: number}) => /requesting a token/.test(e.message) && e.exitCode === 65)
    } finally {
      server.setRbacDeny([])
    }
    server.injectFault({verb: 'create', resource: 'serviceaccounts/token', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource'})
    await assert.rejects(bootstrapFleet([{...ROW, vmName: 'x-3'}], await online(), {now: () => new Date()}), (e: Error & {actions?: string[]}) => /could not find the requested resource/.test(e.message) && /TokenRequest/.test(e.actions!.join()))
    server.clearFaults()
  })

  it('--token-file: accepts an istio-ca token for the right account (warning when unbound), rejects others', async () => {
    const t = await tempDir()
    const kube = createKubeClient({kubeconfigPath: server.kubeconfigPath})
    const unbound = await kube.createServiceAccountToken('shop', 'web-vm', {audiences: ['istio-ca'], expirationSeconds: 600})
    await writeFile(path.join(t, 'ok.jwt'), unbound.token)
    const r = await bootstrapFleet([{...ROW, vmName: 'tf-1', tokenFile: path.join(t, 'ok.jwt')}], await online(), {now: () => new Date()})
    assert.ok(r.diagnostics.some((d) => d.code === 'CL4024'))
    assert.equal(await readFile(path.join(r.results[0]!.target, 'istio-token'), 'utf8'), unbound.token)
    // without any cluster access: --root-cert instead
    const offlineish = await bootstrapFleet([{...ROW, vmName: 'tf-2', tokenFile: path.join(t, 'ok.jwt'), istiodAddress: 'istiod.example.com'}], await online({kube: null, rootCertFile: path.join(t, 'root.pem')}).then(async (s) => {
      await writeFile(path.join(t, 'root.pem'), rootPem)
      return s
    }), {now: () => new Date()})
    assert.equal(offlineish.results[0]!.mode, 'online')
    const wrongAud = await kube.createServiceAccountToken('shop', 'web-vm', {audiences: ['https://kubernetes.default.svc'], expirationSeconds: 600})
    await writeFile(path.join(t, 'aud.jwt'), wrongAud.token)
    await assert.rejects(bootstrapFleet([{...ROW, vmName: 'tf-3', tokenFile: path.join(t, 'aud.jwt')}], await online(), {now: () => new Date()}), /CL4021/)
    const long = await kube.createServiceAccountToken('shop', 'web-vm', {audiences: ['istio-ca'], expirationSeconds: 86400})
    await writeFile(path.join(t, 'long.jwt'), long.token)
    await assert.rejects(bootstrapFleet([{...ROW, vmName: 'tf-4', tokenFile: path.join(t, 'long.jwt')}], await online(), {now: () => new Date()}), /CL4023/)
    await assert.rejects(bootstrapFleet([{...ROW, vmName: 'tf-5', namespace: 'shop', serviceAccount: 'other', tokenFile: path.join(t, 'ok.jwt')}], await online({kube: null, rootCertFile: path.join(t, 'root.pem')}), {now: () => new Date()}), /CL4022/)
  })

  it('verify flags a tampered or expired token', async () => {
    const r = await bootstrapFleet([{...ROW, vmName: 'vt-1'}], await online(), {now: () => new Date()})
    const dir = r.results[0]!.target
    const later = await verifyBundle(dir, {now: new Date(Date.now() + 3600_000)})
    assert.ok(later.diagnostics.some((d) => d.code === 'CL4023'))
  })
})
