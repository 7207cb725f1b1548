// cluster.env / mesh.yaml / hosts parity with istioctl's goldens (read in place from ../shared/istio-corpus,
// skipped when absent), plus cleat's own goldens for the text files of a fixed input.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'
import {load} from 'js-yaml'
import {buildAgentConfig, parseEnv, parseHosts, parseIstiodAddress, parseMeshConfig, renderEnv} from '../../../src/core/vm/agent-config.js'
import {buildWorkloadGroup, dumpYaml, parseWorkloadGroup, validateObject} from '../../../src/core/vm/workload-group.js'
import {assertGolden} from '../../helpers/golden.js'
import {CORPUS_DIR, corpusSkip} from '../../helpers/paths.js'

const VM = path.join(CORPUS_DIR, 'vm')
const read = (f: string) => readFileSync(path.join(VM, f), 'utf8')

/**
 * Deliberate differences from istioctl, for the same inputs:
 * - TRUST_DOMAIN: istioctl copies meshConfig.trustDomain verbatim ('' when unset); cleat writes the
 *   effective trust domain (cluster.local), which is what the certificate and the agent use.
 */
const DELIBERATE: Record<string, string> = {TRUST_DOMAIN: 'cluster.local'}

const CASES = [
  {name: 'vmconfig__ipv4', wg: 'vmconfig__ipv4__workloadgroup.yaml', mesh: 'vmconfig__ipv4__meshconfig.yaml', vmIp: '10.10.10.10', ingress: '10.10.10.11', revision: 'rev-1'},
  {name: 'vmconfig__ipv6', wg: 'vmconfig__ipv6__workloadgroup.yaml', mesh: 'vmconfig__ipv6__meshconfig.yaml', vmIp: 'fd00:10:96::1', ingress: 'fd00:10:96::2', revision: 'rev-1'},
  {name: 'vmconfig-nil-proxy-metadata', wg: 'vmconfig-nil-proxy-metadata__workloadgroup.yaml', mesh: null, vmIp: '10.10.10.10', ingress: null, revision: ''},
]

function ours(c: (typeof CASES)[number]) {
  const wg = parseWorkloadGroup(read(c.wg), c.wg)
  return buildAgentConfig({
    vmName: 'vm-1',
    wg,
    meshConfig: c.mesh ? parseMeshConfig(read(c.mesh), c.mesh) : parseMeshConfig('defaultConfig: {}\n', 'inline'),
    trustDomain: 'cluster.local',
    clusterId: 'Kubernetes',
    network: wg.network,
    revision: c.revision,
    // istioctl without --ingressIP writes an empty hosts file and no discovery address: give cleat the service name.
    istiod: parseIstiodAddress(c.ingress ?? 'istiod.istio-system.svc', c.revision, 'istio-system'),
    vmIp: c.vmIp,
    externalIp: null,
    captureDns: true, // istioctl's --capture-dns defaults to true; cleat's to false
    autoregister: false,
    keyType: 'ecdsa-p256',
  })
}

function assertSuperset(theirs: Record<string, string>, mine: Record<string, string>, what: string) {
  for (const [k, v] of Object.entries(theirs)) {
    assert.ok(k in mine, `${what}: istioctl writes ${k}, cleat does not`)
    assert.equal(mine[k], k in DELIBERATE ? DELIBERATE[k] : v, `${what}: ${k}`)
  }
}

