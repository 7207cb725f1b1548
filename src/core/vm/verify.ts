/**
 * `vm verify`: checks of a bundle (before shipping) and of an installed VM (--on-vm), as Diagnostics.
 * Reads files only; never changes anything.
 */
import {lstat, readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {load} from 'js-yaml'
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {isObj} from '../model/resource.js'
import {parseEnv, parseHosts} from './agent-config.js'
import {HOSTS_BEGIN, HOSTS_END, MANIFEST, PLACEMENTS, renderManifest, SECRET_FILES, type BundleManifest} from './bundle.js'
import {chainProblems, fingerprint, keyMatchesCert, leafProfile, parseCertificates, profileProblems, sha256Hex} from './pki.js'
import {checkToken} from './token.js'
import type {x509} from './x509.js'

export interface VerifyOptions {
  now: Date
  /** Warn when the certificate or token expires within this many seconds (default 600). */
  warnWithinSeconds?: number
  /** Check file and directory modes (off for bundles extracted from an archive). */
  checkModes?: boolean
  /** How file names are shown in findings (default: joined to the bundle path). */
  display?: (name: string) => string
}

export interface VerifyReport {
  diagnostics: Diagnostic[]
  files: number
  manifest: BundleManifest | null
}

async function readMaybe(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file)
  } catch {
    return null
  }
}

const REQUIRED_MANIFEST = ['apiVersion', 'kind', 'vmName', 'mode', 'identity', 'istiod', 'files'] as const
const REQUIRED_ENV = ['POD_NAMESPACE', 'SERVICE_ACCOUNT', 'TRUST_DOMAIN', 'CA_ADDR', 'PROV_CERT', 'OUTPUT_CERTS'] as const

