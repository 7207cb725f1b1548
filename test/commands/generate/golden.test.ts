import assert from 'node:assert/strict'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {loadCrdSchemaProvider} from '../../../src/core/validate/crd-schemas.js'
import {validateSources} from '../../../src/core/validate/engine.js'
import {assertGolden} from '../../helpers/golden.js'
import {CORPUS_DIR, corpusSkip, REPO_ROOT} from '../../helpers/paths.js'
import {runGenerate, tempDir, validateText} from './helpers.js'

/** One case per generator and option family: flags → golden output, which must pass validation. */
const CASES: {kind: string; name: string; args: string[]; ext?: 'yaml' | 'json'}[] = [
  {kind: 'virtualservice', name: 'subsets-70-30', args: ['--name', 'reviews', '--namespace', 'shop', '--host', 'reviews', '--subset', 'v1=70', '--subset', 'v2=30']},
  {kind: 'virtualservice', name: 'default-route', args: ['--name', 'reviews', '-n', 'shop', '--host', 'reviews']},
  {kind: 'virtualservice', name: 'single-destination', args: ['--name', 'reviews', '-n', 'shop', '--host', 'reviews', '--destination', 'reviews-canary.shop.svc.cluster.local']},
  {kind: 'virtualservice', name: 'weighted-destinations', args: ['--name', 'checkout', '-n', 'shop', '--host', 'checkout', '--destination', 'checkout-blue=80', '--destination', 'checkout-green=20', '--port', '8080']},
  {
    kind: 'virtualservice',
    name: 'gateway-match',
    args: ['--name', 'api', '-n', 'shop', '--host', 'api.example.com', '--gateway', 'istio-ingress/public', '--gateway', 'mesh', '--match-prefix', '/api', '--match-header', 'x-canary=true', '--destination', 'api', '--port', '8080'],
  },
  {
    kind: 'virtualservice',
    name: 'timeouts-retries',
    args: ['--name', 'reviews', '-n', 'shop', '--host', 'reviews', '--subset', 'v1=90', '--subset', 'v2=10', '--timeout', '5s', '--retries', '3', '--retry-on', '5xx,reset', '--per-try-timeout', '2s'],
  },
  {kind: 'virtualservice', name: 'json', ext: 'json', args: ['--name', 'reviews', '-n', 'shop', '--host', 'reviews', '--subset', 'v1=50', '--subset', 'v2=50', '-o', 'json']},
  {kind: 'destinationrule', name: 'subsets', args: ['--name', 'reviews', '--namespace', 'shop', '--host', 'reviews', '--subset', 'v1:version=v1', '--subset', 'v2:version=v2,track=canary']},
  {kind: 'destinationrule', name: 'tls-load-balancer', args: ['--name', 'reviews', '-n', 'shop', '--host', 'reviews', '--subset', 'v1:version=v1', '--tls', 'ISTIO_MUTUAL', '--load-balancer', 'LEAST_REQUEST']},
  {kind: 'destinationrule', name: 'pool-outlier', args: ['--name', 'payments', '-n', 'shop', '--host', 'payments', '--max-connections', '100', '--max-pending-requests', '10', '--consecutive-5xx-errors', '5', '--ejection-time', '30s']},
  {kind: 'destinationrule', name: 'mutual-tls', args: ['--name', 'bank', '-n', 'shop', '--host', 'api.bank.example.com', '--tls', 'MUTUAL', '--credential-name', 'bank-client', '--sni', 'api.bank.example.com']},
  {
    kind: 'authorizationpolicy',
    name: 'allow-payments',
    args: ['--name', 'allow-payments', '--namespace', 'shop', '--selector', 'app=orders', '--action', 'ALLOW', '--from-principal', 'cluster.local/ns/shop/sa/payments', '--method', 'POST', '--path', '/orders/*'],
  },
  {kind: 'authorizationpolicy', name: 'deny-all', args: ['--namespace', 'shop', '--deny-all']},
  {kind: 'authorizationpolicy', name: 'allow-all', args: ['--name', 'allow-frontend', '-n', 'shop', '--selector', 'app=frontend', '--action', 'ALLOW']},
  {
    kind: 'authorizationpolicy',
    name: 'deny-not-path',
    args: ['--name', 'block-admin', '-n', 'shop', '--selector', 'app=orders', '--action', 'DENY', '--not-from-namespace', 'shop', '--path', '/admin/*', '--not-path', '/admin/health', '--port', '8080'],
  },
  {kind: 'authorizationpolicy', name: 'custom-provider', args: ['--name', 'ext-authz', '-n', 'shop', '--selector', 'app=frontend', '--action', 'CUSTOM', '--provider', 'oauth2-proxy', '--path', '/account/*']},
  {kind: 'authorizationpolicy', name: 'audit', args: ['--name', 'audit-writes', '-n', 'shop', '--action', 'AUDIT', '--method', 'POST,PUT,DELETE', '--from-namespace', 'shop,ops', '--not-method', 'GET']},
  {kind: 'peerauthentication', name: 'namespace-strict', args: ['--namespace', 'shop', '--mode', 'STRICT']},
  {kind: 'peerauthentication', name: 'selector-port-mode', args: ['--namespace', 'shop', '--mode', 'STRICT', '--selector', 'app=legacy', '--port-mode', '8080=PERMISSIVE', '--port-mode', '9090=DISABLE']},
  {kind: 'peerauthentication', name: 'mesh-wide', args: ['--mesh-wide', '--mode', 'STRICT']},
  {kind: 'peerauthentication', name: 'mesh-wide-root', args: ['--mesh-wide', '--mode', 'PERMISSIVE', '--root-namespace', 'mesh-root']},
  {kind: 'zero-trust', name: 'issue-example', args: ['--namespace', 'shop', '--allow', 'frontend->orders:GET,POST:/orders/*', '--allow', 'orders->payments']},
  {
    kind: 'zero-trust',
    name: 'cross-namespace',
    args: ['-n', 'shop', '--trust-domain', 'example.org', '--app-label', 'app.kubernetes.io/name', '--allow', 'frontend,ops/admin->orders:get,post:/orders,/orders/*', '--allow', 'ops/admin->orders:GET,POST:/orders/*,/orders', '--allow', 'orders->payments:POST'],
  },
]

