/**
 * The per-VM bundle: a pure planner (inputs → files with modes + manifest) and the layout shared by
 * `vm install`, `vm verify` and install.sh.
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {UsageError} from '../errors.js'
import {packageDir} from '../validate/schema-registry.js'
import {buildAgentConfig, renderEnv, type AgentConfigInput, type IstiodAddress} from './agent-config.js'
import type {LoadedCa} from './ca.js'
import {MODE, type PlannedFile} from './files.js'
import {certPem, checkCsr, fingerprint, generateKeyPair, issueLeaf, parseCertificates, privateKeyPem, sha256Hex, spiffeId, type KeyType} from './pki.js'
import {dumpYaml, validateObject, type WorkloadGroupSpec} from './workload-group.js'

export const MANIFEST = 'manifest.json'
export const HOSTS_BEGIN = '# BEGIN cleat-vm (managed by cleat; do not edit this block)'
export const HOSTS_END = '# END cleat-vm'

/** Where each bundle file goes on the VM, with its owner and mode. `hosts` is merged into /etc/hosts. */
export interface Placement {
  dest: string
  mode: number
  owner: 'root' | 'istio-proxy'
}

export const PLACEMENTS: Readonly<Record<string, Placement>> = {
  'root-cert.pem': {dest: '/etc/certs/root-cert.pem', mode: 0o644, owner: 'istio-proxy'},
  'cert-chain.pem': {dest: '/etc/certs/cert-chain.pem', mode: 0o644, owner: 'istio-proxy'},
  'key.pem': {dest: '/etc/certs/key.pem', mode: 0o600, owner: 'istio-proxy'},
  'istio-token': {dest: '/var/run/secrets/tokens/istio-token', mode: 0o600, owner: 'istio-proxy'},
  'cluster.env': {dest: '/var/lib/istio/envoy/cluster.env', mode: 0o644, owner: 'root'},
  'mesh.yaml': {dest: '/etc/istio/config/mesh', mode: 0o644, owner: 'root'},
}

/** Directories the installer creates (and sets the mode of): the credential directories are 0750. */
export const PLACED_DIRS: Readonly<Record<string, {mode: number; owner: 'root' | 'istio-proxy'}>> = {
  '/etc/certs': {mode: 0o750, owner: 'istio-proxy'},
  '/var/run/secrets/tokens': {mode: 0o750, owner: 'istio-proxy'},
  '/var/lib/istio/envoy': {mode: 0o755, owner: 'root'},
  '/etc/istio/config': {mode: 0o755, owner: 'root'},
}

export const SECRET_FILES = new Set(['key.pem', 'istio-token'])

export interface ManifestFile {
  sha256: string
  mode: string
  /** Destination on the VM, or null for files that are not installed. */
  installTo: string | null
}

export interface BundleManifest {
  apiVersion: 'cleat.dev/v1'
  kind: 'VmBundle'
  vmName: string
  createdAt: string
  tool: {name: 'cleat'; version: string}
  mode: 'offline' | 'online'
  identity: {spiffeId: string; trustDomain: string; namespace: string; serviceAccount: string}
  workloadGroup: string
  istiod: {address: string; host: string; port: number; hostsIp: string | null}
  certificate: null | {serial: string; sha256: string; issuer: string; notBefore: string; notAfter: string; keyType: KeyType; keyInBundle: boolean}
  token: null | {subject: string; audiences: string[]; expiresAt: string; boundSecret: string | null}
  inputs: Record<string, string | number | boolean | null>
  files: Record<string, ManifestFile>
}

export type Credential =
  | {kind: 'certificate'; ca: LoadedCa; ttlSeconds: number; csrPem?: string}
  | {kind: 'token'; token: string; rootPem: string; subject: string; audiences: string[]; expiresAt: Date; boundSecret: string | null}

export interface BundleInput extends Omit<AgentConfigInput, 'wg'> {
  wg: WorkloadGroupSpec
  now: Date
  credential: Credential
  /** Static installer scripts (templates/vm), read with readVmTemplates(). */
  scripts: VmTemplates
  toolVersion: string
  /** Flag values worth recording (no secrets). */
  inputs: Record<string, string | number | boolean | null>
  istioNamespace: string
}