/** Verify a bundle directory. */
export async function verifyBundle(dir: string, o: VerifyOptions): Promise<VerifyReport> {
  const show = o.display ?? ((n: string) => path.join(dir, n))
  const out: Diagnostic[] = []
  const warnWithin = o.warnWithinSeconds ?? 600
  const mtext = await readMaybe(path.join(dir, MANIFEST))
  if (mtext === null) return {diagnostics: [diag('CL4001', {message: 'manifest.json is missing', file: show(MANIFEST)})], files: 0, manifest: null}
  let m: BundleManifest
  try {
    m = JSON.parse(mtext.toString('utf8')) as BundleManifest
  } catch (e) {
    return {diagnostics: [diag('CL4001', {message: `manifest.json is not JSON (${(e as Error).message})`, file: show(MANIFEST)})], files: 0, manifest: null}
  }
  const missing = REQUIRED_MANIFEST.filter((k) => !isObj(m) || (m as unknown as Record<string, unknown>)[k] === undefined)
  if (missing.length > 0 || m.kind !== 'VmBundle' || !isObj(m.files)) {
    return {diagnostics: [diag('CL4001', {message: `manifest.json is not a cleat VM bundle manifest (missing: ${missing.join(', ') || 'kind VmBundle'})`, file: show(MANIFEST)})], files: 0, manifest: null}
  }
  if (renderManifest(m) !== mtext.toString('utf8')) out.push(diag('CL4001', {message: 'manifest.json was edited: it is not byte-for-byte the canonical form cleat writes', file: show(MANIFEST)}))

  if (o.checkModes !== false) {
    const st = await stat(dir)
    if ((st.mode & 0o077) !== 0) out.push(diag('CL4005', {message: `the bundle directory is ${modeOf(st.mode)}; it must be 0700`, file: show('.')}))
  }
  const contents = new Map<string, Buffer>()
  for (const [name, meta] of Object.entries(m.files)) {
    if (name.includes('/') || name.startsWith('.')) {
      out.push(diag('CL4001', {message: `manifest.json lists an unsafe path ${JSON.stringify(name)}`, file: show(MANIFEST)}))
      continue
    }
    const buf = await readMaybe(path.join(dir, name))
    if (buf === null) {
      out.push(diag('CL4003', {message: `${name} is listed in manifest.json but missing`, file: show(name)}))
      continue
    }
    contents.set(name, buf)
    if (sha256Hex(buf) !== meta.sha256) out.push(diag('CL4002', {message: `${name} does not match its sha256 in manifest.json`, file: show(name)}))
    if (o.checkModes !== false) {
      const st = await lstat(path.join(dir, name))
      const mode = st.mode & 0o777
      if (SECRET_FILES.has(name) && (mode & 0o077) !== 0) out.push(diag('CL4005', {message: `${name} is ${modeOf(mode)}; secrets must be 0600`, file: show(name)}))
      else if ((mode & 0o022) !== 0) out.push(diag('CL4005', {message: `${name} is ${modeOf(mode)}; it must not be writable by group or others`, file: show(name)}))
    }
  }
  for (const e of await readdir(dir)) {
    if (e !== MANIFEST && !(e in m.files)) out.push(diag('CL4004', {message: `${e} is not listed in manifest.json`, file: show(e)}))
  }
  const text = (n: string) => contents.get(n)?.toString('utf8') ?? null

  // cluster.env, mesh.yaml, hosts against the manifest.
  const envText = text('cluster.env')
  if (envText !== null) {
    const env = parseEnv(envText)
    const lacking = REQUIRED_ENV.filter((k) => env[k] === undefined)
    if (lacking.length) out.push(diag('CL4030', {message: `cluster.env lacks ${lacking.join(', ')}`, file: show('cluster.env')}))
    const id = m.identity
    if (env.POD_NAMESPACE !== undefined && env.POD_NAMESPACE !== id.namespace) out.push(diag('CL4015', {message: `cluster.env POD_NAMESPACE=${env.POD_NAMESPACE}, the bundle is for namespace ${id.namespace}`, file: show('cluster.env')}))
    if (env.SERVICE_ACCOUNT !== undefined && env.SERVICE_ACCOUNT !== id.serviceAccount) out.push(diag('CL4015', {message: `cluster.env SERVICE_ACCOUNT=${env.SERVICE_ACCOUNT}, the bundle is for ${id.serviceAccount}`, file: show('cluster.env')}))
    if (env.TRUST_DOMAIN !== undefined && env.TRUST_DOMAIN !== id.trustDomain) out.push(diag('CL4015', {message: `cluster.env TRUST_DOMAIN=${env.TRUST_DOMAIN}, the bundle is for ${id.trustDomain}`, file: show('cluster.env')}))
    if (env.CA_ADDR !== undefined && env.CA_ADDR !== m.istiod.address) out.push(diag('CL4006', {message: `cluster.env CA_ADDR=${env.CA_ADDR}, manifest.json says ${m.istiod.address}`, file: show('cluster.env')}))
    if (m.mode === 'offline' && env.PROV_CERT !== undefined && env.PROV_CERT !== '/etc/certs') out.push(diag('CL4030', {message: `PROV_CERT=${env.PROV_CERT}; the bootstrap certificate is installed in /etc/certs`, file: show('cluster.env')}))
  }
  const meshText = text('mesh.yaml')
  if (meshText !== null) {
    let mesh: unknown
    try {
      mesh = load(meshText)
    } catch {
      mesh = null
    }
    const dc = isObj(mesh) && isObj(mesh.defaultConfig) ? mesh.defaultConfig : null
    if (!dc) out.push(diag('CL4006', {message: 'mesh.yaml has no defaultConfig mapping', file: show('mesh.yaml')}))
    else if (dc.discoveryAddress !== m.istiod.address) out.push(diag('CL4006', {message: `mesh.yaml discoveryAddress is ${String(dc.discoveryAddress)}, manifest.json says ${m.istiod.address}`, file: show('mesh.yaml')}))
  }
  if (m.istiod.hostsIp) {
    const h = text('hosts')
    if (h === null) out.push(diag('CL4003', {message: `the bundle maps istiod to ${m.istiod.hostsIp} but has no hosts file`, file: show('hosts')}))
    else if (!(parseHosts(h)[m.istiod.hostsIp] ?? []).includes(m.istiod.host)) out.push(diag('CL4006', {message: `hosts does not map ${m.istiod.host} to ${m.istiod.hostsIp}`, file: show('hosts')}))
  }

  // Credentials.
  if (m.mode === 'offline') out.push(...(await checkCertificates(text('cert-chain.pem'), text('root-cert.pem'), m.certificate?.keyInBundle ? text('key.pem') : null, m, o.now, warnWithin, show)))
  else out.push(...checkTokenFile(text('istio-token'), m, o.now, warnWithin, show('istio-token')))
  return {diagnostics: out, files: Object.keys(m.files).length + 1, manifest: m}
}

