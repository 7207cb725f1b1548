/** Service-account JWT checks (no signature check: that is the API server's job through TokenReview). */
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'

export const ISTIO_CA_AUDIENCE = 'istio-ca'
export const DEFAULT_TOKEN_TTL_S = 600
/** The longest bootstrap token cleat accepts from --token-file (istioctl's default is 1 h). */
export const MAX_TOKEN_TTL_S = 3600

export interface TokenClaims {
  aud: string[]
  sub: string | null
  exp: number | null
  nbf: number | null
  iat: number | null
  boundSecret: string | null
  boundPod: string | null
  raw: Record<string, unknown>
}

export function decodeToken(token: string): TokenClaims | null {
  const parts = token.trim().split('.')
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return null
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown
    const c = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
    if (typeof header !== 'object' || header === null || typeof c !== 'object' || c === null) return null
    const num = (v: unknown) => (typeof v === 'number' ? v : null)
    const k8s = (c['kubernetes.io'] ?? {}) as {secret?: {name?: string}; pod?: {name?: string}}
    return {
      aud: Array.isArray(c.aud) ? c.aud.map(String) : typeof c.aud === 'string' ? [c.aud] : [],
      sub: typeof c.sub === 'string' ? c.sub : null,
      exp: num(c.exp),
      nbf: num(c.nbf),
      iat: num(c.iat),
      boundSecret: typeof k8s.secret?.name === 'string' ? k8s.secret.name : null,
      boundPod: typeof k8s.pod?.name === 'string' ? k8s.pod.name : null,
      raw: c,
    }
  } catch {
    return null
  }
}

export function tokenSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`
}

export interface TokenCheckOptions {
  namespace: string
  serviceAccount: string
  now: Date
  /** Longest accepted remaining lifetime, in seconds. */
  maxTtlSeconds?: number
  /** Warn when fewer seconds than this remain (default 60). */
  warnWithinSeconds?: number
  file?: string | null
}

/** Check a bootstrap token: audience istio-ca, subject, validity window, binding. */
export function checkToken(token: string, o: TokenCheckOptions): {claims: TokenClaims | null; diagnostics: Diagnostic[]} {
  const file = o.file ?? null
  const c = decodeToken(token)
  if (!c) return {claims: null, diagnostics: [diag('CL4020', {message: 'the token is not a JWT with a JSON header and claims', file})]}
  const out: Diagnostic[] = []
  if (!c.aud.includes(ISTIO_CA_AUDIENCE)) out.push(diag('CL4021', {message: `the token audience is ${JSON.stringify(c.aud)}; istiod needs "${ISTIO_CA_AUDIENCE}"`, file}))
  const want = tokenSubject(o.namespace, o.serviceAccount)
  if (c.sub !== want) out.push(diag('CL4022', {message: `the token subject is ${c.sub ?? '(none)'}; expected ${want}`, file}))
  const now = Math.floor(o.now.getTime() / 1000)
  if (c.exp === null) out.push(diag('CL4023', {message: 'the token has no exp claim', file}))
  else if (c.exp <= now) out.push(diag('CL4023', {message: `the token expired at ${new Date(c.exp * 1000).toISOString()}`, file}))
  else {
    if (o.maxTtlSeconds !== undefined && c.exp - now > o.maxTtlSeconds) {
      out.push(diag('CL4023', {message: `the token is valid for ${c.exp - now} s more, above the ${o.maxTtlSeconds} s allowed for a bootstrap token`, file}))
    }
    if (c.exp - now < (o.warnWithinSeconds ?? 60)) out.push(diag('CL4025', {message: `the token expires in ${c.exp - now} s`, file}))
  }
  if (c.nbf !== null && c.nbf > now + 60) out.push(diag('CL4023', {message: `the token is not valid before ${new Date(c.nbf * 1000).toISOString()}`, file}))
  if (!c.boundSecret && !c.boundPod) out.push(diag('CL4024', {message: 'the token is not bound to a Secret or Pod, so it cannot be revoked before it expires', file}))
  return {claims: c, diagnostics: out}
}
