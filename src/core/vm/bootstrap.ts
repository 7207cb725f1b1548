/**
 * `vm bootstrap` as a library: resolve inputs for one VM or a fleet (inventory), plan every bundle,
 * then write them. Reading files and the cluster happens here, in clearly named steps.
 */
import {readFile, readdir} from 'node:fs/promises'
import path from 'node:path'
import {sortDiagnostics, type Diagnostic} from '../diagnostics/diagnostic.js'
import {InputError, UsageError} from '../errors.js'
import {exists, FileExistsError} from '../fs/atomic-write.js'
import {parseIstiodAddress, parseMeshConfig, type IstiodAddress} from './agent-config.js'
import {planBundle, readVmTemplates, refuseDefaultServiceAccount, sharedServiceAccountWarnings, checkVmName, type Credential, type VmTemplates} from './bundle.js'
import {caFilesFromDir, checkTrustDomain, readCa, type CaFiles, type LoadedCa} from './ca.js'
import {readClusterFacts, issueBoundToken, type VmKubePort} from './online.js'
import type {KeyType} from './pki.js'
import {checkToken, MAX_TOKEN_TTL_S} from './token.js'
import {implicitWorkloadGroup, parseWorkloadGroup, type WorkloadGroupSpec} from './workload-group.js'
import {bundleTarget, writeBundle, type BundleFormat} from './write.js'

/** What may differ per VM (one row of an inventory, or the single VM of the flags). */
export interface VmRow {
  vmName: string
  workloadGroupFile?: string
  namespace?: string
  serviceAccount?: string
  vmIp?: string
  externalIp?: string
  network?: string
  istiodAddress?: string
  csrFile?: string
  tokenFile?: string
}

export interface BootstrapSettings {
  outDir: string
  format: BundleFormat
  force: boolean
  /** Offline: the signing CA. */
  ca?: CaFiles
  certTtlSeconds: number
  keyType: KeyType
  trustDomain?: string
  meshConfigFile?: string
  clusterId?: string
  revision: string
  istioNamespace: string
  gatewayService: string
  captureDns: boolean
  autoregister: boolean
  allowDefaultServiceAccount: boolean
  tokenTtlSeconds: number
  /** With --token-file and no cluster: the root certificate file. */
  rootCertFile?: string
  labels: Record<string, string>
  ports: Record<string, number>
  toolVersion: string
  /** Online mode: the cluster (null for offline or --token-file with --root-cert). */
  kube: VmKubePort | null
  cwd: string
}

export interface BootstrapResult {
  vmName: string
  target: string
  spiffeId: string
  mode: 'offline' | 'online'
  expiresAt: string
}

export interface FleetReport {
  results: BootstrapResult[]
  diagnostics: Diagnostic[]
}

export function caFilesFromFlags(f: {caDir?: string; caCert?: string; caKey?: string; rootCert?: string; certChain?: string}): CaFiles | undefined {
  if (f.caDir) return caFilesFromDir(f.caDir)
  if (f.caCert || f.caKey) {
    if (!f.caCert || !f.caKey || !f.rootCert) throw new UsageError('offline mode needs --ca-cert, --ca-key and --root-cert together (or --ca-dir)')
    return {caCert: f.caCert, caKey: f.caKey, rootCert: f.rootCert, ...(f.certChain ? {certChain: f.certChain} : {})}
  }
  return undefined
}