describe('vm agent config: parity with istioctl x workload entry configure', {skip: corpusSkip}, () => {
  for (const c of CASES) {
    it(`${c.name}: cluster.env has istioctl's keys and values`, () => {
      const theirs = parseEnv(read(`${c.name}__cluster.env.golden`))
      assert.ok(Object.keys(theirs).length > 10)
      const mine = parseEnv(renderEnv(ours(c).clusterEnv))
      assertSuperset(theirs, mine, 'cluster.env')
      // our additions, explicitly
      assert.equal(mine.PROV_CERT, '/etc/certs')
      assert.equal(mine.OUTPUT_CERTS, '/etc/certs')
      assert.match(mine.CA_ADDR!, /:15012$/)
    })

    it(`${c.name}: mesh.yaml has istioctl's proxyMetadata, readinessProbe and discoveryAddress`, () => {
      const theirs = load(read(`${c.name}__mesh.yaml.golden`)) as {defaultConfig: Record<string, unknown>}
      const mine = load(dumpYaml(ours(c).mesh)) as {defaultConfig: Record<string, unknown>}
      assertSuperset(theirs.defaultConfig.proxyMetadata as Record<string, string>, mine.defaultConfig.proxyMetadata as Record<string, string>, 'proxyMetadata')
      assert.deepEqual(mine.defaultConfig.readinessProbe, theirs.defaultConfig.readinessProbe)
      if (theirs.defaultConfig.discoveryAddress !== undefined) assert.equal(mine.defaultConfig.discoveryAddress, theirs.defaultConfig.discoveryAddress)
      for (const k of Object.keys(theirs.defaultConfig)) assert.ok(k in mine.defaultConfig, `mesh.yaml lacks ${k}`)
    })

    it(`${c.name}: hosts maps the same names`, () => {
      const theirs = parseHosts(read(`${c.name}__hosts.golden`))
      const mine = parseHosts(ours(c).hosts ?? '')
      assert.deepEqual(mine, theirs)
    })
  }

  it('vm group builds the object of istioctl x workload group create (customYAML)', () => {
    const theirs = load(read('TestWorkloadGroupCreate__customYAML.expected.yaml'))
    const mine = buildWorkloadGroup({name: 'foo', namespace: 'bar', labels: {app: 'foo', bar: 'baz'}, annotations: {annotation: 'foobar'}, ports: {grpc: 3550, http: 8080}, serviceAccount: 'test', weight: 100})
    assert.deepEqual(mine, theirs)
    const dflt = load(read('TestWorkloadGroupCreate__defaultYAML.expected.yaml'))
    assert.deepEqual(buildWorkloadGroup({name: 'foo', namespace: 'bar', serviceAccount: 'default'}), dflt)
  })
})

describe('vm agent config: cleat goldens and rules', () => {
  const wg = parseWorkloadGroup(
    dumpYaml(buildWorkloadGroup({name: 'web', namespace: 'shop', serviceAccount: 'web-vm', labels: {app: 'web', version: 'v2'}, ports: {http: 8080, grpc: 9090}, probe: {kind: 'http', path: '/healthz', port: 8080}})),
    'wg.yaml',
  )
  const base = {
    vmName: 'web-1', wg, meshConfig: {defaultConfig: {proxyMetadata: {FROM_MESH: 'x'}}}, trustDomain: 'example.org', clusterId: 'c1', network: 'net-a', revision: 'canary',
    vmIp: '10.0.0.5', externalIp: null, captureDns: false, autoregister: true, keyType: 'ecdsa-p256' as const,
  }

  it('renders cluster.env, mesh.yaml and hosts as in test/golden/vm', () => {
    const cfg = buildAgentConfig({...base, istiod: parseIstiodAddress('203.0.113.10', 'canary', 'istio-system')})
    assertGolden('vm/ip-address/cluster.env', renderEnv(cfg.clusterEnv))
    assertGolden('vm/ip-address/mesh.yaml', dumpYaml(cfg.mesh))
    assertGolden('vm/ip-address/hosts', cfg.hosts!)
  })

  it('a DNS name for istiod means no hosts file, and the name in CA_ADDR and discoveryAddress', () => {
    const cfg = buildAgentConfig({...base, istiod: parseIstiodAddress('istiod.mesh.example.com:443', 'canary', 'istio-system')})
    assert.equal(cfg.hosts, null)
    assert.equal(cfg.clusterEnv.CA_ADDR, 'istiod.mesh.example.com:443')
    assert.equal(cfg.mesh.defaultConfig.discoveryAddress, 'istiod.mesh.example.com:443')
    assertGolden('vm/dns-name/cluster.env', renderEnv(cfg.clusterEnv))
  })

  it('parses IPv6 addresses with and without a port', () => {
    assert.deepEqual(parseIstiodAddress('[fd00::2]:15013', '', 'istio-system'), {host: 'istiod.istio-system.svc', port: 15013, hostsIp: 'fd00::2'})
    assert.deepEqual(parseIstiodAddress('fd00::2', '', 'istio-system'), {host: 'istiod.istio-system.svc', port: 15012, hostsIp: 'fd00::2'})
    assert.throws(() => parseIstiodAddress('bad host!', '', 'istio-system'), /not a host name/)
  })

  it('shell-quotes values with quotes so sh reads them back unchanged', () => {
    const env = {A: "it's", B: 'x y $HOME `id`'}
    assert.deepEqual(parseEnv(renderEnv(env)), env)
  })

  it('the generated WorkloadGroup passes the validate engine', () => {
    const obj = buildWorkloadGroup({name: 'web', namespace: 'shop', serviceAccount: 'web-vm', probe: {kind: 'exec', command: 'curl -sf localhost:8080'}})
    assert.deepEqual(validateObject(obj).filter((d) => d.severity === 'error'), [])
  })
})
