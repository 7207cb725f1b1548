import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'
import {planCaInit, readCa, caFilesFromDir} from '../../../src/core/vm/ca.js'
import {writePlannedFiles} from '../../../src/core/vm/files.js'
import {certPem, chainProblems, checkCsr, generateKeyPair, issueLeaf, keyMatchesCert, parseCertificates, privateKeyPem, profileProblems, spiffeId, type KeyType} from '../../../src/core/vm/pki.js'
import {openssl, opensslDates, opensslExt, opensslKeyMatches, opensslVerify, tempDir, writeTemp} from './openssl.js'

const NOW = () => new Date()

async function makeCa(type: KeyType, trustDomain = 'cluster.local') {
  const dir = path.join(await tempDir(), 'ca')
  const plan = await planCaInit({trustDomain, keyType: type, now: NOW()})
  await writePlannedFiles(dir, plan.files)
  return {dir, ca: await readCa(caFilesFromDir(dir), NOW())}
}

for (const type of ['ecdsa-p256', 'rsa-3072'] as const) {
  describe(`vm pki (${type})`, () => {
    it('ca init: openssl accepts the intermediate under the root, pathlen 0, lifetimes 10 y and ≤ 1 y', async () => {
      const {dir} = await makeCa(type)
      const root = path.join(dir, 'root-cert.pem')
      const inter = path.join(dir, 'ca-cert.pem')
      const v = await openssl(['verify', '-CAfile', root, inter])
      assert.equal(v.code, 0, v.stderr)
      assert.match(v.stdout, /: OK/)
      assert.match(await opensslExt(inter, 'basicConstraints'), /critical\s+CA:TRUE, pathlen:0/)
      assert.match(await opensslExt(root, 'basicConstraints'), /critical\s+CA:TRUE\s*$/m)
      assert.match(await opensslExt(inter, 'keyUsage'), /Certificate Sign, CRL Sign/)
      const r = await opensslDates(root)
      const i = await opensslDates(inter)
      const days = (d: {notBefore: Date; notAfter: Date}) => (d.notAfter.getTime() - Date.now()) / 86_400_000
      assert.ok(days(r) > 3649 && days(r) <= 3650, `root lifetime ${days(r)}`)
      assert.ok(days(i) > 364 && days(i) <= 365, `intermediate lifetime ${days(i)}`)
      assert.ok(await opensslKeyMatches(path.join(dir, 'ca-key.pem'), inter))
      assert.ok(await opensslKeyMatches(path.join(dir, 'root-key.pem'), root))
      const keyAlg = await openssl(['x509', '-in', inter, '-noout', '-text'])
      assert.match(keyAlg.stdout, type === 'ecdsa-p256' ? /ecdsa-with-SHA256[\s\S]*NIST CURVE: P-256/ : /sha256WithRSAEncryption[\s\S]*Public-Key: \(3072 bit\)/)
    })

    it('issues a leaf with the bootstrap profile, verified by openssl', async () => {
      const {dir, ca} = await makeCa(type)
      const keys = await generateKeyPair(type)
      const now = NOW()
      const id = spiffeId('cluster.local', 'shop', 'web-vm')
      const leaf = await issueLeaf({spiffeId: id, publicKey: keys.publicKey, leafKeyType: type, issuer: ca.signer, now, ttlSeconds: 3600})
      const t = await tempDir()
      const chainFile = await writeTemp(t, 'cert-chain.pem', certPem(leaf) + ca.chain.map(certPem).join(''))
      const leafFile = await writeTemp(t, 'leaf.pem', certPem(leaf))
      const keyFile = await writeTemp(t, 'key.pem', await privateKeyPem(keys.privateKey))
      const v = await opensslVerify(path.join(dir, 'root-cert.pem'), chainFile, leafFile, ['-purpose', 'sslclient'])
      assert.equal(v.code, 0, v.stderr + v.stdout)
      const v2 = await opensslVerify(path.join(dir, 'root-cert.pem'), chainFile, leafFile, ['-purpose', 'sslserver'])
      assert.equal(v2.code, 0, v2.stderr + v2.stdout)
      assert.match(await opensslExt(leafFile, 'subjectAltName'), new RegExp(`X509v3 Subject Alternative Name: critical\\s+URI:${id.replaceAll('/', '\\/')}\\s*$`))
      assert.match(await opensslExt(leafFile, 'basicConstraints'), /critical\s+CA:FALSE/)
      assert.match(await opensslExt(leafFile, 'keyUsage'), type === 'rsa-3072' ? /critical\s+Digital Signature, Key Encipherment\s*$/ : /critical\s+Digital Signature\s*$/)
      assert.match(await opensslExt(leafFile, 'extendedKeyUsage'), /TLS Web Server Authentication, TLS Web Client Authentication/)
      const ski = await opensslExt(path.join(dir, 'ca-cert.pem'), 'subjectKeyIdentifier')
      const aki = await opensslExt(leafFile, 'authorityKeyIdentifier')
      const skiHex = /\n\s+([0-9A-F:]+)/.exec(ski)![1]!
      assert.ok(aki.includes(skiHex), `AKI ${aki} should name the issuer SKI ${skiHex}`)
      assert.match(await opensslExt(leafFile, 'subjectKeyIdentifier'), /[0-9A-F]{2}(:[0-9A-F]{2}){19}/)
      const subject = await openssl(['x509', '-in', leafFile, '-noout', '-subject'])
      assert.equal(subject.stdout.trim(), 'subject=')
      const d = await opensslDates(leafFile)
      const secs = Math.floor(now.getTime() / 1000) * 1000
      assert.ok(Math.abs(d.notBefore.getTime() - (secs - 120_000)) <= 1000, `notBefore ${d.notBefore.toISOString()}`)
      assert.ok(Math.abs(d.notAfter.getTime() - (secs + 3_600_000)) <= 1000, `notAfter ${d.notAfter.toISOString()}`)
      assert.ok(await opensslKeyMatches(keyFile, leafFile))
      assert.ok(keyMatchesCert(await readFile(keyFile, 'utf8'), leaf))
      assert.deepEqual(profileProblems(leaf, 'cluster.local'), [])
      assert.deepEqual(await chainProblems([leaf, ...ca.chain], ca.roots, NOW()), [])
    })
  })
}

