/**
 * The sidecar agent's configuration for a VM: cluster.env (KEY='value' lines read by istio-start.sh),
 * mesh.yaml (ProxyConfig under `defaultConfig`) and the hosts lines. For the same inputs the keys and
 * values match what `istioctl x workload entry configure` writes, plus cleat's additions (CA_ADDR and
 * discoveryAddress always, PROV_CERT/OUTPUT_CERTS, ECC_SIGNATURE_ALGORITHM, ISTIO_META_POD_PORTS).
 */
import {isIP} from 'node:net'
import {load} from 'js-yaml'
import {InputError, UsageError} from '../errors.js'
import {isObj} from '../model/resource.js'
import type {KeyType} from './pki.js'
import {sortObj, type WorkloadGroupSpec} from './workload-group.js'

export const DEFAULT_ISTIOD_PORT = 15012
export const CERT_DIR = '/etc/certs'

export interface IstiodAddress {
  /** What the VM dials (a DNS name; `istiod[-rev].NS.svc` when an IP was given). */
  host: string
  port: number
  /** IP to map `host` to in /etc/hosts, when the address given was an IP. */
  hostsIp: string | null
}

/** Parse `HOST[:PORT]`, `IPv4[:PORT]`, `[IPv6]:PORT` or a bare IPv6 address. */
export function parseIstiodAddress(text: string, revision: string, istioNamespace: string): IstiodAddress {
  let host = text.trim()
  let port = DEFAULT_ISTIOD_PORT
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(host)
  if (v6) {
    host = v6[1]!
    if (v6[2]) port = Number(v6[2])
  } else if (isIP(host) !== 6) {
    const m = /^([^:]+):(\d+)$/.exec(host)
    if (m) {
      host = m[1]!
      port = Number(m[2])
    }
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--istiod-address: bad port in "${text}"`)
  if (isIP(host)) return {host: istiodServiceHost(revision, istioNamespace), port, hostsIp: host}
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host)) throw new UsageError(`--istiod-address: "${text}" is not a host name or IP address`)
  return {host: host.toLowerCase(), port, hostsIp: null}
}

export function istiodServiceHost(revision: string, istioNamespace: string): string {
  return `istiod${revision && revision !== 'default' ? `-${revision}` : ''}.${istioNamespace}.svc`
}

/** Read a mesh config snapshot: the MeshConfig YAML itself, or a ConfigMap with a `mesh` key. */
export function parseMeshConfig(text: string, file: string): Record<string, unknown> {
  let doc: unknown
  try {
    doc = load(text)
  } catch (e) {
    throw new InputError(`${file} is not valid YAML (${(e as Error).message.split('\n')[0]})`)
  }
  if (doc === undefined || doc === null) return {}
  if (!isObj(doc)) throw new InputError(`${file} is not a mesh config mapping`)
  if (doc.kind === 'ConfigMap') {
    const mesh = isObj(doc.data) ? doc.data.mesh : undefined
    if (typeof mesh !== 'string') throw new InputError(`${file}: the ConfigMap has no data.mesh`)
    return parseMeshConfig(mesh, `${file} (data.mesh)`)
  }
  return doc
}

export interface AgentConfigInput {
  vmName: string
  wg: WorkloadGroupSpec
  meshConfig: Record<string, unknown>
  trustDomain: string
  clusterId: string
  network: string
  revision: string
  istiod: IstiodAddress
  vmIp: string | null
  externalIp: string | null
  captureDns: boolean
  autoregister: boolean
  keyType: KeyType
  /** Certificate bootstrap (offline): the agent authenticates with /etc/certs. Always on, so renewal uses mTLS. */
  certDir?: string
}

export interface AgentConfig {
  clusterEnv: Record<string, string>
  proxyMetadata: Record<string, string>
  mesh: {defaultConfig: Record<string, unknown>}
  /** `IP HOST` lines for /etc/hosts, or null when istiod has a DNS name. */
  hosts: string | null
  labels: Record<string, string>
}

function strRecord(v: unknown): Record<string, string> {
  if (!isObj(v)) return {}
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]))
}

/** Labels of the VM: spec.metadata.labels < template labels, plus the canonical service/revision labels. */
export function vmLabels(wg: WorkloadGroupSpec): Record<string, string> {
  const l = {...wg.labels, ...wg.templateLabels}
  const name = l['service.istio.io/canonical-name'] ?? l['app.kubernetes.io/name'] ?? l.app ?? wg.name
  const rev = l['service.istio.io/canonical-revision'] ?? l['app.kubernetes.io/version'] ?? l.version ?? 'latest'
  return sortObj({...l, 'service.istio.io/canonical-name': name, 'service.istio.io/canonical-revision': rev})
}

/** Build cluster.env, mesh.yaml and hosts for a VM. Pure. */
export function buildAgentConfig(i: AgentConfigInput): AgentConfig {
  const defaultConfig: Record<string, unknown> = isObj(i.meshConfig.defaultConfig) ? structuredClone(i.meshConfig.defaultConfig) : {}
  const annot = i.wg.annotations['proxy.istio.io/config']
  if (annot !== undefined) {
    let pc: unknown
    try {
      pc = load(annot)
    } catch (e) {
      throw new InputError(`the proxy.istio.io/config annotation of WorkloadGroup ${i.wg.namespace}/${i.wg.name} is not YAML (${(e as Error).message.split('\n')[0]})`)
    }
    if (isObj(pc)) {
      for (const [k, v] of Object.entries(pc)) {
        if (k === 'proxyMetadata') defaultConfig.proxyMetadata = {...strRecord(defaultConfig.proxyMetadata), ...strRecord(v)}
        else defaultConfig[k] = v
      }
    }
  }
  const labels = vmLabels(i.wg)
  const statusPort = typeof defaultConfig.statusPort === 'number' ? defaultConfig.statusPort : 15020
  const meshId = typeof defaultConfig.meshId === 'string' ? defaultConfig.meshId : ''
  const pm: Record<string, string> = {...strRecord(defaultConfig.proxyMetadata)}
  Object.assign(pm, {
    CANONICAL_REVISION: labels['service.istio.io/canonical-revision']!,
    CANONICAL_SERVICE: labels['service.istio.io/canonical-name']!,
    ISTIO_META_CLUSTER_ID: i.clusterId,
    ISTIO_META_DNS_CAPTURE: String(i.captureDns),
    ISTIO_META_MESH_ID: meshId,
    ISTIO_META_NETWORK: i.network,
    ISTIO_META_WORKLOAD_NAME: i.wg.name,
    ISTIO_METAJSON_LABELS: JSON.stringify(labels),
    POD_NAMESPACE: i.wg.namespace,
    SERVICE_ACCOUNT: i.wg.serviceAccount,
    TRUST_DOMAIN: i.trustDomain,
  })
  if (i.autoregister) pm.ISTIO_META_AUTO_REGISTER_GROUP = i.wg.name
  const portEntries = Object.entries(i.wg.ports).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
  if (portEntries.length) pm.ISTIO_META_POD_PORTS = JSON.stringify(portEntries.map(([name, containerPort]) => ({name, containerPort, protocol: 'TCP'})))
  if (i.keyType === 'ecdsa-p256') pm.ECC_SIGNATURE_ALGORITHM = 'ECDSA'
  const proxyMetadata = sortObj(pm)

  const addr = `${i.istiod.host}:${i.istiod.port}`
  defaultConfig.proxyMetadata = proxyMetadata
  defaultConfig.discoveryAddress = addr
  if (i.wg.probe) defaultConfig.readinessProbe = i.wg.probe
  const certDir = i.certDir ?? CERT_DIR

  const env: Record<string, string> = {
    ...proxyMetadata,
    CA_ADDR: addr,
    ISTIO_INBOUND_PORTS: portEntries.length ? [...new Set(portEntries.map(([, p]) => String(p)))].join(',') : '*',
    ISTIO_LOCAL_EXCLUDE_PORTS: `22,15090,15021,${statusPort}`,
    ISTIO_NAMESPACE: i.wg.namespace,
    ISTIO_SERVICE: `${i.wg.name}.${i.wg.namespace}`,
    ISTIO_SERVICE_CIDR: '*',
    OUTPUT_CERTS: certDir,
    PROV_CERT: certDir,
  }
  if (i.vmIp && i.externalIp) throw new UsageError('--vm-ip and --external-ip are mutually exclusive')
  for (const [flag, v] of [['--vm-ip', i.vmIp], ['--external-ip', i.externalIp]] as const) {
    if (v && !isIP(v)) throw new UsageError(`${flag} "${v}" is not an IP address`)
  }
  if (i.vmIp) env.ISTIO_SVC_IP = i.vmIp
  if (i.externalIp) {
    env.ISTIO_SVC_IP = i.externalIp
    env.REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION = 'true'
  }
  return {
    clusterEnv: sortObj(env),
    proxyMetadata,
    mesh: {defaultConfig: sortObj(defaultConfig)},
    hosts: i.istiod.hostsIp ? `${i.istiod.hostsIp} ${i.istiod.host}\n` : null,
    labels,
  }
}

/** Quote a value for a POSIX shell (`'…'`, with `'` written as `'\''`). */
export function shellQuote(v: string): string {
  return `'${v.replaceAll("'", "'\\''")}'`
}

/** cluster.env text: sorted `KEY='value'` lines. */
export function renderEnv(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((k) => `${k}=${shellQuote(env[k]!)}`)
    .join('\n') + '\n'
}

/** Parse `KEY='value'` / `KEY=value` lines (what renderEnv writes, and istioctl's cluster.env). */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (!t || t.startsWith('#')) continue
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t)
    if (!m) continue
    let v = m[2]!
    if (v.startsWith("'")) {
      let s = ''
      let rest = v
      while (rest.startsWith("'")) {
        const end = rest.indexOf("'", 1)
        if (end < 0) break
        s += rest.slice(1, end)
        rest = rest.slice(end + 1)
        if (rest.startsWith("\\'")) {
          s += "'"
          rest = rest.slice(2)
        }
      }
      v = s
    } else if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1)
    out[m[1]!] = v
  }
  return out
}

/** Parse hosts lines into `ip → names`. */
export function parseHosts(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const line of text.split('\n')) {
    const t = line.replace(/#.*/, '').trim()
    if (!t) continue
    const [ip, ...names] = t.split(/\s+/)
    out[ip!] = [...(out[ip!] ?? []), ...names]
  }
  return out
}
