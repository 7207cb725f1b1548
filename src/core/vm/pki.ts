/**
 * Certificates for VM onboarding: a local CA (root + intermediate), bootstrap (leaf) certificates with
 * the profile istiod accepts on its 15012 port, CSR checks and chain/profile verification.
 * Built on @peculiar/x509 with Node's WebCrypto; PEM parsing of existing keys goes through node:crypto.
 */
import {createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject} from 'node:crypto'
import {InputError, UsageError} from '../errors.js'
import {subtle, x509} from './x509.js'

export type KeyType = 'ecdsa-p256' | 'rsa-3072'
export const KEY_TYPES: readonly KeyType[] = ['ecdsa-p256', 'rsa-3072']

export const ECDSA_P256 = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const
export const RSA_3072 = {name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'} as const

const MINUTE = 60_000
export const HOUR_S = 3600
/** Leaf lifetimes: 1 h by default, at most 24 h. */
export const DEFAULT_CERT_TTL_S = HOUR_S
export const MAX_CERT_TTL_S = 24 * HOUR_S
/** NotBefore is backdated to tolerate clock skew, as istiod does. */
export const BACKDATE_MS = 2 * MINUTE

export interface KeyPair {
  privateKey: CryptoKey
  publicKey: CryptoKey
  type: KeyType
}

export interface Signer {
  cert: x509.X509Certificate
  key: CryptoKey
  type: KeyType
}

function algorithmOf(type: KeyType) {
  return type === 'ecdsa-p256' ? ECDSA_P256 : RSA_3072
}

/** Algorithm used when `type` signs (ECDSA with SHA-256, or RSA PKCS#1 v1.5 with SHA-256). */
export function signingAlgorithm(type: KeyType): Algorithm | EcdsaParams {
  return type === 'ecdsa-p256' ? {name: 'ECDSA', hash: 'SHA-256'} as EcdsaParams : {name: 'RSASSA-PKCS1-v1_5'}
}

export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const kp = (await subtle.generateKey(algorithmOf(type) as EcKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair
  return {privateKey: kp.privateKey, publicKey: kp.publicKey, type}
}

function pem(label: string, der: ArrayBuffer | Uint8Array): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64')
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`
}

/** PKCS#8 PEM of a private key. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await subtle.exportKey('pkcs8', key))
}

export function certPem(cert: x509.X509Certificate): string {
  return cert.toString('pem').replace(/\r\n/g, '\n').trimEnd() + '\n'
}

function keyTypeOf(k: KeyObject, what: string): KeyType {
  const d = k.asymmetricKeyDetails
  if (k.asymmetricKeyType === 'ec' && d?.namedCurve === 'prime256v1') return 'ecdsa-p256'
  if (k.asymmetricKeyType === 'rsa' && (d?.modulusLength ?? 0) >= 2048) return 'rsa-3072'
  throw new InputError(`${what}: unsupported key (${k.asymmetricKeyType} ${d?.namedCurve ?? d?.modulusLength ?? ''}); use ECDSA P-256 or RSA ≥ 2048`)
}

/** Import a PEM private key (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY") for signing. */
export async function importPrivateKey(pemText: string, what = 'private key'): Promise<{key: CryptoKey; type: KeyType}> {
  let ko: KeyObject
  try {
    ko = createPrivateKey(pemText)
  } catch (e) {
    throw new InputError(`${what} is not a readable PEM private key (${(e as Error).message})`)
  }
  const type = keyTypeOf(ko, what)
  const der = ko.export({type: 'pkcs8', format: 'der'})
  const alg = type === 'ecdsa-p256' ? {name: 'ECDSA', namedCurve: 'P-256'} : {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}
  const key = await subtle.importKey('pkcs8', new Uint8Array(der), alg as EcKeyImportParams, true, ['sign'])
  return {key, type}
}

/** All certificates of a PEM text, in order. */
export function parseCertificates(pemText: string, what = 'certificate file'): x509.X509Certificate[] {
  const blocks = pemText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  if (blocks.length === 0) throw new InputError(`${what} holds no PEM certificate`)
  try {
    return blocks.map((b) => new x509.X509Certificate(b))
  } catch (e) {
    throw new InputError(`${what} holds an unreadable certificate (${(e as Error).message})`)
  }
}

function serial(): string {
  const b = randomBytes(16)
  b[0] = b[0]! & 0x7f || 0x01
  return b.toString('hex')
}

export interface CaInitOptions {
  trustDomain: string
  keyType: KeyType
  now: Date
  /** Root lifetime in days (default 3650). */
  rootDays?: number
  /** Intermediate lifetime in days (default and maximum 365). */
  intermediateDays?: number
  organization?: string
}

export interface CaMaterial {
  root: Signer
  intermediate: Signer
}

export const ROOT_DAYS = 3650
export const MAX_INTERMEDIATE_DAYS = 365

/** Create a root CA (10 years) and an intermediate (≤ 1 year, pathlen 0) signed by it. */
export async function createCa(opts: CaInitOptions): Promise<CaMaterial> {
  const interDays = opts.intermediateDays ?? MAX_INTERMEDIATE_DAYS
  if (interDays < 1 || interDays > MAX_INTERMEDIATE_DAYS) throw new UsageError(`the intermediate lifetime must be 1 to ${MAX_INTERMEDIATE_DAYS} days (got ${interDays})`)
  const org = opts.organization ?? 'cleat'
  const day = 24 * 60 * MINUTE
  const notBefore = new Date(opts.now.getTime() - BACKDATE_MS)
  const rootKeys = await generateKeyPair(opts.keyType)
  const rootName = `O=${org}, OU=${opts.trustDomain}, CN=Root CA`
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: rootName,
    notBefore,
    notAfter: new Date(opts.now.getTime() + (opts.rootDays ?? ROOT_DAYS) * day),
    keys: {privateKey: rootKeys.privateKey, publicKey: rootKeys.publicKey},
    signingAlgorithm: signingAlgorithm(opts.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  })
  const interKeys = await generateKeyPair(opts.keyType)
  const inter = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `O=${org}, OU=${opts.trustDomain}, CN=Intermediate CA`,
    issuer: root.subject,
    notBefore,
    notAfter: new Date(opts.now.getTime() + interDays * day),
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: signingAlgorithm(opts.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(interKeys.publicKey),
      authorityKeyId(root),
    ],
  })
  return {root: {cert: root, key: rootKeys.privateKey, type: opts.keyType}, intermediate: {cert: inter, key: interKeys.privateKey, type: opts.keyType}}
}

function authorityKeyId(issuer: x509.X509Certificate): x509.AuthorityKeyIdentifierExtension {
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension)
  if (!ski) throw new InputError(`the CA certificate "${issuer.subject}" has no subject key identifier`)
  return new x509.AuthorityKeyIdentifierExtension(ski.keyId)
}

export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`
}

export interface LeafOptions {
  spiffeId: string
  /** The VM's public key: a CryptoKey, or the x509.PublicKey of a CSR. */
  publicKey: CryptoKey | x509.PublicKey
  /** Key type of the VM key (RSA leaves also get keyEncipherment). */
  leafKeyType: KeyType
  issuer: Signer
  now: Date
  ttlSeconds: number
}

/**
 * Issue a bootstrap certificate: empty subject, exactly one critical URI SAN, KU digitalSignature
 * (+ keyEncipherment for RSA), EKU serverAuth + clientAuth, CA:false, SKI/AKI, NotBefore 2 minutes back.
 * NotAfter is clamped to the issuer's NotAfter.
 */
export async function issueLeaf(o: LeafOptions): Promise<x509.X509Certificate> {
  if (!Number.isInteger(o.ttlSeconds) || o.ttlSeconds < 60 || o.ttlSeconds > MAX_CERT_TTL_S) {
    throw new UsageError(`the certificate lifetime must be between 1 minute and 24 hours (got ${o.ttlSeconds} s)`)
  }
  const notAfter = new Date(Math.min(o.now.getTime() + o.ttlSeconds * 1000, o.issuer.cert.notAfter.getTime()))
  const ku = x509.KeyUsageFlags.digitalSignature | (o.leafKeyType === 'rsa-3072' ? x509.KeyUsageFlags.keyEncipherment : 0)
  return x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: '',
    issuer: o.issuer.cert.subjectName,
    notBefore: new Date(o.now.getTime() - BACKDATE_MS),
    notAfter,
    publicKey: o.publicKey,
    signingKey: o.issuer.key,
    signingAlgorithm: signingAlgorithm(o.issuer.type),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(ku, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension([{type: 'url', value: o.spiffeId}], true),
      await x509.SubjectKeyIdentifierExtension.create(o.publicKey),
      authorityKeyId(o.issuer.cert),
    ],
  })
}

