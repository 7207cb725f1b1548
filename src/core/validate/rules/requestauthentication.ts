import {checkDuration, isHeaderName, headerValueProblem} from './common.js'
import {checkPolicyTargets} from './policy-target.js'
import {at, list, nativeRule, obj, q, type Out} from './util.js'

/**
 * RequestAuthentication: selector/targetRefs and JWT rules. Empty audiences, token locations and
 * claim-to-header entries are structural (minLength, required, pattern) and left to the schema.
 */
export const requestAuthenticationRule = nativeRule('requestauthentication', ['RequestAuthentication'], (spec, out) => {
  checkPolicyTargets(out, spec, 'CL2900')
  for (let i = 0, items = list(spec.jwtRules); i < items.length; i++) {
    const jv = items[i]
    const jp = at('/spec/jwtRules', i)
    const j = obj(jv)
    if (!j) continue
    const issuer = typeof j.issuer === 'string' ? j.issuer : ''
    const uri = typeof j.jwksUri === 'string' ? j.jwksUri : typeof j.jwks_uri === 'string' ? j.jwks_uri : ''
    if (issuer === '' && uri === '') out.err('CL2900', jp, 'a JWT rule needs an issuer or a jwksUri')
    for (const f of ['jwksUri', 'jwks_uri'] as const) {
      if (typeof j[f] === 'string' && j[f] !== '') {
        const problem = jwksUriProblem(j[f] as string)
        if (problem) out.err('CL2900', at(jp, f), problem)
      }
    }
    if (typeof j.jwks === 'string' && j.jwks !== '') checkJwks(out, at(jp, 'jwks'), j.jwks)
    if (j.timeout !== undefined) checkDuration(out, at(jp, 'timeout'), j.timeout)
  }
})

function jwksUriProblem(uri: string): string | undefined {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/:]*:([^/]*)/i.exec(uri)
    if (m) return `jwksUri ${q(uri)} has an invalid port ${q(m[1])}`
    return `jwksUri ${q(uri)} is not a valid URL (it needs http:// or https://)`
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `jwksUri ${q(uri)} must use http or https, not ${u.protocol.replace(/:$/, '')}`
  return undefined
}

function checkJwks(out: Out, p: string, jwks: string): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(jwks)
  } catch (e) {
    out.err('CL2900', p, `jwks is not valid JSON: ${(e as Error).message}`)
    return
  }
  const o = obj(parsed)
  const keys = o && Array.isArray(o.keys) ? o.keys : o && typeof o.kty === 'string' ? [o] : undefined
  if (!keys) {
    out.err('CL2900', p, 'jwks must be a JSON Web Key Set ({"keys": [...]}) or a single JSON Web Key')
    return
  }
  if (keys.some((k) => obj(k) && (obj(k)!.d !== undefined || obj(k)!.p !== undefined))) {
    out.warn('CL2900', p, 'jwks contains private key material; publish only the public keys')
  }
}
