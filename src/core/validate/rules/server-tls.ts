import {at, hasItems, hasStr, list, obj, q, type Obj, type Out} from './util.js'

const CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA',
  'DES-CBC3-SHA', 'ECDHE-PSK-AES128-CBC-SHA', 'ECDHE-PSK-AES256-CBC-SHA', 'PSK-AES128-CBC-SHA', 'PSK-AES256-CBC-SHA',
  'ECDHE-PSK-CHACHA20-POLY1305', 'PSK-CHACHA20-POLY1305',
])

function isCipherSuite(s: string): boolean {
  const name = s.replace(/^[-+!]/, '')
  if (name.startsWith('[') && name.endsWith(']')) return name.slice(1, -1).split('|').every((n) => CIPHER_SUITES.has(n))
  return CIPHER_SUITES.has(name)
}

const ISTIO_MUTUAL_FORBIDDEN: readonly (readonly [string, string])[] = [['serverCertificate', 'a server certificate'], ['privateKey', 'a private key'], ['caCertificates', 'a client CA bundle'], ['credentialName', 'a credentialName']]

/** Server-side TLS settings (Gateway servers; Sidecar ingress listeners reuse it). */
export function checkServerTls(out: Out, p: string, t: Obj): void {
  const mode = typeof t.mode === 'string' ? t.mode : 'PASSTHROUGH'
  if (mode === 'ISTIO_MUTUAL') {
    for (const [k, what] of ISTIO_MUTUAL_FORBIDDEN) if (hasStr(t, k)) out.err('CL2301', at(p, k), `ISTIO_MUTUAL TLS cannot have ${what} (${k}); Istio provides the certificates`)
    if (hasItems(t, 'credentialNames')) out.err('CL2301', at(p, 'credentialNames'), 'ISTIO_MUTUAL TLS cannot have credentialNames; Istio provides the certificates')
    if (hasItems(t, 'tlsCertificates')) out.err('CL2301', at(p, 'tlsCertificates'), 'ISTIO_MUTUAL TLS cannot have tlsCertificates; Istio provides the certificates')
    return
  }
  const sourceCount = (hasStr(t, 'credentialName') ? 1 : 0) + (hasItems(t, 'credentialNames') ? 1 : 0) + (hasItems(t, 'tlsCertificates') ? 1 : 0) + (hasStr(t, 'serverCertificate') && hasStr(t, 'privateKey') ? 1 : 0)
  if (sourceCount > 1) {
    const sources = [
      hasStr(t, 'credentialName') ? 'credentialName' : '',
      hasItems(t, 'credentialNames') ? 'credentialNames' : '',
      hasItems(t, 'tlsCertificates') ? 'tlsCertificates' : '',
      hasStr(t, 'serverCertificate') && hasStr(t, 'privateKey') ? 'serverCertificate/privateKey' : '',
    ].filter(Boolean)
    out.err('CL2301', p, `only one certificate source may be used: credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates (found ${sources.join(', ')})`)
  }
  const usesSecret = hasStr(t, 'credentialName') || hasItems(t, 'credentialNames')
  if (mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    if (!usesSecret) {
      const certs = list(t.tlsCertificates)
      if (certs.length > 0) {
        for (let i = 0, items = certs; i < items.length; i++) {
          const c = items[i]
          const co = obj(c) ?? {}
          if (!hasStr(co, 'serverCertificate')) out.err('CL2301', at(p, 'tlsCertificates', i), `${mode} TLS requires a server certificate (serverCertificate)`)
          if (!hasStr(co, 'privateKey')) out.err('CL2301', at(p, 'tlsCertificates', i), `${mode} TLS requires a private key (privateKey)`)
        }
      } else {
        if (!hasStr(t, 'serverCertificate')) out.err('CL2301', p, `${mode} TLS requires a server certificate: set credentialName (a Kubernetes secret) or serverCertificate`)
        if (!hasStr(t, 'privateKey')) out.err('CL2301', p, `${mode} TLS requires a private key: set credentialName (a Kubernetes secret) or privateKey`)
      }
      if (mode !== 'SIMPLE' && !hasStr(t, 'caCertificates')) out.err('CL2301', p, `${mode} TLS requires a client CA bundle (caCertificates) to verify clients, or a credentialName`)
    }
    if (mode === 'SIMPLE' && !usesSecret && hasStr(t, 'caCrl')) out.err('CL2301', at(p, 'caCrl'), 'a CRL (caCrl) is not supported with SIMPLE TLS: clients are not verified')
  }
  if ((mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') && (sourceCount > 0 || hasStr(t, 'serverCertificate') || hasStr(t, 'privateKey') || hasStr(t, 'caCertificates') || hasStr(t, 'caCrl'))) {
    out.warn('CL2301', p, `${mode} TLS does not terminate TLS, so the certificate settings are ignored`)
  }
  const ciphers = list(t.cipherSuites)
  const seen = ciphers.length > 0 ? new Set<string>() : undefined
  for (let i = 0, items = ciphers; i < items.length; i++) {
    const c = items[i]
    if (typeof c !== 'string') continue
    const cp = at(p, 'cipherSuites', i)
    if (seen!.has(c)) out.warn('CL2301', cp, `cipher suite ${q(c)} is listed more than once`)
    else if (!isCipherSuite(c)) out.warn('CL2301', cp, `${q(c)} is not a cipher suite Envoy knows; it is ignored`)
    seen!.add(c)
  }
  const minV = t.minProtocolVersion
  if ((minV === 'TLSV1_0' || minV === 'TLSV1_1') && !hasItems(t, 'cipherSuites')) {
    out.warn('CL2301', at(p, 'minProtocolVersion'), `minProtocolVersion ${String(minV)} is insecure without an explicit cipherSuites list`)
  }
}