describe('cleat generate: golden outputs (every generator and option family)', () => {
  for (const c of CASES) {
    it(`${c.kind} ${c.name}`, async () => {
      const r = await runGenerate([c.kind, ...c.args])
      assert.equal(r.exitCode, 0, r.stderr)
      assertGolden(`generate/${c.kind}/${c.name}.${c.ext ?? 'yaml'}`, r.stdout)
      const report = validateText(r.stdout, {file: `generated.${c.ext ?? 'yaml'}`})
      const errors = report.diagnostics.filter((d) => d.severity === 'error')
      assert.deepEqual(errors, [], 'a generated resource has validation errors')
      assert.ok(report.summary.resources >= 1)
    })
  }

  it('zero-trust --from-file reads the call graph', async () => {
    const dir = await tempDir()
    const graph = path.join(dir, 'graph.yaml')
    await writeFile(graph, 'namespace: shop\ncalls:\n- from: frontend\n  to: orders\n  methods: [GET, POST]\n  paths: [/orders/*]\n- from: [orders]\n  to: payments\n')
    const fromFile = await runGenerate(['zero-trust', '--from-file', graph])
    assert.equal(fromFile.exitCode, 0, fromFile.stderr)
    const fromFlags = await runGenerate(['zero-trust', '--namespace', 'shop', '--allow', 'frontend->orders:GET,POST:/orders/*', '--allow', 'orders->payments'])
    assert.equal(fromFile.stdout, fromFlags.stdout)
    assertGolden('generate/zero-trust/issue-example.yaml', fromFile.stdout)
  })
})

describe('cleat generate: golden outputs against the upstream Istio CRDs', () => {
  it('every golden file and the bundled example pass the CRD schemas and CEL rules of ../shared/istio-corpus', {skip: corpusSkip}, async () => {
    const crds = await loadCrdSchemaProvider([path.join(CORPUS_DIR, 'crds', 'istio-crds.yaml')], REPO_ROOT)
    const dir = path.join(REPO_ROOT, 'test', 'golden', 'generate')
    const files = (await readdir(dir, {recursive: true})).filter((f) => /\.(yaml|json)$/.test(f)).map((f) => path.join(dir, f))
    files.push(path.join(REPO_ROOT, 'examples', 'shop.yaml'))
    assert.ok(files.length >= CASES.length)
    let resources = 0
    for (const f of files) {
      const report = validateSources([{file: f, text: await readFile(f, 'utf8')}], {schemas: crds, analyzers: []})
      assert.deepEqual(report.diagnostics.filter((d) => d.severity === 'error'), [], f)
      resources += report.summary.resources
    }
    assert.ok(resources > CASES.length)
  })
})
