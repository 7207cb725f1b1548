import {
  checkDuration, checkLabels, checkPercent, checkPort, checkRegex, checkStringMatch, headerValueProblem, isHeaderName,
  matchHeaderNameProblem, wildcardDomainProblem, isDnsLabel, isK8sLabel,
} from './common.js'
import {checkGatewayNames} from './hosts.js'
import {at, has, hasStr, isObj, list, num, obj, q, str, type Obj, type Out} from './util.js'

/** Where a route is checked from: the VirtualService around it. */
export interface RouteContext {
  /** The VirtualService has no hosts (a delegate). */
  delegate: boolean
  /** Bound to at least one gateway other than 'mesh'. */
  gatewaySemantics: boolean
  /** Bound to the mesh (no gateways, or 'mesh' among them). */
  appliesToMesh: boolean
}

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream', 'retriable-status-codes',
  'retriable-headers', 'http3-post-connect-failure', 'reset-before-request', 'cancelled', 'deadline-exceeded', 'internal',
  'resource-exhausted', 'unavailable',
])
const GRPC_CODES = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
])
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', '*'])

/** Checks one `http[]` route of a VirtualService. */
export function checkHttpRoute(out: Out, p: string, route: unknown, rc: RouteContext): void {
  const h = obj(route)
  if (!h) return
  const hasRoute = list(h.route).length > 0
  if (has(h, 'redirect')) {
    if (hasRoute) out.err('CL2101', at(p, 'redirect'), 'an HTTP route cannot have both route and redirect')
    if (has(h, 'fault')) out.err('CL2101', at(p, 'fault'), 'an HTTP route cannot have both fault and redirect')
    if (has(h, 'rewrite')) out.err('CL2101', at(p, 'rewrite'), 'an HTTP route cannot have both rewrite and redirect')
    if (has(h, 'directResponse')) out.err('CL2101', at(p, 'directResponse'), 'an HTTP route cannot have both redirect and directResponse')
  } else if (has(h, 'directResponse')) {
    if (hasRoute) out.err('CL2101', at(p, 'directResponse'), 'an HTTP route cannot have both route and directResponse')
    if (has(h, 'fault')) out.err('CL2101', at(p, 'fault'), 'an HTTP route cannot have both fault and directResponse')
    if (has(h, 'rewrite')) out.err('CL2101', at(p, 'rewrite'), 'an HTTP route cannot have both rewrite and directResponse')
  } else if (!hasRoute && !has(h, 'delegate')) {
    out.err('CL2101', p, 'an HTTP route needs one of route, redirect, directResponse or delegate')
  }
  if (has(h, 'delegate')) {
    if (rc.delegate) out.err('CL2100', at(p, 'delegate'), 'a delegate VirtualService (one without hosts) cannot delegate again')
    if (hasRoute) out.err('CL2101', at(p, 'delegate'), 'an HTTP route cannot have both route and delegate')
    if (has(h, 'redirect')) out.err('CL2101', at(p, 'delegate'), 'an HTTP route cannot have both redirect and delegate')
    const d = obj(h.delegate)
    if (d) {
      if (!hasStr(d, 'name')) out.err('CL2012', at(p, 'delegate'), 'delegate.name is required')
      else if (!isK8sLabel(d.name as string) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(d.name as string)) out.err('CL2009', at(p, 'delegate', 'name'), `delegate name ${q(d.name)} is not a valid resource name`)
      if (hasStr(d, 'namespace') && !isK8sLabel(d.namespace as string)) out.err('CL2009', at(p, 'delegate', 'namespace'), `delegate namespace ${q(d.namespace)} is not a valid namespace name`)
    }
  }
  // Each check below does nothing for an absent field; skipping it also skips building its pointer.
  if (h.headers !== undefined) checkHeaderOperations(out, at(p, 'headers'), h.headers)
  if (h.headers !== undefined || h.rewrite !== undefined) checkAuthorityRewrite(out, p, h)
  if (h.corsPolicy !== undefined) checkCors(out, at(p, 'corsPolicy'), h.corsPolicy)
  if (h.fault !== undefined) checkFault(out, at(p, 'fault'), h.fault)
  if (has(h, 'mirrorPercent')) {
    out.warn('CL2015', at(p, 'mirrorPercent'), 'mirrorPercent is deprecated; use mirrorPercentage')
    const v = num(h.mirrorPercent)
    if (v !== undefined && (v < 0 || v > 100)) out.err('CL2013', at(p, 'mirrorPercent'), `mirrorPercent must be between 0 and 100; got ${v}`)
  }
  if (has(h, 'mirror') && list(h.mirrors).length > 0) out.err('CL2011', at(p, 'mirrors'), 'mirror and mirrors cannot both be set; use mirrors')
  if (has(h, 'mirror')) checkDestination(out, at(p, 'mirror'), h.mirror)
  if (h.mirrorPercentage !== undefined) checkPercentage(out, at(p, 'mirrorPercentage'), h.mirrorPercentage, 'mirrorPercentage')
  for (let i = 0, items = list(h.mirrors); i < items.length; i++) {
    const m = items[i]
    const mo = obj(m)
    if (!mo) continue
    checkDestination(out, at(p, 'mirrors', i, 'destination'), mo.destination) // a missing destination: schema (required)
    checkPercentage(out, at(p, 'mirrors', i, 'percentage'), mo.percentage, 'mirror percentage')
  }
  if (h.redirect !== undefined) checkRedirect(out, at(p, 'redirect'), h.redirect, h.match)
  if (h.directResponse !== undefined) checkDirectResponse(out, at(p, 'directResponse'), h.directResponse)
  if (h.retries !== undefined) checkRetries(out, at(p, 'retries'), h.retries)
  if (h.rewrite !== undefined) checkRewrite(out, at(p, 'rewrite'), h.rewrite)
  if (h.route !== undefined) checkRouteDestinations(out, at(p, 'route'), h.route, true)
  if (has(h, 'timeout')) checkDuration(out, at(p, 'timeout'), h.timeout)
  for (let i = 0, items = list(h.match); i < items.length; i++) checkHttpMatch(out, at(p, 'match', i), items[i], rc)
}