export interface VmTemplates {
  install: string
  uninstall: string
}

export interface BundlePlan {
  vmName: string
  spiffeId: string
  files: PlannedFile[]
  manifest: BundleManifest
  diagnostics: Diagnostic[]
}

const VM_NAME_RE = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/

export function checkVmName(name: string): void {
  if (!VM_NAME_RE.test(name)) throw new UsageError(`--vm-name "${name}" must be a DNS label: lower-case letters, digits, '-' and '.', at most 63 characters`)
}

export function refuseDefaultServiceAccount(sa: string, allow: boolean): void {
  if (sa === 'default' && !allow) {
    throw new UsageError(`CL4051: the VM would use the namespace's shared "default" service account`, [
      'create a dedicated service account (kubectl create serviceaccount NAME -n NAMESPACE) and name it',
      'or pass --allow-default-service-account',
    ])
  }
}

export function modeString(mode: number): string {
  return '0' + mode.toString(8).padStart(3, '0')
}

export async function readVmTemplates(): Promise<VmTemplates> {
  const dir = path.join(packageDir(), 'templates', 'vm')
  return {install: await readFile(path.join(dir, 'install.sh'), 'utf8'), uninstall: await readFile(path.join(dir, 'uninstall.sh'), 'utf8')}
}

/** Canonical manifest text (verify re-serialises and compares). */
export function renderManifest(m: BundleManifest): string {
  return JSON.stringify(m, null, 2) + '\n'
}