const SAN_OID = '2.5.29.17'

export interface CsrCheck {
  publicKey: x509.PublicKey
  keyType: KeyType
  /** Problems found; empty when the CSR is acceptable. */
  problems: string[]
}

/**
 * Check a CSR made on the VM: its self-signature, its key type, and that any identity it asks for is
 * exactly the VM's SPIFFE ID (istiod ignores the CSR's names; we refuse a mismatch rather than hide it).
 */
export async function checkCsr(pemText: string, expectedSpiffeId: string): Promise<CsrCheck> {
  let csr: x509.Pkcs10CertificateRequest
  try {
    csr = new x509.Pkcs10CertificateRequest(pemText.trim())
  } catch (e) {
    throw new InputError(`the CSR is not a readable PEM certificate request (${(e as Error).message})`)
  }
  const problems: string[] = []
  let keyType: KeyType = 'ecdsa-p256'
  try {
    keyType = keyTypeOf(createPublicKey({key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki'}), 'CSR key')
  } catch (e) {
    problems.push((e as Error).message)
  }
  let sigOk = false
  try {
    sigOk = await csr.verify()
  } catch {
    sigOk = false
  }
  if (!sigOk) problems.push('the CSR signature does not verify with its own public key')
  const sanExt = csr.extensions.find((e) => e.type === SAN_OID)
  const san = sanExt ? new x509.SubjectAlternativeNameExtension(sanExt.rawData) : null
  const names = san ? san.names.items.map((n) => ({type: n.type, value: n.value})) : []
  for (const n of names) {
    if (n.type !== 'url' || n.value !== expectedSpiffeId) problems.push(`the CSR asks for ${n.type === 'url' ? 'URI' : n.type.toUpperCase()}:${n.value}, not ${expectedSpiffeId}`)
  }
  const cn = csr.subjectName.getField('CN')
  for (const v of cn) if (v !== expectedSpiffeId && !/^[A-Za-z0-9._-]+$/.test(v)) problems.push(`the CSR subject CN "${v}" is not a plain name`)
  return {publicKey: csr.publicKey, keyType, problems}
}

/** What a leaf certificate looks like, read back for verification and the manifest. */
export interface LeafProfile {
  uriSans: string[]
  otherSans: string[]
  sanCritical: boolean
  ca: boolean | null
  keyUsage: number | null
  extKeyUsage: string[]
  hasSki: boolean
  akiKeyId: string | null
}

export function leafProfile(cert: x509.X509Certificate): LeafProfile {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension)
  const items = san ? san.names.items : []
  const bc = cert.getExtension(x509.BasicConstraintsExtension)
  const ku = cert.getExtension(x509.KeyUsagesExtension)
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)
  return {
    uriSans: items.filter((n) => n.type === 'url').map((n) => n.value),
    otherSans: items.filter((n) => n.type !== 'url').map((n) => `${n.type}:${n.value}`),
    sanCritical: san?.critical ?? false,
    ca: bc ? bc.ca : null,
    keyUsage: ku ? ku.usages : null,
    extKeyUsage: eku ? eku.usages.map(String) : [],
    hasSki: cert.getExtension(x509.SubjectKeyIdentifierExtension) !== null,
    akiKeyId: aki?.keyId ?? null,
  }
}

/** Problems of a bootstrap certificate against the profile istiod accepts (empty = fine). */
export function profileProblems(cert: x509.X509Certificate, trustDomain: string | null): string[] {
  const p = leafProfile(cert)
  const out: string[] = []
  if (p.uriSans.length !== 1) out.push(`has ${p.uriSans.length} URI SANs; exactly one is required`)
  if (p.otherSans.length > 0) out.push(`has non-URI SANs (${p.otherSans.join(', ')})`)
  const id = p.uriSans[0]
  if (id !== undefined) {
    const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id)
    if (!m) out.push(`URI SAN ${id} is not spiffe://TRUST_DOMAIN/ns/NS/sa/SA`)
    else if (trustDomain !== null && m[1] !== trustDomain) out.push(`trust domain ${m[1]} is not ${trustDomain}`)
  }
  if (!p.sanCritical && cert.subjectName.toJSON().length === 0) out.push('the SAN extension must be critical when the subject is empty')
  if (p.ca !== false) out.push(p.ca === null ? 'has no basicConstraints (CA:false required)' : 'is a CA certificate')
  if (p.keyUsage === null || (p.keyUsage & x509.KeyUsageFlags.digitalSignature) === 0) out.push('key usage lacks digitalSignature')
  if (p.keyUsage !== null && (p.keyUsage & (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)) !== 0) out.push('key usage allows certificate or CRL signing')
  for (const [oid, name] of [[x509.ExtendedKeyUsage.serverAuth, 'serverAuth'], [x509.ExtendedKeyUsage.clientAuth, 'clientAuth']] as const) {
    if (!p.extKeyUsage.includes(oid)) out.push(`extended key usage lacks ${name}`)
  }
  if (!p.hasSki) out.push('has no subject key identifier')
  if (p.akiKeyId === null) out.push('has no authority key identifier')
  return out
}