const STRING_MATCH_FIELDS = ['scheme', 'method', 'authority'] as const
const HEADER_MATCH_FIELDS = ['headers', 'withoutHeaders'] as const
const PRESENCE_REGEX: {presenceRegex: boolean} = {presenceRegex: true}
const NO_OPTIONS: {presenceRegex: boolean} = {presenceRegex: false}

function checkHttpMatch(out: Out, p: string, v: unknown, rc: RouteContext): void {
  const m = obj(v)
  if (!m) return
  if (m.uri !== undefined) checkStringMatch(out, at(p, 'uri'), m.uri, 'uri', {allowEmptyPrefix: true})
  for (const f of STRING_MATCH_FIELDS) if (m[f] !== undefined) checkStringMatch(out, at(p, f), m[f], f)
  for (const f of HEADER_MATCH_FIELDS) {
    const hs = obj(m[f])
    if (!hs) continue
    for (const name of Object.keys(hs)) {
      const sm = hs[name]
      if (sm === null) continue
      const hp = at(p, f, name)
      const np = matchHeaderNameProblem(name)
      if (np) out.err('CL2006', hp, np)
      else if (name.startsWith('@request.auth.claims') && rc.appliesToMesh) {
        out.err('CL2006', hp, 'JWT claim based routing (@request.auth.claims) only works on gateways; bind this VirtualService to gateways only, without "mesh"')
      }
      if (isObj(sm)) checkStringMatch(out, hp, sm, `header ${q(name)}`, f === 'withoutHeaders' ? PRESENCE_REGEX : NO_OPTIONS)
    }
  }
  const qp = obj(m.queryParams)
  if (qp) for (const [name, sm] of Object.entries(qp)) checkStringMatch(out, at(p, 'queryParams', name), sm, `query parameter ${q(name)}`)
  if (has(m, 'port')) checkPort(out, at(p, 'port'), m.port)
  if (m.sourceLabels !== undefined) checkLabels(out, at(p, 'sourceLabels'), m.sourceLabels)
  if (m.gateways !== undefined) checkGatewayNames(out, at(p, 'gateways'), m.gateways, rc.gatewaySemantics)
  if (hasStr(m, 'sourceNamespace') && !isK8sLabel(m.sourceNamespace as string)) out.err('CL2009', at(p, 'sourceNamespace'), `sourceNamespace ${q(m.sourceNamespace)} is not a valid namespace name`)
}

