import assert from 'node:assert/strict'
import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {runGenerate, tempDir} from './helpers.js'

const VS = ['virtualservice', '--name', 'reviews', '--namespace', 'shop', '--host', 'reviews']

describe('cleat generate: values are checked before anything is generated', () => {
  it('refuses weights that do not total 100, naming them', async () => {
    const r = await runGenerate([...VS, '--subset', 'v1=70', '--subset', 'v2=20'])
    assert.equal(r.exitCode, 64)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /CL7005 --subset: the weights total 90, not 100 \(v1=70 \+ v2=20\)/)
  })

  it('refuses a weight on a single destination other than 100, and unweighted destinations among several', async () => {
    const one = await runGenerate([...VS, '--destination', 'reviews=60'])
    assert.equal(one.exitCode, 64)
    assert.match(one.stderr, /CL7005 --destination: a single destination takes all traffic; its weight must be 100/)
    const several = await runGenerate([...VS, '--subset', 'v1=50', '--destination', 'other'])
    assert.equal(several.exitCode, 64)
    assert.match(several.stderr, /'other' has no weight/)
  })

  it('rejects a weight that is not a number or above 100', async () => {
    const r = await runGenerate([...VS, '--subset', 'v1=seventy', '--subset', 'v2=130'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /the weight of 'v1' is 'seventy', not a whole number/)
    assert.match(r.stderr, /the weight of 'v2' is 130; weights are percentages/)
  })

  it('checks names, namespaces, hosts and subset names as Kubernetes and Istio do, all at once', async () => {
    const r = await runGenerate(['virtualservice', '--name', 'Reviews', '--namespace', 'shop.prod', '--host', 'Reviews.shop', '--subset', 'V1=100'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /CL7002 --name: 'Reviews' is not a valid name/)
    assert.match(r.stderr, /CL7002 --namespace: 'shop\.prod' is not a valid namespace/)
    assert.match(r.stderr, /CL7003 --host: 'Reviews\.shop' has upper-case letters/)
    assert.match(r.stderr, /CL7002 --subset: subset name 'V1' is not valid/)
  })

  it('refuses a wildcard host as a route destination', async () => {
    const r = await runGenerate(['virtualservice', '--name', 'web', '-n', 'shop', '--host', '*.example.com', '--gateway', 'public', '--subset', 'v1=100'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /CL7003 --host: the route would go to '\*\.example\.com', a wildcard/)
    const bad = await runGenerate(['virtualservice', '--name', 'web', '-n', 'shop', '--host', 'api.*.com'])
    assert.match(bad.stderr, /has a '\*' that is not the whole first label/)
  })

  it('checks label syntax of selectors and subsets', async () => {
    const r = await runGenerate(['authorizationpolicy', '--name', 'p', '-n', 'shop', '--action', 'ALLOW', '--selector', 'app=orders service!'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /CL7004 --selector: label value 'orders service!' is not valid/)
    const dr = await runGenerate(['destinationrule', '--name', 'r', '-n', 'shop', '--host', 'r', '--subset', 'v1:-bad=v1'])
    assert.match(dr.stderr, /CL7004 --subset: label key '-bad' is not valid/)
    const syntax = await runGenerate(['destinationrule', '--name', 'r', '-n', 'shop', '--host', 'r', '--subset', 'v1'])
    assert.match(syntax.stderr, /CL7006 --subset: 'v1' is not NAME:KEY=VALUE/)
  })

  it('checks durations, retry conditions and the flags retries need', async () => {
    const r = await runGenerate([...VS, '--timeout', '5 seconds', '--retry-on', '5xx,sometimes', '--per-try-timeout', '0.1ms'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /CL7009 --timeout: '5 seconds' is not a duration/)
    assert.match(r.stderr, /CL7006 --retry-on: 'sometimes' is not a retry condition/)
    assert.match(r.stderr, /CL7009 --per-try-timeout: '0\.1ms' is shorter than 1ms/)
    const noRetries = await runGenerate([...VS, '--retry-on', '5xx'])
    assert.match(noRetries.stderr, /CL7007 --retry-on: retry conditions need a number of retries/)
  })

  it('enforces the combinations Istio requires of AuthorizationPolicy and PeerAuthentication', async () => {
    const custom = await runGenerate(['authorizationpolicy', '--name', 'x', '-n', 'shop', '--action', 'CUSTOM'])
    assert.equal(custom.exitCode, 64)
    assert.match(custom.stderr, /--provider/)
    const provider = await runGenerate(['authorizationpolicy', '--name', 'x', '-n', 'shop', '--action', 'DENY', '--provider', 'ext', '--method', 'GET'])
    assert.match(provider.stderr, /CL7007 --provider: a provider only applies to CUSTOM policies, not DENY/)
    const denyAll = await runGenerate(['authorizationpolicy', '-n', 'shop', '--deny-all', '--method', 'GET', '--selector', 'app=x'])
    assert.equal(denyAll.exitCode, 64)
    assert.match(denyAll.stderr, /CL7007 --method: the deny-all policy applies to the whole namespace and has no rules/)
    assert.match(denyAll.stderr, /CL7007 --selector:/)
    const portMode = await runGenerate(['peerauthentication', '-n', 'shop', '--mode', 'STRICT', '--port-mode', '8080=PERMISSIVE'])
    assert.match(portMode.stderr, /CL7007 --port-mode: per-port modes need a workload selector/)
    const mesh = await runGenerate(['peerauthentication', '--mesh-wide', '-n', 'shop', '--mode', 'STRICT'])
    assert.match(mesh.stderr, /CL7007 --namespace: a mesh-wide policy lives in the root namespace 'istio-system', not 'shop'/)
  })

  it('checks principals, methods and paths of policies', async () => {
    const r = await runGenerate([
      'authorizationpolicy', '--name', 'x', '-n', 'shop', '--action', 'ALLOW',
      '--from-principal', 'spiffe://cluster.local/ns/shop/sa/a', '--from-principal', 'cluster.*.local/ns/x',
      '--method', 'post', '--path', 'orders', '--port', '70000',
    ])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /starts with spiffe:\/\/; Istio principals omit it/)
    assert.match(r.stderr, /'cluster\.\*\.local\/ns\/x' uses '\*' in the middle/)
    assert.match(r.stderr, /'post' is not an HTTP method/)
    assert.match(r.stderr, /path 'orders' must start with '\/'/)
    assert.match(r.stderr, /--port: .*must be <= 65535/)
  })

  it('checks zero-trust --allow syntax and service accounts', async () => {
    const r = await runGenerate(['zero-trust', '-n', 'shop', '--allow', 'frontend=>orders', '--allow', 'Front_End->orders'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /'frontend=>orders' is not SOURCE_SA->DEST_APP/)
    const sa = await runGenerate(['zero-trust', '-n', 'shop', '--allow', 'Front_End->orders'])
    assert.match(sa.stderr, /CL7002 --allow: 'Front_End' is not a service account/)
  })

  it('rejects an unknown enum value through the flag parser (exit 64)', async () => {
    const r = await runGenerate(['destinationrule', '--name', 'r', '-n', 'shop', '--host', 'r', '--tls', 'BOGUS'])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /--tls/)
  })

  it('needs a spec file or a generator', async () => {
    const r = await runGenerate([])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /nothing to generate: give a spec file \(--from FILE\) or name a generator/)
  })

  it('runs the output through the validation engine and writes nothing that Istio would reject', async () => {
    // '*' passes the host syntax check, but Istio rejects it on a VirtualService applied to the sidecars.
    const dir = await tempDir()
    const r = await runGenerate(['virtualservice', '--name', 'catch-all', '-n', 'shop', '--host', '*', '--destination', 'reviews', '--out-file', path.join(dir, 'vs.yaml')])
    assert.equal(r.exitCode, 64)
    assert.match(r.stderr, /CL7020 VirtualService shop\/catch-all spec\.hosts\[0\]: .*\(CL2\d{3}\)/)
    assert.deepEqual(await readdir(dir), [])
  })
})