/** Plan one VM bundle. Only crypto is asynchronous; nothing is written. */
export async function planBundle(i: BundleInput): Promise<BundlePlan> {
  checkVmName(i.vmName)
  const diagnostics: Diagnostic[] = []
  const id = spiffeId(i.trustDomain, i.wg.namespace, i.wg.serviceAccount)
  const cfg = buildAgentConfig({...i})
  const files: PlannedFile[] = [
    {path: 'cluster.env', contents: renderEnv(cfg.clusterEnv), mode: MODE.public},
    {path: 'mesh.yaml', contents: dumpYaml(cfg.mesh), mode: MODE.public},
  ]
  if (cfg.hosts) files.push({path: 'hosts', contents: cfg.hosts, mode: MODE.public})
  let certificate: BundleManifest['certificate'] = null
  let token: BundleManifest['token'] = null
  const cred = i.credential
  if (cred.kind === 'certificate') {
    let publicKey
    let leafKeyType: KeyType = i.keyType
    let keyPem: string | null = null
    if (cred.csrPem !== undefined) {
      const csr = await checkCsr(cred.csrPem, id)
      if (csr.problems.length > 0) throw new UsageError(`CL4031: the CSR was rejected: ${csr.problems.join('; ')}`)
      publicKey = csr.publicKey
      leafKeyType = csr.keyType
    } else {
      const kp = await generateKeyPair(i.keyType)
      publicKey = kp.publicKey
      keyPem = await privateKeyPem(kp.privateKey)
      diagnostics.push(diag('CL4053', {message: `${i.vmName}: the VM key was generated here and written to key.pem (0600); use --csr to keep it on the VM`}))
    }
    const leaf = await issueLeaf({spiffeId: id, publicKey, leafKeyType, issuer: cred.ca.signer, now: i.now, ttlSeconds: cred.ttlSeconds})
    files.push({path: 'root-cert.pem', contents: cred.ca.rootPem, mode: MODE.public})
    files.push({path: 'cert-chain.pem', contents: certPem(leaf) + cred.ca.chain.map(certPem).join(''), mode: MODE.public})
    if (keyPem !== null) files.push({path: 'key.pem', contents: keyPem, mode: MODE.secret})
    certificate = {
      serial: leaf.serialNumber,
      sha256: fingerprint(leaf),
      issuer: leaf.issuer,
      notBefore: leaf.notBefore.toISOString(),
      notAfter: leaf.notAfter.toISOString(),
      keyType: leafKeyType,
      keyInBundle: keyPem !== null,
    }
  } else {
    parseCertificates(cred.rootPem, 'the root certificate')
    files.push({path: 'root-cert.pem', contents: cred.rootPem, mode: MODE.public})
    files.push({path: 'istio-token', contents: cred.token, mode: MODE.secret})
    token = {subject: cred.subject, audiences: cred.audiences, expiresAt: cred.expiresAt.toISOString(), boundSecret: cred.boundSecret}
  }
  if (!i.autoregister) {
    const we = workloadEntry(i, cfg.labels)
    const bad = validateObject(we, 'workloadentry.yaml').filter((d) => d.severity === 'error')
    if (bad.length > 0) throw new UsageError(`the WorkloadEntry for ${i.vmName} would be invalid: ${bad.map((d) => `${d.code} ${d.message}`).join('; ')}`)
    files.push({path: 'workloadentry.yaml', contents: dumpYaml(we), mode: MODE.public})
  }
  files.push({path: 'install.env', contents: renderEnv({CLEAT_VM_NAME: i.vmName, CLEAT_SERVICE: 'istio'}), mode: MODE.public})
  files.push({path: 'install.sh', contents: i.scripts.install, mode: MODE.script})
  files.push({path: 'uninstall.sh', contents: i.scripts.uninstall, mode: MODE.script})

  const manifest: BundleManifest = {
    apiVersion: 'cleat.dev/v1',
    kind: 'VmBundle',
    vmName: i.vmName,
    createdAt: i.now.toISOString(),
    tool: {name: 'cleat', version: i.toolVersion},
    mode: cred.kind === 'certificate' ? 'offline' : 'online',
    identity: {spiffeId: id, trustDomain: i.trustDomain, namespace: i.wg.namespace, serviceAccount: i.wg.serviceAccount},
    workloadGroup: i.wg.name,
    istiod: {address: `${i.istiod.host}:${i.istiod.port}`, host: i.istiod.host, port: i.istiod.port, hostsIp: i.istiod.hostsIp},
    certificate,
    token,
    inputs: i.inputs,
    files: Object.fromEntries(
      [...files]
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map((f) => [f.path, {sha256: sha256Hex(f.contents), mode: modeString(f.mode), installTo: f.path === 'hosts' ? '/etc/hosts' : PLACEMENTS[f.path]?.dest ?? null}]),
    ),
  }
  files.push({path: MANIFEST, contents: renderManifest(manifest), mode: MODE.public})
  return {vmName: i.vmName, spiffeId: id, files, manifest, diagnostics}
}

function workloadEntry(i: BundleInput, labels: Record<string, string>): Record<string, unknown> {
  const address = i.externalIp ?? i.vmIp
  if (!address) throw new UsageError('--no-autoregister needs the VM address (--vm-ip or --external-ip) for the WorkloadEntry')
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: {name: i.vmName, namespace: i.wg.namespace, labels},
    spec: {
      address,
      labels,
      serviceAccount: i.wg.serviceAccount,
      ...(i.network ? {network: i.network} : {}),
      ...(Object.keys(i.wg.ports).length ? {ports: i.wg.ports} : {}),
      ...(i.wg.locality ? {locality: i.wg.locality} : {}),
      ...(i.wg.weight ? {weight: i.wg.weight} : {}),
    },
  }
}

/** Warn (CL4050) for every service account used by more than one VM (this run plus existing bundles). */
export function sharedServiceAccountWarnings(vms: readonly {vmName: string; namespace: string; serviceAccount: string}[]): Diagnostic[] {
  const by = new Map<string, string[]>()
  for (const v of vms) {
    const k = `${v.namespace}/${v.serviceAccount}`
    by.set(k, [...new Set([...(by.get(k) ?? []), v.vmName])])
  }
  return [...by.entries()]
    .filter(([, names]) => names.length > 1)
    .map(([k, names]) =>
      diag('CL4050', {message: `${names.length} VMs share the service account ${k} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): they get one SPIFFE identity`}),
    )
}

export type {IstiodAddress}