/** Header add/set/remove on requests and responses. */
export function checkHeaderOperations(out: Out, p: string, v: unknown): void {
  const hs = obj(v)
  if (!hs) return
  for (const dir of ['request', 'response'] as const) {
    const ops = obj(hs[dir])
    if (!ops) continue
    for (const op of ['set', 'add'] as const) {
      const m = obj(ops[op])
      if (!m) continue
      for (const [name, val] of Object.entries(m)) {
        const hp = at(p, dir, op, name)
        const np = headerOperationProblem(name, dir === 'request')
        if (np) out.err('CL2006', hp, np)
        if (typeof val === 'string') {
          const vp = headerValueProblem(val)
          if (vp) out.err('CL2006', hp, vp)
        }
      }
    }
    for (let i = 0, items = list(ops.remove); i < items.length; i++) {
      const name = items[i]
      if (typeof name !== 'string') continue
      const np = headerOperationProblem(name, false)
      if (np) out.err('CL2006', at(p, dir, 'remove', i), np)
    }
  }
}

function headerOperationProblem(name: string, allowAuthority: boolean): string | undefined {
  if (name === '') return 'header name must not be empty'
  const lower = name.toLowerCase()
  if (allowAuthority && (lower === ':authority' || lower === 'host')) return undefined
  if (lower === 'host') return `the Host header cannot be changed here (${q(name)})`
  if (name.startsWith(':')) return `pseudo-header ${q(name)} cannot be changed here`
  if (!isHeaderName(name)) return `${q(name)} is not a valid header name (letters, digits, '-' and '_' only)`
  return undefined
}

function checkAuthorityRewrite(out: Out, p: string, h: Obj): void {
  const req = obj(obj(h.headers)?.request)
  const isAuth = (k: string): boolean => k.toLowerCase() === ':authority' || k.toLowerCase() === 'host'
  const setKeys = Object.keys(obj(req?.set) ?? {}).filter(isAuth)
  const addKeys = Object.keys(obj(req?.add) ?? {}).filter(isAuth)
  const rewriteAuth = hasStr(obj(h.rewrite), 'authority')
  if (rewriteAuth && (setKeys.length > 0 || addKeys.length > 0)) {
    out.err('CL2011', at(p, 'rewrite', 'authority'), 'the authority is rewritten twice: by rewrite.authority and by a request header operation on :authority/host')
  } else if (setKeys.length + addKeys.length > 1) {
    out.err('CL2011', at(p, 'headers', 'request'), 'the authority header (:authority/host) is set more than once')
  }
}

function checkCors(out: Out, p: string, v: unknown): void {
  const c = obj(v)
  if (!c) return
  for (let i = 0, items = list(c.allowOrigins); i < items.length; i++) {
    const o = items[i]
    const m = obj(o)
    const op = at(p, 'allowOrigins', i)
    if (!m || Object.keys(m).length === 0) {
      out.err('CL2106', op, 'an allowOrigins entry needs one of exact, prefix or regex')
      continue
    }
    if (m.exact === '' || m.prefix === '') out.err('CL2106', op, 'an allowOrigins entry may not match the empty string')
    if (m.regex !== undefined) checkRegex(out, at(op, 'regex'), m.regex, 'allowOrigins regex')
  }
  for (let i = 0, items = list(c.allowMethods); i < items.length; i++) {
    const m = items[i]
    if (typeof m === 'string' && !HTTP_METHODS.has(m)) out.err('CL2106', at(p, 'allowMethods', i), `${q(m)} is not an HTTP method (GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH or *)`)
  }
  for (const f of ['allowHeaders', 'exposeHeaders'] as const) {
    for (let i = 0, items = list(c[f]); i < items.length; i++) {
      const name = items[i]
      if (typeof name !== 'string' || name === '*') continue
      if (!isHeaderName(name)) out.err('CL2106', at(p, f, i), name === '' ? 'header name must not be empty' : `${q(name)} is not a valid header name`)
    }
  }
  if (has(c, 'maxAge')) checkDuration(out, at(p, 'maxAge'), c.maxAge, {wholeSeconds: true})
}

/** Istio's percentage rule: 0, or between 0.0001 and 100. */
export function checkPercentage(out: Out, p: string, v: unknown, what: string): void {
  const o = obj(v)
  const val = num(o?.value)
  if (val === undefined) return
  if (val < 0 || val > 100 || (val > 0 && val < 0.0001)) out.err('CL2013', at(p, 'value'), `${what} must be 0 or between 0.0001 and 100; got ${val}`)
}