function modeOf(mode: number): string {
  return '0' + (mode & 0o777).toString(8).padStart(3, '0')
}

async function checkCertificates(chainText: string | null, rootText: string | null, keyText: string | null, m: BundleManifest, now: Date, warnWithin: number, show: (n: string) => string, opts: {compareManifest?: boolean} = {}): Promise<Diagnostic[]> {
  const out: Diagnostic[] = []
  if (chainText === null || rootText === null) return out
  let chain: x509.X509Certificate[]
  let roots: x509.X509Certificate[]
  try {
    chain = parseCertificates(chainText, 'cert-chain.pem')
    roots = parseCertificates(rootText, 'root-cert.pem')
  } catch (e) {
    return [diag('CL4010', {message: (e as Error).message, file: show('cert-chain.pem')})]
  }
  const leaf = chain[0]!
  for (const p of profileProblems(leaf, m.identity.trustDomain)) out.push(diag('CL4011', {message: `the leaf certificate ${p}`, file: show('cert-chain.pem')}))
  const san = leafSan(leaf)
  if (san !== null && san !== m.identity.spiffeId) out.push(diag('CL4015', {message: `the certificate is for ${san}, the bundle for ${m.identity.spiffeId}`, file: show('cert-chain.pem')}))
  const problems = await chainProblems(chain, roots, now)
  for (const p of problems) out.push(diag(/expired|not valid before/.test(p) ? 'CL4013' : 'CL4010', {message: p, file: show('cert-chain.pem')}))
  const left = (leaf.notAfter.getTime() - now.getTime()) / 1000
  if (left > 0 && left < warnWithin) out.push(diag('CL4014', {message: `the certificate expires in ${Math.floor(left)} s (${leaf.notAfter.toISOString()})`, file: show('cert-chain.pem')}))
  if (keyText !== null && !keyMatchesCert(keyText, leaf)) out.push(diag('CL4012', {message: 'key.pem is not the key of the leaf certificate', file: show('key.pem')}))
  if (opts.compareManifest !== false && m.certificate) {
    if (m.certificate.sha256 !== fingerprint(leaf)) out.push(diag('CL4006', {message: 'manifest.json records a different leaf certificate', file: show(MANIFEST)}))
    if (m.certificate.notAfter !== leaf.notAfter.toISOString()) out.push(diag('CL4006', {message: `manifest.json says the certificate expires ${m.certificate.notAfter}, it expires ${leaf.notAfter.toISOString()}`, file: show(MANIFEST)}))
  }
  return out
}

function leafSan(cert: x509.X509Certificate): string | null {
  const uris = leafProfile(cert).uriSans
  return uris.length === 1 ? uris[0]! : null
}