/**
 * Verify `chain` (leaf first, then intermediates) up to one of `roots` at time `now`: signatures, CA
 * flags, path length constraints and validity windows. Returns problems (empty = valid).
 */
export async function chainProblems(chain: readonly x509.X509Certificate[], roots: readonly x509.X509Certificate[], now: Date): Promise<string[]> {
  const out: string[] = []
  if (chain.length === 0) return ['the chain is empty']
  const all = [...chain]
  for (let i = 0; i < all.length; i++) {
    const c = all[i]!
    const label = i === 0 ? 'leaf' : `chain certificate ${i + 1} (${c.subject})`
    if (now < c.notBefore) out.push(`${label} is not valid before ${c.notBefore.toISOString()}`)
    if (now > c.notAfter) out.push(`${label} expired at ${c.notAfter.toISOString()}`)
    const issuer = i + 1 < all.length ? all[i + 1]! : roots.find((r) => r.subject === c.issuer)
    if (!issuer) {
      out.push(`no certificate in root-cert.pem issued ${label} (issuer "${c.issuer}")`)
      break
    }
    if (issuer.subject !== c.issuer) out.push(`${label} was issued by "${c.issuer}", but the next certificate is "${issuer.subject}"`)
    let ok = false
    try {
      ok = await c.verify({publicKey: issuer.publicKey, signatureOnly: true})
    } catch {
      ok = false
    }
    if (!ok) out.push(`the signature of ${label} does not verify with the key of "${issuer.subject}"`)
    const bc = issuer.getExtension(x509.BasicConstraintsExtension)
    if (!bc?.ca) out.push(`"${issuer.subject}" is not a CA certificate`)
    else if (bc.pathLength !== undefined && i > bc.pathLength) out.push(`"${issuer.subject}" allows ${bc.pathLength} intermediate(s) below it, the chain has ${i}`)
    if (i + 1 >= all.length) {
      if (now > issuer.notAfter) out.push(`the root "${issuer.subject}" expired at ${issuer.notAfter.toISOString()}`)
      break
    }
  }
  return out
}

/** Whether a PEM private key is the key of `cert`. */
export function keyMatchesCert(keyPem: string, cert: x509.X509Certificate): boolean {
  try {
    const pub = createPublicKey(createPrivateKey(keyPem)).export({type: 'spki', format: 'der'})
    return Buffer.compare(pub, Buffer.from(cert.publicKey.rawData)) === 0
  } catch {
    return false
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function fingerprint(cert: x509.X509Certificate): string {
  return sha256Hex(new Uint8Array(cert.rawData))
}