function checkFault(out: Out, p: string, v: unknown): void {
  const f = obj(v)
  if (!f) return
  if (!has(f, 'abort') && !has(f, 'delay')) {
    out.err('CL2103', p, 'a fault needs an abort and/or a delay')
    return
  }
  const a = obj(f.abort)
  if (a) {
    const ap = at(p, 'abort')
    checkPercentage(out, at(ap, 'percentage'), a.percentage, 'abort percentage')
    if (has(a, 'http2Error')) out.err('CL2103', at(ap, 'http2Error'), 'HTTP/2 error abort injection is not supported; use httpStatus or grpcStatus')
    else if (has(a, 'grpcStatus')) {
      if (typeof a.grpcStatus === 'string' && !GRPC_CODES.has(a.grpcStatus)) out.err('CL2103', at(ap, 'grpcStatus'), `${q(a.grpcStatus)} is not a gRPC status name (e.g. UNAVAILABLE, NOT_FOUND)`)
    } else if (has(a, 'httpStatus')) checkHttpStatus(out, at(ap, 'httpStatus'), a.httpStatus, 'abort httpStatus', 'CL2103')
    else out.warn('CL2103', ap, 'the abort sets no httpStatus or grpcStatus, so it has no effect')
  }
  const d = obj(f.delay)
  if (d) {
    const dp = at(p, 'delay')
    checkPercentage(out, at(dp, 'percentage'), d.percentage, 'delay percentage')
    const pct = num(d.percent)
    if (pct !== undefined && (pct < 0 || pct > 100)) out.err('CL2103', at(dp, 'percent'), `delay percent must be between 0 and 100; got ${pct}`)
    if (has(d, 'exponentialDelay')) out.err('CL2103', at(dp, 'exponentialDelay'), 'exponentialDelay is not supported; use fixedDelay')
    if (has(d, 'fixedDelay')) checkDuration(out, at(dp, 'fixedDelay'), d.fixedDelay)
  }
}

function checkHttpStatus(out: Out, p: string, v: unknown, what: string, code: string): void {
  const s = num(v)
  if (s === undefined) return
  if (s < 200 || s > 599) out.err(code, p, `${what} ${s} is not an HTTP status between 200 and 599`)
}

function checkRedirect(out: Out, p: string, v: unknown, matches: unknown): void {
  const r = obj(v)
  if (!r) return
  if (!hasStr(r, 'uri') && !hasStr(r, 'authority') && !hasStr(r, 'scheme') && !has(r, 'port') && !has(r, 'derivePort') && !hasStr(r, 'prefixRewrite')) {
    out.err('CL2105', p, 'a redirect must change at least one of uri, authority, scheme or port')
  }
  if (hasStr(r, 'uri') && hasStr(r, 'prefixRewrite')) out.err('CL2105', at(p, 'prefixRewrite'), 'redirect uri and prefixRewrite cannot both be set')
  const code = num(r.redirectCode)
  if (code !== undefined && code !== 0 && (code < 300 || code > 399)) out.err('CL2105', at(p, 'redirectCode'), `redirectCode ${code} is not a redirect (3xx) status`)
  if (hasStr(r, 'scheme') && r.scheme !== 'http' && r.scheme !== 'https') out.err('CL2105', at(p, 'scheme'), `redirect scheme must be "http" or "https"; got ${q(r.scheme)}`)
  if (has(r, 'port')) checkPort(out, at(p, 'port'), r.port, 'redirect port')
  if (hasStr(r, 'prefixRewrite')) {
    for (let i = 0, items = list(matches); i < items.length; i++) {
      const m = items[i]
      const uri = obj(obj(m)?.uri)
      if (uri && !has(uri, 'prefix')) out.err('CL2105', at(p, 'prefixRewrite'), `prefixRewrite only works with prefix URI matches; match[${i}] uses ${Object.keys(uri).join(', ')}`)
    }
  }
}

const KB = 1024

function checkDirectResponse(out: Out, p: string, v: unknown): void {
  const d = obj(v)
  if (!d) return
  checkHttpStatus(out, at(p, 'status'), d.status, 'directResponse status', 'CL2107')
  const body = obj(d.body)
  if (!body) return
  let size = 0
  if (typeof body.string === 'string') size = Buffer.byteLength(body.string, 'utf8')
  else if (typeof body.bytes === 'string') size = Math.floor((body.bytes.replace(/=+$/, '').length * 3) / 4)
  if (size > 1024 * KB) out.err('CL2107', at(p, 'body'), `the directResponse body is ${Math.round(size / KB)} KB; Istio allows at most 1 MB (large bodies slow down the control plane)`)
  else if (size > 100 * KB) out.warn('CL2107', at(p, 'body'), `the directResponse body is ${Math.round(size / KB)} KB; bodies over 100 KB may slow down the control plane`)
}