describe('vm pki: limits and negative checks', () => {
  it('refuses a lifetime above 24 h', async () => {
    const {ca} = await makeCa('ecdsa-p256')
    const keys = await generateKeyPair('ecdsa-p256')
    await assert.rejects(
      issueLeaf({spiffeId: spiffeId('cluster.local', 'a', 'b'), publicKey: keys.publicKey, leafKeyType: 'ecdsa-p256', issuer: ca.signer, now: NOW(), ttlSeconds: 24 * 3600 + 1}),
      /between 1 minute and 24 hours/,
    )
  })

  it('chainProblems and openssl both reject a leaf from another CA, and an expired leaf', async () => {
    const a = await makeCa('ecdsa-p256')
    const b = await makeCa('ecdsa-p256')
    const keys = await generateKeyPair('ecdsa-p256')
    const leaf = await issueLeaf({spiffeId: spiffeId('cluster.local', 'a', 'b'), publicKey: keys.publicKey, leafKeyType: 'ecdsa-p256', issuer: b.ca.signer, now: NOW(), ttlSeconds: 600})
    assert.ok((await chainProblems([leaf, ...b.ca.chain], a.ca.roots, NOW())).length > 0)
    const t = await tempDir()
    const v = await opensslVerify(path.join(a.dir, 'root-cert.pem'), await writeTemp(t, 'c.pem', certPem(leaf) + b.ca.chain.map(certPem).join('')), await writeTemp(t, 'l.pem', certPem(leaf)))
    assert.notEqual(v.code, 0)
    const later = new Date(Date.now() + 3600_000)
    assert.match((await chainProblems([leaf, ...b.ca.chain], b.ca.roots, later)).join('\n'), /leaf expired/)
  })

  it('profileProblems flags a CA certificate and a certificate without the SPIFFE SAN', async () => {
    const {ca} = await makeCa('ecdsa-p256')
    const problems = profileProblems(ca.signer.cert, 'cluster.local')
    assert.ok(problems.some((p) => /0 URI SANs/.test(p)))
    assert.ok(problems.some((p) => /CA certificate/.test(p)))
  })

  it('checkCsr accepts an openssl CSR with the right URI SAN and rejects a wrong identity or a broken signature', async () => {
    const t = await tempDir()
    const key = path.join(t, 'vm.key')
    assert.equal((await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key])).code, 0)
    const id = spiffeId('cluster.local', 'shop', 'web-vm')
    const good = await openssl(['req', '-new', '-key', key, '-subj', '/', '-addext', `subjectAltName=URI:${id}`])
    assert.equal(good.code, 0, good.stderr)
    assert.deepEqual((await checkCsr(good.stdout, id)).problems, [])
    const none = await openssl(['req', '-new', '-key', key, '-subj', '/CN=web-1'])
    assert.deepEqual((await checkCsr(none.stdout, id)).problems, [])
    const wrong = await openssl(['req', '-new', '-key', key, '-subj', '/', '-addext', 'subjectAltName=URI:spiffe://cluster.local/ns/kube-system/sa/admin'])
    assert.match((await checkCsr(wrong.stdout, id)).problems.join('\n'), /asks for URI:spiffe:\/\/cluster.local\/ns\/kube-system\/sa\/admin/)
    const dns = await openssl(['req', '-new', '-key', key, '-subj', '/', '-addext', 'subjectAltName=DNS:evil.example.com'])
    assert.match((await checkCsr(dns.stdout, id)).problems.join('\n'), /DNS:evil.example.com/)
    // Flip one byte of the signature (the end of the DER): the self-signature no longer verifies.
    const der = Buffer.from(good.stdout.replace(/-----[^-]+-----|\s/g, ''), 'base64')
    der[der.length - 3] = der[der.length - 3]! ^ 0x01
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`
    assert.match((await checkCsr(broken, id)).problems.join('\n'), /signature does not verify/)
  })

  it('readCa refuses a key that is not the CA certificate\'s key', async () => {
    const a = await makeCa('ecdsa-p256')
    const b = await makeCa('ecdsa-p256')
    await assert.rejects(readCa({...caFilesFromDir(a.dir), caKey: path.join(b.dir, 'ca-key.pem')}, NOW()), /is not the private key/)
    const parsed = parseCertificates(await readFile(path.join(a.dir, 'cert-chain.pem'), 'utf8'))
    assert.equal(parsed.length, 2)
  })
})
