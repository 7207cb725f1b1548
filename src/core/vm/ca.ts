import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {dump} from 'js-yaml'
import {InputError, UsageError} from '../errors.js'
import {MODE, type PlannedFile} from './files.js'
import {certPem, chainProblems, createCa, fingerprint, importPrivateKey, keyMatchesCert, parseCertificates, privateKeyPem, type KeyType, type Signer} from './pki.js'
import {x509} from './x509.js'

export interface CaInitInput {
  trustDomain: string
  keyType: KeyType
  now: Date
  intermediateDays?: number
  organization?: string
  /** Namespace of the cacerts Secret (default istio-system). */
  istioNamespace?: string
}

export interface CaInitPlan {
  files: PlannedFile[]
  rootFingerprint: string
  rootNotAfter: Date
  intermediateNotAfter: Date
}

/** Metadata of a CA directory written by `vm ca init` (ca.json; no secrets). */
export interface CaInfo {
  trustDomain: string
  keyType: KeyType
  rootSha256: string
  intermediateSha256: string
  rootNotAfter: string
  intermediateNotAfter: string
}

const TRUST_DOMAIN_RE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/

export function checkTrustDomain(td: string): void {
  if (!TRUST_DOMAIN_RE.test(td) || td.length > 255) throw new UsageError(`"${td}" is not a valid trust domain (lower-case letters, digits, dots and dashes)`)
}

/**
 * Plan a CA directory: root (10 y) + intermediate (≤ 1 y, pathlen 0), their keys, the chain, ca.json
 * and the `cacerts` Secret that plugs the intermediate into istiod.
 */
export async function planCaInit(input: CaInitInput): Promise<CaInitPlan> {
  checkTrustDomain(input.trustDomain)
  const ca = await createCa({trustDomain: input.trustDomain, keyType: input.keyType, now: input.now, intermediateDays: input.intermediateDays, organization: input.organization})
  const rootPem = certPem(ca.root.cert)
  const interPem = certPem(ca.intermediate.cert)
  const interKey = await privateKeyPem(ca.intermediate.key)
  const chain = interPem + rootPem
  const info: CaInfo = {
    trustDomain: input.trustDomain,
    keyType: input.keyType,
    rootSha256: fingerprint(ca.root.cert),
    intermediateSha256: fingerprint(ca.intermediate.cert),
    rootNotAfter: ca.root.cert.notAfter.toISOString(),
    intermediateNotAfter: ca.intermediate.cert.notAfter.toISOString(),
  }
  const secret = cacertsSecret({caCert: interPem, caKey: interKey, rootCert: rootPem, certChain: chain}, input.istioNamespace ?? 'istio-system')
  return {
    files: [
      {path: 'root-cert.pem', contents: rootPem, mode: MODE.public},
      {path: 'root-key.pem', contents: await privateKeyPem(ca.root.key), mode: MODE.secret},
      {path: 'ca-cert.pem', contents: interPem, mode: MODE.public},
      {path: 'ca-key.pem', contents: interKey, mode: MODE.secret},
      {path: 'cert-chain.pem', contents: chain, mode: MODE.public},
      {path: 'cacerts.yaml', contents: dump(secret, {lineWidth: -1}), mode: MODE.secret},
      {path: 'ca.json', contents: JSON.stringify(info, null, 2) + '\n', mode: MODE.public},
    ],
    rootFingerprint: info.rootSha256,
    rootNotAfter: ca.root.cert.notAfter,
    intermediateNotAfter: ca.intermediate.cert.notAfter,
  }
}

/** The `cacerts` Secret istiod reads at start (keys ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem). */
export function cacertsSecret(p: {caCert: string; caKey: string; rootCert: string; certChain: string}, namespace: string): Record<string, unknown> {
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {name: 'cacerts', namespace, labels: {'app.kubernetes.io/managed-by': 'cleat'}},
    type: 'Opaque',
    data: {'ca-cert.pem': b64(p.caCert), 'ca-key.pem': b64(p.caKey), 'root-cert.pem': b64(p.rootCert), 'cert-chain.pem': b64(p.certChain)},
  }
}

/** A CA that signs bootstrap certificates, read from files. */
export interface LoadedCa {
  signer: Signer
  /** Certificates between the signer and the root (the signer first), sent along with the leaf. */
  chain: x509.X509Certificate[]
  roots: x509.X509Certificate[]
  rootPem: string
  trustDomain: string | null
}

export interface CaFiles {
  caCert: string
  caKey: string
  rootCert: string
  /** Optional: the signer's chain up to (and possibly including) the root. */
  certChain?: string
}

async function readInput(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

export function caFilesFromDir(dir: string): CaFiles {
  return {caCert: path.join(dir, 'ca-cert.pem'), caKey: path.join(dir, 'ca-key.pem'), rootCert: path.join(dir, 'root-cert.pem'), certChain: path.join(dir, 'cert-chain.pem')}
}

/** Read a signing CA from files (a `vm ca init` directory or a plugged-in `cacerts` set). */
export async function readCa(files: CaFiles, now: Date): Promise<LoadedCa> {
  const caCertPem = await readInput(files.caCert, 'CA certificate')
  const caKeyPem = await readInput(files.caKey, 'CA key')
  const rootPem = await readInput(files.rootCert, 'root certificate')
  const [caCert] = parseCertificates(caCertPem, files.caCert)
  const roots = parseCertificates(rootPem, files.rootCert)
  let chain = [caCert!]
  if (files.certChain) {
    const text = await readInput(files.certChain, 'certificate chain').catch(() => null)
    if (text !== null) {
      const certs = parseCertificates(text, files.certChain)
      const rootPrints = new Set(roots.map(fingerprint))
      chain = certs.filter((c) => !rootPrints.has(fingerprint(c)))
      if (chain.length === 0 || fingerprint(chain[0]!) !== fingerprint(caCert!)) chain = [caCert!, ...chain.filter((c) => fingerprint(c) !== fingerprint(caCert!))]
    }
  }
  if (!keyMatchesCert(caKeyPem, caCert!)) throw new InputError(`${files.caKey} is not the private key of ${files.caCert}`)
  const {key, type} = await importPrivateKey(caKeyPem, files.caKey)
  const bc = caCert!.getExtension(x509.BasicConstraintsExtension)
  if (!bc?.ca) throw new InputError(`${files.caCert} is not a CA certificate (basicConstraints CA:true is missing)`)
  const problems = await chainProblems(chain, roots, now)
  if (problems.length > 0) throw new InputError(`the CA in ${files.caCert} does not chain to ${files.rootCert}: ${problems.join('; ')}`)
  let trustDomain: string | null = null
  const infoFile = path.join(path.dirname(files.caCert), 'ca.json')
  try {
    const info = JSON.parse(await readFile(infoFile, 'utf8')) as Partial<CaInfo>
    if (typeof info.trustDomain === 'string' && info.intermediateSha256 === fingerprint(caCert!)) trustDomain = info.trustDomain
  } catch {
    trustDomain = null
  }
  return {signer: {cert: caCert!, key, type}, chain, roots, rootPem, trustDomain}
}
