// End-to-end tests of src/adapters/kube.ts against the in-process test API server.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {fork} from 'node:child_process'
import {createServer} from 'node:net'
import {fileURLToPath} from 'node:url'
import {access, writeFile} from 'node:fs/promises'
import {request as httpsRequest} from 'node:https'
import {join} from 'node:path'
import {dump} from 'js-yaml'

import {createKubeClient, isKubeApiError, KubeApiError, resolveKubeconfigPath, type KubeClient} from '../../src/adapters/kube.js'
import {startKubeApiServer, type KubeApiServer} from '../helpers/kube-api-server.js'

function decodeJwtPart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
}

async function rejectsWith(p: Promise<unknown>, status: number, reason: string): Promise<KubeApiError> {
  try {
    await p
  } catch (e) {
    assert.ok(e instanceof KubeApiError, `expected KubeApiError, got ${String(e)}`)
    assert.equal(e.status, status, e.message)
    assert.equal(e.reason, reason, e.message)
    return e
  }
  assert.fail(`expected a ${status} ${reason} error`)
}

const VS = {group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', namespace: 'shop'}

describe('kube adapter against the test API server', () => {
  let srv: KubeApiServer
  let kube: KubeClient

  before(async () => {
    srv = await startKubeApiServer({namespaces: ['shop']})
    kube = createKubeClient({kubeconfigPath: srv.kubeconfigPath, context: 'test'})
  })
  after(async () => {
    await srv.close()
  })

  it('reads a ConfigMap seeded through state', async () => {
    srv.state.put({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'trustDomain: cluster.local'}})
    const cm = await kube.getConfigMap('istio-system', 'istio')
    assert.equal(cm.data?.mesh, 'trustDomain: cluster.local')
    assert.equal(cm.metadata?.uid, srv.state.get('configmaps', 'istio-system', 'istio')?.metadata.uid)
    assert.match(cm.metadata?.resourceVersion ?? '', /^\d+$/)
    assert.equal(kube.contextName, 'test')
    assert.equal(kube.defaultNamespace, 'default')
    assert.equal(kube.server, srv.url)
  })

  it('maps a 404 Status to KubeApiError NotFound with details', async () => {
    const e = await rejectsWith(kube.getConfigMap('istio-system', 'missing'), 404, 'NotFound')
    assert.match(e.message, /configmaps "missing" not found/)
    assert.deepEqual(e.details, {name: 'missing', kind: 'configmaps'})
    assert.ok(isKubeApiError(e, 404))
  })

  it('maps the RBAC deny list to 403 Forbidden, per user', async () => {
    srv.setRbacDeny([{verb: 'get', resource: 'secrets', namespace: 'shop', user: srv.users.test}])
    try {
      const e = await rejectsWith(kube.getSecret('shop', 'db'), 403, 'Forbidden')
      assert.match(e.message, /secrets "db" is forbidden: User "cleat-tester" cannot get resource "secrets" in API group "" in the namespace "shop"/)
      assert.equal(e.details?.kind, 'secrets')
      // The other user is not denied: it gets past authorization and sees the 404.
      const other = createKubeClient({kubeconfigPath: srv.kubeconfigPath, context: 'other'})
      assert.equal(other.defaultNamespace, 'other')
      await rejectsWith(other.getSecret('shop', 'db'), 404, 'NotFound')
    } finally {
      srv.setRbacDeny([])
    }
  })

  it('maps a wrong bearer token to 401 Unauthorized', async () => {
    const cfg = {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'bad',
      clusters: [{name: 'c', cluster: {server: srv.url, 'certificate-authority-data': Buffer.from(srv.caPem).toString('base64')}}],
      users: [{name: 'u', user: {token: 'not-a-valid-token'}}],
      contexts: [{name: 'bad', context: {cluster: 'c', user: 'u'}}],
    }
    const path = join(srv.tmpDir, 'bad-kubeconfig')
    await writeFile(path, dump(cfg))
    const bad = createKubeClient({kubeconfigPath: path})
    await rejectsWith(bad.getConfigMap('default', 'x'), 401, 'Unauthorized')
  })

  it('creates and deletes a Secret; deleting twice is a 404', async () => {
    const created = await kube.createSecret('shop', {metadata: {name: 'vm-token', labels: {app: 'cleat'}}, type: 'Opaque', stringData: {a: 'b'}})
    assert.equal(created.metadata?.name, 'vm-token')
    assert.ok(created.metadata?.uid)
    assert.ok(srv.state.get('secrets', 'shop', 'vm-token'))
    await rejectsWith(kube.createSecret('shop', {metadata: {name: 'vm-token'}}), 409, 'AlreadyExists')
    await kube.deleteSecret('shop', 'vm-token')
    assert.equal(srv.state.get('secrets', 'shop', 'vm-token'), undefined)
    await rejectsWith(kube.deleteSecret('shop', 'vm-token'), 404, 'NotFound')
  })

  it('lists Services with a label selector', async () => {
    srv.state.put({apiVersion: 'v1', kind: 'Service', metadata: {name: 'reviews', namespace: 'shop', labels: {app: 'reviews'}}, spec: {ports: [{port: 9080}]}})
    srv.state.put({apiVersion: 'v1', kind: 'Service', metadata: {name: 'ratings', namespace: 'shop', labels: {app: 'ratings'}}, spec: {ports: [{port: 9080}]}})
    const all = await kube.listServices('shop')
    assert.deepEqual(all.map((s) => s.metadata?.name), ['ratings', 'reviews'])
    const some = await kube.listServices('shop', 'app in (reviews,details)')
    assert.deepEqual(some.map((s) => s.metadata?.name), ['reviews'])
    assert.equal((await kube.getService('shop', 'reviews')).spec?.ports?.[0]?.port, 9080)
  })

  it('issues a bound service-account token that dies with its Secret', async () => {
    srv.state.put({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'vm-sa', namespace: 'shop'}})
    const sa = await kube.getServiceAccount('shop', 'vm-sa')
    const secret = await kube.createSecret('shop', {metadata: {name: 'vm-sa-binding'}})
    const before = Math.floor(Date.now() / 1000)
    const tok = await kube.createServiceAccountToken('shop', 'vm-sa', {
      audiences: ['istio-ca'],
      expirationSeconds: 3600,
      boundSecret: {name: 'vm-sa-binding', uid: secret.metadata!.uid!},
    })
    const [h, p, sig] = tok.token.split('.')
    assert.ok(h && p && sig)
    const header = decodeJwtPart(h)
    const claims = decodeJwtPart(p)
    assert.equal(header.alg, 'ES256')
    assert.deepEqual(claims.aud, ['istio-ca'])
    assert.equal(claims.sub, 'system:serviceaccount:shop:vm-sa')
    assert.equal(claims.iss, srv.issuer)
    const exp = claims.exp as number
    assert.ok(exp >= before + 3600 && exp <= before + 3600 + 5, `exp ${exp}`)
    assert.equal(tok.expirationTimestamp.getTime(), exp * 1000)
    assert.deepEqual(claims['kubernetes.io'], {
      namespace: 'shop',
      serviceaccount: {name: 'vm-sa', uid: sa.metadata!.uid},
      secret: {name: 'vm-sa-binding', uid: secret.metadata!.uid},
    })

    const ok = srv.verifyToken(tok.token, {audiences: ['istio-ca']})
    assert.equal(ok.authenticated, true, ok.error)
    assert.equal(ok.user?.username, 'system:serviceaccount:shop:vm-sa')
    assert.equal(srv.verifyToken(tok.token, {audiences: ['someone-else']}).authenticated, false)
    const tampered = `${h}.${Buffer.from(JSON.stringify({...claims, sub: 'system:serviceaccount:shop:admin'})).toString('base64url')}.${sig}`
    assert.equal(srv.verifyToken(tampered, {audiences: ['istio-ca']}).authenticated, false)

    await kube.deleteSecret('shop', 'vm-sa-binding')
    const gone = srv.verifyToken(tok.token, {audiences: ['istio-ca']})
    assert.equal(gone.authenticated, false)
    assert.equal(gone.error, 'service account token has been invalidated')
    // A Secret recreated under the same name has a new UID: the token stays invalid.
    await kube.createSecret('shop', {metadata: {name: 'vm-sa-binding'}})
    assert.match(srv.verifyToken(tok.token, {audiences: ['istio-ca']}).error ?? '', /^secret UID \(.+\) does not match service account secret ref claim \(.+\)$/)
  })

  it('rejects TokenRequests the way the API server does', async () => {
    await rejectsWith(kube.createServiceAccountToken('shop', 'no-such-sa', {audiences: ['a'], expirationSeconds: 3600}), 404, 'NotFound')
    srv.setRbacDeny([{resource: 'serviceaccounts/token'}])
    try {
      const denied = await rejectsWith(kube.createServiceAccountToken('shop', 'no-such-sa', {audiences: ['a'], expirationSeconds: 3600}), 403, 'Forbidden')
      assert.match(denied.message, /serviceaccounts "no-such-sa" is forbidden: User "cleat-tester" cannot create resource "serviceaccounts\/token" in API group "" in the namespace "shop"$/)
    } finally {
      srv.setRbacDeny([])
    }
    srv.state.put({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'vm-sa2', namespace: 'shop'}})
    const e = await rejectsWith(
      kube.createServiceAccountToken('shop', 'vm-sa2', {audiences: ['a'], expirationSeconds: 3600, boundSecret: {name: 'absent', uid: 'x'}}),
      404,
      'NotFound',
    )
    assert.match(e.message, /secrets "absent" not found/)
    const s = await kube.createSecret('shop', {metadata: {name: 'present'}})
    await rejectsWith(kube.createServiceAccountToken('shop', 'vm-sa2', {audiences: ['a'], expirationSeconds: 3600, boundSecret: {name: 'present', uid: 'stale-uid'}}), 409, 'Conflict')
    await rejectsWith(kube.createServiceAccountToken('shop', 'vm-sa2', {audiences: ['a'], expirationSeconds: 60, boundSecret: {name: 'present', uid: s.metadata!.uid!}}), 422, 'Invalid')
  })

  it('JSON Patch with a passing test op changes only the target and bumps resourceVersion', async () => {
    const seeded = srv.state.put({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: {name: 'reviews', namespace: 'shop', labels: {app: 'reviews'}},
      spec: {
        hosts: ['reviews'],
        http: [{route: [{destination: {host: 'reviews', subset: 'stable'}, weight: 100}, {destination: {host: 'reviews', subset: 'canary'}, weight: 0}]}],
      },
    })
    srv.clearRequests()
    const out = await kube.patchCustomObjectJson({...VS, name: 'reviews'}, [
      {op: 'test', path: '/metadata/resourceVersion', value: seeded.metadata.resourceVersion},
      {op: 'test', path: '/spec/http/0/route/1/weight', value: 0},
      {op: 'replace', path: '/spec/http/0/route/0/weight', value: 90},
      {op: 'replace', path: '/spec/http/0/route/1/weight', value: 10},
    ])
    const stored = srv.state.get('virtualservices.networking.istio.io', 'shop', 'reviews')!
    assert.deepEqual(out, stored)
    const expected = structuredClone(seeded) as unknown as {spec: {http: {route: {weight: number}[]}[]}}
    expected.spec.http[0]!.route[0]!.weight = 90
    expected.spec.http[0]!.route[1]!.weight = 10
    assert.deepEqual(stored.spec, expected.spec)
    assert.deepEqual(stored.metadata.labels, seeded.metadata.labels)
    assert.equal(stored.metadata.uid, seeded.metadata.uid)
    assert.ok(Number(stored.metadata.resourceVersion) > Number(seeded.metadata.resourceVersion))
    assert.equal(stored.metadata.generation, 2)
    const writes = srv.writes()
    assert.equal(writes.length, 1)
    assert.equal(writes[0]!.verb, 'patch')
    assert.equal(writes[0]!.contentType, 'application/json-patch+json')
  })

  it('JSON Patch with a failing test op changes nothing (422 Invalid)', async () => {
    const before = srv.state.get('virtualservices.networking.istio.io', 'shop', 'reviews')!
    const e = await rejectsWith(
      kube.patchCustomObjectJson({...VS, name: 'reviews'}, [
        {op: 'replace', path: '/spec/http/0/route/0/weight', value: 50},
        {op: 'test', path: '/spec/http/0/route/1/weight', value: 0},
        {op: 'replace', path: '/spec/http/0/route/1/weight', value: 50},
      ]),
      422,
      'Invalid',
    )
    assert.match(e.message, /the server rejected our request due to an error in our request/)
    assert.deepEqual(srv.state.get('virtualservices.networking.istio.io', 'shop', 'reviews'), before)
  })

  it('JSON Patch setting a stale resourceVersion is a 409 Conflict', async () => {
    const before = srv.state.get('virtualservices.networking.istio.io', 'shop', 'reviews')!
    await rejectsWith(
      kube.patchCustomObjectJson({...VS, name: 'reviews'}, [
        {op: 'replace', path: '/metadata/resourceVersion', value: '1'},
        {op: 'replace', path: '/spec/http/0/route/0/weight', value: 0},
      ]),
      409,
      'Conflict',
    )
    assert.deepEqual(srv.state.get('virtualservices.networking.istio.io', 'shop', 'reviews'), before)
  })

  it('PUT with a stale resourceVersion is a 409 Conflict; a fresh one succeeds', async () => {
    const current = await kube.getCustomObject({...VS, name: 'reviews'})
    const edited = structuredClone(current)
    ;(edited.spec as {hosts: string[]}).hosts = ['reviews', 'reviews.shop.svc.cluster.local']
    const replaced = await kube.replaceCustomObject({...VS, name: 'reviews'}, edited)
    assert.notEqual(replaced.metadata?.resourceVersion, current.metadata?.resourceVersion)
    const e = await rejectsWith(kube.replaceCustomObject({...VS, name: 'reviews'}, current), 409, 'Conflict')
    assert.match(e.message, /the object has been modified; please apply your changes to the latest version and try again/)
    assert.deepEqual((srv.state.get('virtualservices.networking.istio.io', 'shop', 'reviews')!.spec as {hosts: string[]}).hosts, ['reviews', 'reviews.shop.svc.cluster.local'])
  })

  it('creates custom objects and reports AlreadyExists', async () => {
    const body = {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: {name: 'vm'}, spec: {template: {serviceAccount: 'vm-sa'}}}
    const wg = await kube.createCustomObject({...VS, plural: 'workloadgroups'}, body)
    assert.equal(wg.metadata?.namespace, 'shop')
    assert.equal(wg.metadata?.generation, 1)
    await rejectsWith(kube.createCustomObject({...VS, plural: 'workloadgroups'}, body), 409, 'AlreadyExists')
  })

  it('lists and deletes custom objects', async () => {
    const we = (name: string, app: string) => ({apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name, namespace: 'shop', labels: {app}}, spec: {address: '10.0.0.1'}})
    srv.state.put(we('vm-1', 'db'))
    srv.state.put(we('vm-2', 'web'))
    const ref = {...VS, plural: 'workloadentries'}
    assert.deepEqual((await kube.listCustomObjects(ref)).map((o) => [o.kind, o.metadata?.name]), [['WorkloadEntry', 'vm-1'], ['WorkloadEntry', 'vm-2']])
    assert.deepEqual((await kube.listCustomObjects(ref, 'app=web')).map((o) => o.metadata?.name), ['vm-2'])
    await kube.deleteCustomObject({...ref, name: 'vm-1'})
    assert.equal(srv.state.get('workloadentries.networking.istio.io', 'shop', 'vm-1'), undefined)
    await rejectsWith(kube.deleteCustomObject({...ref, name: 'vm-1'}), 404, 'NotFound')
  })

  it('Lease create / replace / conflict / delete', async () => {
    const lease = await kube.createLease('shop', {metadata: {name: 'cleat-canary-reviews'}, spec: {holderIdentity: 'run-1', leaseDurationSeconds: 30}})
    await rejectsWith(kube.createLease('shop', {metadata: {name: 'cleat-canary-reviews'}, spec: {holderIdentity: 'run-2'}}), 409, 'AlreadyExists')
    const renewed = await kube.replaceLease('shop', 'cleat-canary-reviews', {...lease, spec: {...lease.spec, holderIdentity: 'run-1', renewTime: new Date()}})
    assert.ok(Number(renewed.metadata?.resourceVersion) > Number(lease.metadata?.resourceVersion))
    // A competitor still holding the old resourceVersion loses.
    await rejectsWith(kube.replaceLease('shop', 'cleat-canary-reviews', {...lease, spec: {...lease.spec, holderIdentity: 'run-2'}}), 409, 'Conflict')
    assert.equal((await kube.getLease('shop', 'cleat-canary-reviews')).spec?.holderIdentity, 'run-1')
    await kube.deleteLease('shop', 'cleat-canary-reviews')
    await rejectsWith(kube.getLease('shop', 'cleat-canary-reviews'), 404, 'NotFound')
  })
})