function checkTokenFile(token: string | null, m: BundleManifest, now: Date, warnWithin: number, file: string): Diagnostic[] {
  if (token === null) return []
  const r = checkToken(token, {namespace: m.identity.namespace, serviceAccount: m.identity.serviceAccount, now, warnWithinSeconds: warnWithin, file})
  if (r.claims && m.token) {
    if (r.claims.exp !== null && new Date(r.claims.exp * 1000).toISOString() !== m.token.expiresAt) {
      r.diagnostics.push(diag('CL4006', {message: `manifest.json says the token expires ${m.token.expiresAt}, it expires ${new Date(r.claims.exp * 1000).toISOString()}`, file}))
    }
    const bound = m.token.boundSecret?.split('/')[1] ?? null
    if (bound !== r.claims.boundSecret) r.diagnostics.push(diag('CL4006', {message: `manifest.json says the token is bound to ${m.token.boundSecret ?? 'nothing'}, the token names ${r.claims.boundSecret ?? 'no Secret'}`, file}))
  }
  return r.diagnostics
}

/** Verify what `vm install` placed under `root` for the bundle in `dir`. */
export async function verifyInstalled(dir: string, root: string, o: VerifyOptions): Promise<VerifyReport> {
  const base = await verifyBundle(dir, o)
  const m = base.manifest
  if (!m) return base
  const out = [...base.diagnostics]
  const warnWithin = o.warnWithinSeconds ?? 600
  const at = (dest: string) => path.join(root, dest)
  const installed = new Map<string, string | null>()
  for (const [name, meta] of Object.entries(m.files)) {
    const place = PLACEMENTS[name]
    if (!place || !meta.installTo) continue
    const file = at(place.dest)
    const buf = await readMaybe(file)
    installed.set(name, buf?.toString('utf8') ?? null)
    const bundled = await readMaybe(path.join(dir, name))
    if (buf === null) {
      out.push(diag('CL4040', {message: `${place.dest} is not installed`, file, ...(name === 'istio-token' ? {severity: 'warning' as const} : {})}))
      continue
    }
    const rotatable = name === 'cert-chain.pem' || name === 'key.pem'
    if (bundled !== null && !buf.equals(bundled) && !rotatable) out.push(diag('CL4040', {message: `${place.dest} differs from the bundle's ${name}`, file}))
    const st = await lstat(file)
    if ((st.mode & 0o777) !== place.mode && !(rotatable && (st.mode & 0o077) === 0)) out.push(diag('CL4041', {message: `${place.dest} is ${modeOf(st.mode)}, expected ${modeOf(place.mode)}`, file}))
  }
  // The agent replaces the bootstrap certificate with istiod-issued ones: judge the installed ones on their own.
  if (m.mode === 'offline' && installed.get('cert-chain.pem')) {
    const keyText = installed.get('key.pem') ?? (await readMaybe(at('/etc/certs/key.pem')))?.toString('utf8') ?? null
    out.push(...(await checkCertificates(installed.get('cert-chain.pem')!, installed.get('root-cert.pem') ?? null, keyText, m, o.now, warnWithin, (n) => at(PLACEMENTS[n]?.dest ?? n), {compareManifest: false})))
  }
  if (m.istiod.hostsIp) {
    const hosts = (await readMaybe(at('/etc/hosts')))?.toString('utf8') ?? ''
    const block = hostsBlock(hosts)
    const want = (await readMaybe(path.join(dir, 'hosts')))?.toString('utf8') ?? ''
    if (block === null) out.push(diag('CL4042', {message: '/etc/hosts has no cleat block', file: at('/etc/hosts')}))
    else if (block !== want) out.push(diag('CL4042', {message: '/etc/hosts has a cleat block that differs from the bundle', file: at('/etc/hosts')}))
  }
  return {diagnostics: out, files: base.files, manifest: m}
}

/** The lines between the cleat markers of a hosts file (with trailing newline), or null. */
export function hostsBlock(text: string): string | null {
  const lines = text.split('\n')
  const b = lines.indexOf(HOSTS_BEGIN)
  const e = lines.indexOf(HOSTS_END, b + 1)
  if (b < 0 || e < 0) return null
  return lines.slice(b + 1, e).map((l) => l + '\n').join('')
}