function checkRetries(out: Out, p: string, v: unknown): void {
  const r = obj(v)
  if (!r) return
  const attempts = num(r.attempts) ?? 0
  if (attempts < 0) out.err('CL2104', at(p, 'attempts'), `retry attempts cannot be negative; got ${attempts}`)
  if (attempts === 0 && (has(r, 'perTryTimeout') || hasStr(r, 'retryOn') || has(r, 'retryRemoteLocalities'))) {
    out.err('CL2104', has(r, 'attempts') ? at(p, 'attempts') : p, 'retry settings are given but attempts is 0, which disables retries; set attempts')
  }
  if (has(r, 'perTryTimeout')) checkDuration(out, at(p, 'perTryTimeout'), r.perTryTimeout)
  if (has(r, 'backoff')) checkDuration(out, at(p, 'backoff'), r.backoff)
  if (typeof r.retryOn === 'string' && r.retryOn !== '') {
    for (const raw of r.retryOn.split(',')) {
      const t = raw.trim()
      if (RETRY_ON.has(t)) continue
      if (/^\d+$/.test(t) && Number(t) >= 100 && Number(t) <= 599) continue
      out.err('CL2104', at(p, 'retryOn'), `${q(t)} is not a retry condition (e.g. 5xx, gateway-error, reset, connect-failure, retriable-4xx, or an HTTP status)`)
    }
  }
}

function checkRewrite(out: Out, p: string, v: unknown): void {
  const r = obj(v)
  if (!r) return
  const hasUri = hasStr(r, 'uri')
  const hasRe = has(r, 'uriRegexRewrite')
  if (hasUri && hasRe) out.err('CL2105', at(p, 'uriRegexRewrite'), 'rewrite uri and uriRegexRewrite cannot both be set')
  if (!hasUri && !hasRe && !hasStr(r, 'authority')) out.err('CL2105', p, 'a rewrite must set uri, uriRegexRewrite or authority')
  const re = obj(r.uriRegexRewrite)
  if (re) {
    const rp = at(p, 'uriRegexRewrite')
    if (!hasStr(re, 'match')) out.err('CL2105', rp, 'uriRegexRewrite needs a match regex')
    else checkRegex(out, at(rp, 'match'), re.match, 'uriRegexRewrite match')
    if (!hasStr(re, 'rewrite')) out.err('CL2105', rp, 'uriRegexRewrite needs a rewrite value')
  }
}

/** Destinations of http/tcp/tls routes: valid destinations, non-negative weights, not all zero. */
export function checkRouteDestinations(out: Out, p: string, v: unknown, http: boolean): void {
  const items = list(v)
  let total = 0
  for (let i = 0; i < items.length; i++) {
    const d = items[i]
    if (d === null) continue
    const o = obj(d)
    if (!o) continue
    const dp = at(p, i)
    if (o.destination !== undefined) checkDestination(out, at(dp, 'destination'), o.destination) // a missing destination: schema (required)
    if (http && o.headers !== undefined) checkHeaderOperations(out, at(dp, 'headers'), o.headers)
    const w = num(o.weight) ?? 0
    if (w < 0) out.err('CL2102', at(dp, 'weight'), `weight ${w} is negative`)
    total += w
  }
  if (items.length > 1 && total === 0) out.err('CL2102', p, `the weights of the ${items.length} destinations total 0; give at least one destination a positive weight`)
}

export function checkDestination(out: Out, p: string, v: unknown): void {
  const d = obj(v)
  if (!d) return
  const host = str(d.host)
  if (host !== undefined) {
    if (host === '*') out.err('CL2003', at(p, 'host'), "destination host cannot be '*'; name a service")
    else {
      const hp = wildcardDomainProblem(host)
      if (hp) out.err('CL2003', at(p, 'host'), hp)
    }
  }
  if (hasStr(d, 'subset') && !isDnsLabel(d.subset as string)) out.err('CL2009', at(p, 'subset'), `subset name ${q(d.subset)} is not a DNS-1123 label`)
  if (has(d, 'port')) {
    const port = obj(d.port)
    if (port && num(port.number) === undefined) out.err('CL2002', at(p, 'port'), 'destination port needs a number between 1 and 65535')
    else if (port) checkPort(out, at(p, 'port', 'number'), port.number, 'destination port')
  }
}

export {checkGatewayNames, checkPercent}