describe('kube adapter without a reachable server', () => {
  it('turns connection refused into a clear status-0 error', async () => {
    // Find a free port, then close it so nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as {port: number}).port
        s.close(() => resolve(p))
      })
    })
    const srv = await startKubeApiServer()
    try {
      const cfg = {
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'down',
        clusters: [{name: 'c', cluster: {server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(srv.caPem).toString('base64')}}],
        users: [{name: 'u', user: {token: srv.token}}],
        contexts: [{name: 'down', context: {cluster: 'c', user: 'u'}}],
      }
      const path = join(srv.tmpDir, 'down-kubeconfig')
      await writeFile(path, dump(cfg))
      const e = await rejectsWith(createKubeClient({kubeconfigPath: path}).getConfigMap('default', 'x'), 0, 'ConnectionFailed')
      assert.match(e.message, new RegExp(`cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${port} \\(connection refused\\)`))
    } finally {
      await srv.close()
    }
  })

  it('gives up on a hung API server after timeoutMs, and the next request still works', async () => {
    const srv = await startKubeApiServer()
    try {
      srv.state.put({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x', namespace: 'default'}, data: {}})
      srv.injectFault({verb: 'get', resource: 'configmaps', delayMs: 60_000})
      const kube = createKubeClient({kubeconfigPath: srv.kubeconfigPath, timeoutMs: 300})
      const t0 = Date.now()
      const e = await rejectsWith(kube.getConfigMap('default', 'x'), 0, 'Timeout')
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`)
      assert.match(e.message, /no answer from the Kubernetes API server at https:\/\/127\.0\.0\.1:\d+ within 300 ms/)
      assert.equal((await kube.getConfigMap('default', 'x')).metadata?.name, 'x')
      assert.equal(srv.requests.at(-1)?.status, 200)
    } finally {
      await srv.close()
    }
  })

  it('reports a missing kubeconfig file and an unknown context', async () => {
    assert.throws(() => createKubeClient({kubeconfigPath: join('definitely', 'missing', 'kubeconfig')}), (e: unknown) => {
      return e instanceof KubeApiError && e.status === 0 && e.reason === 'InvalidKubeconfig' && /file not found/.test(e.message)
    })
    const srv = await startKubeApiServer()
    try {
      assert.throws(() => createKubeClient({kubeconfigPath: srv.kubeconfigPath, context: 'nope'}), /context "nope" not found in kubeconfig \(known: test, other\)/)
    } finally {
      await srv.close()
    }
  })

  it('resolves the kubeconfig path like kubectl (first KUBECONFIG entry, else ~/.kube/config)', () => {
    assert.equal(resolveKubeconfigPath('a/one:b/two', 'home'), 'a/one')
    assert.equal(resolveKubeconfigPath(undefined, 'home/me/'), 'home/me/.kube/config')
    assert.equal(resolveKubeconfigPath('', 'h'), 'h/.kube/config')
  })
})

// ---------------------------------------------------------------------------------------------
// Wire behaviour of the test server itself (raw HTTPS, no client library), so the engineers who
// rely on it can trust the shapes it sends.

interface RawResponse {
  status: number
  contentType: string | undefined
  json: Record<string, unknown>
}

function rawRequest(srv: KubeApiServer, method: string, path: string, opts: {body?: unknown; contentType?: string; token?: string | null} = {}): Promise<RawResponse> {
  const data = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
  const headers: Record<string, string> = {Accept: 'application/json'}
  const token = opts.token === undefined ? srv.token : opts.token
  if (token !== null) headers.Authorization = `Bearer ${token}`
  if (data !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json'
    // Node does not chunk DELETE bodies, so the length must be explicit.
    headers['Content-Length'] = String(Buffer.byteLength(data))
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${srv.url}${path}`, {method, headers, ca: srv.caPem, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        try {
          resolve({status: res.statusCode ?? 0, contentType: res.headers['content-type'], json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>})
        } catch (e) {
          reject(e)
        }
      })
    })
    req.on('error', reject)
    if (data !== undefined) req.write(data)
    req.end()
  })
}