async function readInput(file: string, what: string, cwd: string): Promise<string> {
  try {
    return await readFile(path.resolve(cwd, file), 'utf8')
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

/** Parse an inventory CSV: a header row (vm_name required; namespace, service_account, workload_group, vm_ip, external_ip, network, istiod_address, csr, token_file), one VM per row. */
export function parseInventory(text: string, file: string): VmRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
  if (lines.length === 0) throw new InputError(`${file} is empty`)
  const header = splitCsv(lines[0]!).map((h) => h.trim().toLowerCase().replaceAll('-', '_'))
  const known: Record<string, keyof VmRow> = {
    vm_name: 'vmName', name: 'vmName', namespace: 'namespace', service_account: 'serviceAccount', workload_group: 'workloadGroupFile',
    vm_ip: 'vmIp', external_ip: 'externalIp', network: 'network', istiod_address: 'istiodAddress', csr: 'csrFile', token_file: 'tokenFile',
  }
  for (const h of header) if (!known[h]) throw new InputError(`${file}: unknown column "${h}" (known: ${Object.keys(known).join(', ')})`)
  if (!header.some((h) => known[h] === 'vmName')) throw new InputError(`${file}: the header must have a vm_name column`)
  const rows: VmRow[] = []
  const seen = new Set<string>()
  lines.slice(1).forEach((line, i) => {
    const cells = splitCsv(line)
    if (cells.length !== header.length) throw new InputError(`${file}:${i + 2}: ${cells.length} columns, the header has ${header.length}`)
    const row: Partial<Record<keyof VmRow, string>> = {}
    header.forEach((h, j) => {
      const v = cells[j]!.trim()
      if (v !== '') row[known[h]!] = v
    })
    if (!row.vmName) throw new InputError(`${file}:${i + 2}: vm_name is empty`)
    // File columns are relative to the inventory's own directory.
    for (const k of ['workloadGroupFile', 'csrFile', 'tokenFile'] as const) if (row[k]) row[k] = path.resolve(path.dirname(file), row[k])
    if (seen.has(row.vmName)) throw new InputError(`${file}:${i + 2}: VM ${row.vmName} appears twice`)
    seen.add(row.vmName)
    rows.push(row as VmRow)
  })
  if (rows.length === 0) throw new InputError(`${file} has a header but no VM rows`)
  return rows
}

function splitCsv(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let q = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') q = false
      else cur += ch
    } else if (ch === '"') q = true
    else if (ch === ',') {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out
}

/** Identities of bundles already in the output directory (for the shared service account warning). */
export async function readExistingIdentities(outDir: string): Promise<{vmName: string; namespace: string; serviceAccount: string}[]> {
  const out: {vmName: string; namespace: string; serviceAccount: string}[] = []
  let entries: string[]
  try {
    entries = await readdir(outDir)
  } catch {
    return out
  }
  for (const e of entries) {
    try {
      const m = JSON.parse(await readFile(path.join(outDir, e, 'manifest.json'), 'utf8')) as {vmName?: string; identity?: {namespace?: string; serviceAccount?: string}}
      if (m.vmName && m.identity?.namespace && m.identity.serviceAccount) out.push({vmName: m.vmName, namespace: m.identity.namespace, serviceAccount: m.identity.serviceAccount})
    } catch {
      // not a bundle
    }
  }
  return out
}

interface Prepared {
  row: VmRow
  wg: WorkloadGroupSpec
}

async function prepareRow(row: VmRow, s: BootstrapSettings, wgCache: Map<string, WorkloadGroupSpec>): Promise<Prepared> {
  checkVmName(row.vmName)
  let wg: WorkloadGroupSpec
  if (row.workloadGroupFile) {
    const key = path.resolve(s.cwd, row.workloadGroupFile)
    let cached = wgCache.get(key)
    if (!cached) {
      cached = parseWorkloadGroup(await readInput(row.workloadGroupFile, 'WorkloadGroup', s.cwd), row.workloadGroupFile)
      wgCache.set(key, cached)
    }
    wg = cached
    if (row.namespace && row.namespace !== wg.namespace) throw new UsageError(`${row.vmName}: --namespace ${row.namespace} differs from the WorkloadGroup's namespace ${wg.namespace}`)
    if (row.serviceAccount && row.serviceAccount !== wg.serviceAccount) throw new UsageError(`${row.vmName}: --service-account ${row.serviceAccount} differs from the WorkloadGroup's ${wg.serviceAccount}`)
  } else {
    if (!row.namespace || !row.serviceAccount) throw new UsageError(`${row.vmName}: give --workload-group FILE, or --namespace and --service-account`)
    wg = implicitWorkloadGroup(row.serviceAccount, row.namespace, row.serviceAccount, {templateLabels: s.labels, ports: s.ports})
  }
  refuseDefaultServiceAccount(wg.serviceAccount, s.allowDefaultServiceAccount)
  return {row, wg}
}

export interface FleetHooks {
  now: () => Date
  /** Called after each VM (for a progress bar). */
  onProgress?: (done: number, total: number, vmName: string) => void
  /** Reused templates (tests, bench); read from templates/vm otherwise. */
  templates?: VmTemplates
  /** Offline bundles made at the same time (default 8). */
  concurrency?: number
}

/** Run `fn` over `items` with at most `limit` in flight; the first failure stops new work and is thrown. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  let failed: unknown = null
  const worker = async () => {
    while (failed === null && next < items.length) {
      const i = next++
      try {
        await fn(items[i]!, i)
      } catch (e) {
        failed ??= e
      }
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker))
  if (failed !== null) throw failed
}

/** Bootstrap every VM of `rows`. All rows are checked before anything is written. */
export async function bootstrapFleet(rows: readonly VmRow[], s: BootstrapSettings, hooks: FleetHooks): Promise<FleetReport> {
  if (s.trustDomain) checkTrustDomain(s.trustDomain)
  const wgCache = new Map<string, WorkloadGroupSpec>()
  const prepared: Prepared[] = []
  for (const r of rows) prepared.push(await prepareRow(r, s, wgCache))
  if (!s.force) {
    for (const p of prepared) {
      const t = bundleTarget(s.outDir, p.row.vmName, s.format)
      if (await exists(t)) throw new FileExistsError(t)
    }
  }
  const offline = s.ca !== undefined
  const ca: LoadedCa | null = s.ca ? await readCa(s.ca, hooks.now()) : null
  if (!offline && !s.kube) {
    const noCluster = prepared.every((p) => p.row.tokenFile) && s.rootCertFile
    if (!noCluster) throw new UsageError('no CA and no cluster: pass --ca-dir (offline), or use a kubeconfig context (online), or --token-file with --root-cert')
  }
  if (offline && prepared.some((p) => p.row.tokenFile)) throw new UsageError('--token-file is for online mode; offline bundles carry a certificate instead of a token')
  const trustDomain = await resolveTrustDomain(s, ca)
  const fileMesh = s.meshConfigFile ? parseMeshConfig(await readInput(s.meshConfigFile, 'mesh config', s.cwd), s.meshConfigFile) : null
  const templates = hooks.templates ?? (await readVmTemplates())
  const rootFromFile = s.rootCertFile ? await readInput(s.rootCertFile, 'root certificate', s.cwd) : null

  const diagnostics: Diagnostic[] = []
  const existing = await readExistingIdentities(s.outDir)
  const runIds = prepared.map((p) => ({vmName: p.row.vmName, namespace: p.wg.namespace, serviceAccount: p.wg.serviceAccount}))
  diagnostics.push(...sharedServiceAccountWarnings([...existing.filter((e) => !runIds.some((r) => r.vmName === e.vmName)), ...runIds]))

  const results: BootstrapResult[] = new Array(prepared.length)
  let done = 0
  const one = async ({row, wg}: Prepared, index: number): Promise<void> => {
    const now = hooks.now()
    let meshConfig = fileMesh
    let clusterId = s.clusterId ?? null
    let istiod: IstiodAddress | null = row.istiodAddress ? parseIstiodAddress(row.istiodAddress, s.revision, s.istioNamespace) : null
    let credential: Credential
    let td = trustDomain
    if (ca) {
      credential = {kind: 'certificate', ca, ttlSeconds: s.certTtlSeconds, ...(row.csrFile ? {csrPem: await readInput(row.csrFile, 'CSR', s.cwd)} : {})}
    } else {
      if (row.csrFile) throw new UsageError('--csr needs offline mode (--ca-dir or --ca-cert/--ca-key/--root-cert)')
      let rootPem = rootFromFile
      if (s.kube) {
        const facts = await readClusterFacts(s.kube, {
          namespace: wg.namespace,
          serviceAccount: wg.serviceAccount,
          istioNamespace: s.istioNamespace,
          revision: s.revision,
          readMeshConfig: meshConfig === null,
          readClusterId: clusterId === null,
          gatewayService: istiod ? null : s.gatewayService,
        })
        rootPem ??= facts.rootPem
        meshConfig ??= facts.meshConfig
        clusterId ??= facts.clusterId
        if (!istiod) {
          if (facts.gateway?.ip) istiod = parseIstiodAddress(facts.gateway.ip, s.revision, s.istioNamespace)
          else {
            throw new UsageError(
              facts.gateway?.hostname
                ? `the gateway ${s.gatewayService} has only a host name (${facts.gateway.hostname}); istiod's certificate does not cover it`
                : `the gateway ${s.gatewayService} has no external address yet`,
              ['pass --istiod-address with the gateway IP, or a DNS name that istiod serves (ISTIOD_CUSTOM_HOST)'],
            )
          }
        }
        if (!s.trustDomain && !td) td = meshTrustDomain(meshConfig)
      }
      if (row.tokenFile) {
        const token = (await readInput(row.tokenFile, 'token file', s.cwd)).trim()
        const check = checkToken(token, {namespace: wg.namespace, serviceAccount: wg.serviceAccount, now, maxTtlSeconds: MAX_TOKEN_TTL_S, file: row.tokenFile})
        const bad = check.diagnostics.filter((d) => d.severity === 'error')
        if (bad.length > 0) throw new InputError(`${row.tokenFile} cannot be used: ${bad.map((d) => `${d.code} ${d.message}`).join('; ')}`)
        diagnostics.push(...check.diagnostics)
        credential = {kind: 'token', token, rootPem: rootPem!, subject: check.claims!.sub!, audiences: check.claims!.aud, expiresAt: new Date(check.claims!.exp! * 1000), boundSecret: check.claims!.boundSecret}
      } else {
        if (!s.kube) throw new UsageError(`${row.vmName}: no cluster to request a token from; pass --token-file or use a kubeconfig context`)
        const t = await issueBoundToken(s.kube, {vmName: row.vmName, namespace: wg.namespace, serviceAccount: wg.serviceAccount, ttlSeconds: s.tokenTtlSeconds, now, force: s.force})
        diagnostics.push(...t.diagnostics)
        credential = {kind: 'token', token: t.token, rootPem: rootPem!, subject: t.subject, audiences: t.audiences, expiresAt: t.expiresAt, boundSecret: t.boundSecret}
      }
    }
    if (!istiod) throw new UsageError(`${row.vmName}: --istiod-address is required in offline mode`)
    const plan = await planBundle({
      vmName: row.vmName,
      wg,
      meshConfig: meshConfig ?? {},
      trustDomain: td ?? meshTrustDomain(meshConfig) ?? 'cluster.local',
      clusterId: clusterId ?? 'Kubernetes',
      network: row.network ?? wg.network,
      revision: s.revision,
      istiod,
      vmIp: row.vmIp ?? null,
      externalIp: row.externalIp ?? null,
      captureDns: s.captureDns,
      autoregister: s.autoregister,
      keyType: s.keyType,
      now,
      credential,
      scripts: templates,
      toolVersion: s.toolVersion,
      istioNamespace: s.istioNamespace,
      inputs: {
        workloadGroupFile: row.workloadGroupFile ?? null,
        csr: row.csrFile ? path.basename(row.csrFile) : null,
        tokenFile: row.tokenFile ? path.basename(row.tokenFile) : null,
        revision: s.revision || null,
        clusterId: clusterId ?? 'Kubernetes',
        network: row.network ?? wg.network,
        vmIp: row.vmIp ?? null,
        externalIp: row.externalIp ?? null,
        captureDns: s.captureDns,
        autoregister: s.autoregister,
        keyType: s.keyType,
        certTtlSeconds: ca ? s.certTtlSeconds : null,
        tokenTtlSeconds: ca || row.tokenFile ? null : s.tokenTtlSeconds,
      },
    })
    diagnostics.push(...plan.diagnostics)
    const target = await writeBundle(plan, s.outDir, s.format, s.force)
    results[index] = {vmName: row.vmName, target, spiffeId: plan.spiffeId, mode: plan.manifest.mode, expiresAt: plan.manifest.certificate?.notAfter ?? plan.manifest.token!.expiresAt}
    hooks.onProgress?.(++done, prepared.length, row.vmName)
  }
  // Offline bundles are independent: a few at a time overlap crypto (WebCrypto runs on libuv's pool) and fsyncs.
  // Online ones go one by one, to be gentle with the API server.
  await mapLimit(prepared, ca ? (hooks.concurrency ?? 8) : 1, one)
  const generated = diagnostics.filter((d) => d.code === 'CL4053')
  if (generated.length > 1) {
    const rest = diagnostics.filter((d) => d.code !== 'CL4053')
    rest.push({...generated[0]!, message: `${generated.length} VM keys were generated here and written to key.pem (0600) in their bundles; use --csr to keep keys on the VMs`})
    return {results, diagnostics: sortDiagnostics(rest)}
  }
  return {results, diagnostics: sortDiagnostics(diagnostics)}
}

function meshTrustDomain(mesh: Record<string, unknown> | null): string | null {
  return mesh && typeof mesh.trustDomain === 'string' && mesh.trustDomain ? mesh.trustDomain : null
}

async function resolveTrustDomain(s: BootstrapSettings, ca: LoadedCa | null): Promise<string | null> {
  if (ca?.trustDomain && s.trustDomain && ca.trustDomain !== s.trustDomain) {
    throw new UsageError(`--trust-domain ${s.trustDomain} differs from the CA's trust domain ${ca.trustDomain} (ca.json)`)
  }
  return s.trustDomain ?? ca?.trustDomain ?? null
}