describe('test API server wire behaviour', () => {
  let srv: KubeApiServer
  before(async () => {
    srv = await startKubeApiServer({
      namespaces: ['web'],
      objects: [
        {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'a', namespace: 'web', labels: {tier: 'front', track: 'stable'}}, data: {k: 'v'}},
        {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'b', namespace: 'web', labels: {tier: 'back'}}, data: {k: 'v'}},
        {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'web'}, data: {k: 'v'}},
      ],
    })
  })
  after(async () => {
    await srv.close()
  })

  it('answers 401 with an Unauthorized Status when the token is missing or wrong', async () => {
    for (const token of [null, 'wrong']) {
      const r = await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps', {token})
      assert.equal(r.status, 401)
      assert.equal(r.contentType, 'application/json')
      assert.deepEqual(r.json, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401})
    }
  })

  it('answers 403 with a Forbidden Status naming user, verb, resource, group and namespace', async () => {
    srv.setRbacDeny([{verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices'}])
    try {
      const r = await rawRequest(srv, 'PATCH', '/apis/networking.istio.io/v1/namespaces/web/virtualservices/x', {body: [], contentType: 'application/json-patch+json'})
      assert.equal(r.status, 403)
      assert.deepEqual(r.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'virtualservices.networking.istio.io "x" is forbidden: User "cleat-tester" cannot patch resource "virtualservices" in API group "networking.istio.io" in the namespace "web"',
        reason: 'Forbidden',
        details: {name: 'x', group: 'networking.istio.io', kind: 'virtualservices'},
        code: 403,
      })
      srv.setRbacDeny([{verb: 'list', resource: 'namespaces'}])
      const ns = await rawRequest(srv, 'GET', '/api/v1/namespaces')
      assert.equal(ns.status, 403)
      assert.equal(ns.json.message, 'namespaces is forbidden: User "cleat-tester" cannot list resource "namespaces" in API group "" at the cluster scope')
    } finally {
      srv.setRbacDeny([])
    }
  })

  it('lists with label and field selectors; built-in items carry no apiVersion/kind', async () => {
    const names = async (q: string) => {
      const r = await rawRequest(srv, 'GET', `/api/v1/namespaces/web/configmaps${q}`)
      assert.equal(r.status, 200)
      assert.equal(r.json.kind, 'ConfigMapList')
      assert.equal((r.json.metadata as {resourceVersion: string}).resourceVersion, String(srv.state.resourceVersion))
      return (r.json.items as {metadata: {name: string}; kind?: string}[]).map((i) => {
        assert.equal(i.kind, undefined)
        return i.metadata.name
      })
    }
    assert.deepEqual(await names(''), ['a', 'b', 'c'])
    assert.deepEqual(await names('?labelSelector=' + encodeURIComponent('tier=front')), ['a'])
    assert.deepEqual(await names('?labelSelector=' + encodeURIComponent('tier!=front')), ['b', 'c'])
    assert.deepEqual(await names('?labelSelector=' + encodeURIComponent('tier')), ['a', 'b'])
    assert.deepEqual(await names('?labelSelector=' + encodeURIComponent('!tier')), ['c'])
    assert.deepEqual(await names('?labelSelector=' + encodeURIComponent('tier in (front,back),track notin (canary)')), ['a', 'b'])
    assert.deepEqual(await names('?fieldSelector=' + encodeURIComponent('metadata.name=b')), ['b'])
    const bad = await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps?labelSelector=' + encodeURIComponent('a in b'))
    assert.equal(bad.status, 400)
    // Cluster-wide list across namespaces.
    const all = await rawRequest(srv, 'GET', '/api/v1/configmaps')
    assert.ok((all.json.items as unknown[]).length >= 3)
  })

  it('keeps apiVersion/kind on custom-resource list items and serves older Istio versions', async () => {
    srv.state.put({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'dr', namespace: 'web'}, spec: {host: 'a'}})
    const r = await rawRequest(srv, 'GET', '/apis/networking.istio.io/v1beta1/namespaces/web/destinationrules')
    assert.equal(r.status, 200)
    const items = r.json.items as {apiVersion: string; kind: string}[]
    assert.deepEqual(items.map((i) => [i.apiVersion, i.kind]), [['networking.istio.io/v1beta1', 'DestinationRule']])
  })

  it('creates with uid, creationTimestamp and an increasing resourceVersion; rejects bad creates like the API server', async () => {
    const rv0 = srv.state.resourceVersion
    const r = await rawRequest(srv, 'POST', '/api/v1/namespaces/web/configmaps', {body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {generateName: 'gen-'}, data: {}}})
    assert.equal(r.status, 201)
    const meta = r.json.metadata as {name: string; uid: string; creationTimestamp: string; resourceVersion: string; namespace: string}
    assert.match(meta.name, /^gen-[a-z0-9]{5}$/)
    assert.match(meta.uid, /^[0-9a-f-]{36}$/)
    assert.match(meta.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal(Number(meta.resourceVersion), rv0 + 1)
    assert.equal(meta.namespace, 'web')

    const noNs = await rawRequest(srv, 'POST', '/api/v1/namespaces/nowhere/configmaps', {body: {metadata: {name: 'x'}}})
    assert.equal(noNs.status, 404)
    assert.equal(noNs.json.message, 'namespaces "nowhere" not found')
    const noName = await rawRequest(srv, 'POST', '/api/v1/namespaces/web/configmaps', {body: {metadata: {}}})
    assert.equal(noName.status, 422)
    assert.equal(noName.json.reason, 'Invalid')
    const wrongNs = await rawRequest(srv, 'POST', '/api/v1/namespaces/web/configmaps', {body: {metadata: {name: 'x', namespace: 'default'}}})
    assert.equal(wrongNs.status, 400)
    const dup = await rawRequest(srv, 'POST', '/api/v1/namespaces/web/configmaps', {body: {metadata: {name: 'a'}}})
    assert.deepEqual(dup.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "a" already exists',
      reason: 'AlreadyExists',
      details: {name: 'a', kind: 'configmaps'},
      code: 409,
    })
    const wrongVersion = await rawRequest(srv, 'POST', '/apis/networking.istio.io/v1/namespaces/web/virtualservices', {
      body: {apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: {name: 'vv'}, spec: {}},
    })
    assert.equal(wrongVersion.status, 400)
    assert.equal(wrongVersion.json.message, 'the API version in the data (networking.istio.io/v1beta1) does not match the expected API version (networking.istio.io/v1)')
    const badJson = await rawRequest(srv, 'POST', '/api/v1/namespaces/web/configmaps', {body: '{not json'})
    assert.equal(badJson.status, 400)
    assert.equal(badJson.json.reason, 'BadRequest')
  })

  it('does not bump resourceVersion for a no-op update', async () => {
    const cur = srv.state.get('configmaps', 'web', 'a')!
    const r = await rawRequest(srv, 'PUT', '/api/v1/namespaces/web/configmaps/a', {body: cur})
    assert.equal(r.status, 200)
    assert.equal((r.json.metadata as {resourceVersion: string}).resourceVersion, cur.metadata.resourceVersion)
  })

  it('applies RFC 6902 add/remove/move/copy with escaped pointers, and RFC 7386 merge patches', async () => {
    const jp = await rawRequest(srv, 'PATCH', '/api/v1/namespaces/web/configmaps/b', {
      contentType: 'application/json-patch+json',
      body: [
        {op: 'add', path: '/metadata/annotations', value: {}},
        {op: 'add', path: '/metadata/annotations/cleat.dev~1step', value: '1'},
        {op: 'copy', from: '/data/k', path: '/data/k2'},
        {op: 'move', from: '/data/k', path: '/data/moved'},
        {op: 'add', path: '/metadata/finalizers', value: ['x']},
        {op: 'add', path: '/metadata/finalizers/-', value: 'y'},
        {op: 'remove', path: '/metadata/finalizers/0'},
      ],
    })
    assert.equal(jp.status, 200, JSON.stringify(jp.json))
    const b = srv.state.get('configmaps', 'web', 'b')!
    assert.deepEqual(b.data, {k2: 'v', moved: 'v'})
    assert.deepEqual(b.metadata.annotations, {'cleat.dev/step': '1'})
    assert.deepEqual(b.metadata.finalizers, ['y'])

    const mp = await rawRequest(srv, 'PATCH', '/api/v1/namespaces/web/configmaps/b', {
      contentType: 'application/merge-patch+json',
      body: {data: {k2: null, extra: 'e'}, metadata: {labels: {tier: null, new: 'n'}}},
    })
    assert.equal(mp.status, 200)
    const b2 = srv.state.get('configmaps', 'web', 'b')!
    // `test` with value null passes on an absent member (as in the server's json-patch library), fails on a present one,
    // and fails when the parent itself is missing.
    const absent = await rawRequest(srv, 'PATCH', '/api/v1/namespaces/web/configmaps/b', {
      contentType: 'application/json-patch+json',
      body: [{op: 'test', path: '/metadata/annotations/cleat.dev~1lock', value: null}, {op: 'add', path: '/metadata/annotations/cleat.dev~1lock', value: 'me'}],
    })
    assert.equal(absent.status, 200)
    for (const path of ['/metadata/annotations/cleat.dev~1lock', '/spec/none']) {
      const again = await rawRequest(srv, 'PATCH', '/api/v1/namespaces/web/configmaps/b', {
        contentType: 'application/json-patch+json',
        body: [{op: 'test', path, value: null}],
      })
      assert.equal(again.status, 422, path)
    }
    assert.deepEqual(b2.data, {moved: 'v', extra: 'e'})
    assert.deepEqual(b2.metadata.labels, {new: 'n'})
    assert.equal(srv.state.get('configmaps', 'web', 'b')!.metadata.annotations?.['cleat.dev/lock'], 'me')
  })

  it('rejects undecodable patches (400), inapplicable ones (422) and unsupported types (415)', async () => {
    srv.state.put({apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'vs', namespace: 'web'}, spec: {hosts: ['a']}})
    const before = srv.state.get('virtualservices.networking.istio.io', 'web', 'vs')
    const path = '/apis/networking.istio.io/v1/namespaces/web/virtualservices/vs'
    const notArray = await rawRequest(srv, 'PATCH', path, {contentType: 'application/json-patch+json', body: {op: 'add'}})
    assert.equal(notArray.status, 400)
    const missing = await rawRequest(srv, 'PATCH', path, {contentType: 'application/json-patch+json', body: [{op: 'replace', path: '/spec/gateways', value: []}]})
    assert.equal(missing.status, 422)
    assert.deepEqual(missing.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    })
    const smp = await rawRequest(srv, 'PATCH', path, {contentType: 'application/strategic-merge-patch+json', body: {spec: {}}})
    assert.equal(smp.status, 415)
    assert.equal(smp.json.reason, 'UnsupportedMediaType')
    assert.deepEqual(srv.state.get('virtualservices.networking.istio.io', 'web', 'vs'), before)
    assert.equal(srv.writes({resource: 'virtualservices', name: 'vs'}).filter((w) => w.status === 200).length, 0)
  })

  it('deletes with preconditions and the per-kind response shape', async () => {
    const c = srv.state.get('configmaps', 'web', 'c')!
    const stale = await rawRequest(srv, 'DELETE', '/api/v1/namespaces/web/configmaps/c', {body: {preconditions: {resourceVersion: '1'}}})
    assert.equal(stale.status, 409)
    assert.ok(srv.state.get('configmaps', 'web', 'c'))
    const ok = await rawRequest(srv, 'DELETE', '/api/v1/namespaces/web/configmaps/c', {body: {preconditions: {uid: c.metadata.uid}}})
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.json, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: {name: 'c', kind: 'configmaps', uid: c.metadata.uid}})
    srv.state.put({apiVersion: 'v1', kind: 'Service', metadata: {name: 's', namespace: 'web'}, spec: {}})
    const svc = await rawRequest(srv, 'DELETE', '/api/v1/namespaces/web/services/s')
    assert.equal(svc.json.kind, 'Service')
    const again = await rawRequest(srv, 'DELETE', '/api/v1/namespaces/web/services/s')
    assert.equal(again.status, 404)
    assert.equal(again.json.message, 'services "s" not found')
  })

  it('accepts its own service-account tokens as bearer tokens, and only while valid', async () => {
    srv.state.put({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'bot', namespace: 'web'}})
    const tr = await rawRequest(srv, 'POST', '/api/v1/namespaces/web/serviceaccounts/bot/token', {body: {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {}}})
    assert.equal(tr.status, 201)
    assert.equal(tr.json.kind, 'TokenRequest')
    const status = tr.json.status as {token: string; expirationTimestamp: string}
    assert.match(status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.deepEqual((tr.json.spec as {audiences: string[]}).audiences, [srv.issuer])
    const asBot = await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps/a', {token: status.token})
    assert.equal(asBot.status, 200)
    assert.equal(srv.requests.at(-1)?.user, 'system:serviceaccount:web:bot')
    srv.state.delete('serviceaccounts', 'web', 'bot')
    assert.equal((await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps/a', {token: status.token})).status, 401)
  })

  it('injects faults for the next matching requests only', async () => {
    srv.injectFault({verb: 'get', resource: 'configmaps', code: 500, times: 2})
    assert.equal((await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps/a')).status, 500)
    const second = await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps/a')
    assert.equal(second.status, 500)
    assert.equal(second.json.reason, 'InternalError')
    assert.equal((await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps/a')).status, 200)
  })

  it('serves discovery and 404s unknown resources', async () => {
    const v = await rawRequest(srv, 'GET', '/version')
    assert.equal(v.json.major, '1')
    const groups = await rawRequest(srv, 'GET', '/apis')
    assert.ok((groups.json.groups as {name: string}[]).some((g) => g.name === 'networking.istio.io'))
    const unknown = await rawRequest(srv, 'GET', '/api/v1/namespaces/web/widgets/x')
    assert.equal(unknown.status, 404)
  })

  it('writes() counts only write verbs', async () => {
    srv.clearRequests()
    await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps/a')
    await rawRequest(srv, 'PATCH', '/api/v1/namespaces/web/configmaps/a', {contentType: 'application/merge-patch+json', body: {data: {k: 'w'}}})
    await rawRequest(srv, 'GET', '/api/v1/namespaces/web/configmaps')
    assert.equal(srv.requests.length, 3)
    assert.deepEqual(srv.writes().map((w) => [w.verb, w.resource, w.namespace, w.name, w.status]), [['patch', 'configmaps', 'web', 'a', 200]])
  })
})

describe('test API server lifecycle', () => {
  it('close() frees the port and removes the temp dir', async () => {
    const srv = await startKubeApiServer()
    assert.equal((await rawRequest(srv, 'GET', '/version')).status, 200)
    await srv.close()
    await assert.rejects(rawRequest(srv, 'GET', '/version'), /ECONNREFUSED/)
    await assert.rejects(access(srv.kubeconfigPath))
  })
})

describe('test API server as a child process (for plain-JS e2e tests)', () => {
  it('serves, answers IPC state ops, and exits on close', async () => {
    const helper = fileURLToPath(new URL('../helpers/kube-api-server.ts', import.meta.url))
    const child = fork(helper, ['--serve'], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc']})
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const ready = await new Promise<{type: string; kubeconfigPath: string; url: string}>((resolve, reject) => {
        child.once('message', (m) => resolve(m as {type: string; kubeconfigPath: string; url: string}))
        child.once('error', reject)
      })
      assert.equal(ready.type, 'ready')
      let next = 0
      const call = (op: string, ...args: unknown[]) =>
        new Promise<unknown>((resolve, reject) => {
          const id = ++next
          const onMessage = (m: unknown) => {
            const r = m as {id: number; ok: boolean; result?: unknown; error?: string}
            if (r.id !== id) return
            child.off('message', onMessage)
            if (r.ok) resolve(r.result)
            else reject(new Error(r.error))
          }
          child.on('message', onMessage)
          child.send({id, op, args})
        })
      await call('put', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'from-ipc', namespace: 'default'}, data: {a: '1'}})
      const kube = createKubeClient({kubeconfigPath: ready.kubeconfigPath})
      assert.equal((await kube.getConfigMap('default', 'from-ipc')).data?.a, '1')
      const reqs = (await call('requests')) as {verb: string; name: string}[]
      assert.deepEqual(reqs.map((r) => [r.verb, r.name]), [['get', 'from-ipc']])
      await assert.rejects(call('nope'), /unknown op nope/)
      child.send({op: 'close'})
      assert.equal(await exited, 0)
    } finally {
      if (child.exitCode === null) child.kill()
    }
  })
})
