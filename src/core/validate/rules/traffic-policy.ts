import {checkDuration, checkPort, fqdnProblem, isIPAddr} from './common.js'
import {at, has, hasItems, hasStr, list, num, obj, q, type Obj, type Out} from './util.js'

const POLICY_KEYS = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'tunnel', 'proxyProtocol', 'retryBudget'] as const
const PORT_POLICY_KEYS = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'] as const

function hasAny(o: Obj, keys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) if (has(o, keys[i]!)) return true
  return false
}

// The checks below do nothing for an absent field; the callers skip them then, which also skips
// building their pointers.

/** DestinationRule traffic policy (top level, per subset, per port). */
export function checkTrafficPolicy(out: Out, p: string, v: unknown, namespace: string): void {
  const t = obj(v)
  if (!t) return
  if (!hasAny(t, POLICY_KEYS) && !hasItems(t, 'portLevelSettings')) {
    out.err('CL2200', p, 'trafficPolicy is empty; set at least one policy (loadBalancer, connectionPool, outlierDetection, tls, portLevelSettings...) or remove it')
  }
  if (has(t, 'tunnel') && has(t, 'proxyProtocol')) out.err('CL2200', at(p, 'proxyProtocol'), 'tunnel and proxyProtocol cannot be used together')
  if (t.outlierDetection !== undefined) checkOutlierDetection(out, at(p, 'outlierDetection'), t.outlierDetection)
  if (t.connectionPool !== undefined) checkConnectionPool(out, at(p, 'connectionPool'), t.connectionPool)
  if (t.loadBalancer !== undefined) checkLoadBalancer(out, at(p, 'loadBalancer'), t.loadBalancer, has(t, 'outlierDetection'))
  if (t.tls !== undefined) checkClientTls(out, at(p, 'tls'), t.tls, namespace)
  for (let i = 0, items = list(t.portLevelSettings); i < items.length; i++) {
    const pl = items[i]
    const pp = at(p, 'portLevelSettings', i)
    const o = obj(pl)
    if (!o) continue
    const port = obj(o.port)
    if (!port) out.err('CL2200', pp, 'a port-level policy needs a port')
    else if (has(port, 'number')) checkPort(out, at(pp, 'port', 'number'), port.number)
    if (!hasAny(o, PORT_POLICY_KEYS)) {
      out.err('CL2200', pp, 'a port-level policy must set at least one of outlierDetection, connectionPool, loadBalancer or tls')
    }
    if (o.outlierDetection !== undefined) checkOutlierDetection(out, at(pp, 'outlierDetection'), o.outlierDetection)
    if (o.connectionPool !== undefined) checkConnectionPool(out, at(pp, 'connectionPool'), o.connectionPool)
    if (o.loadBalancer !== undefined) checkLoadBalancer(out, at(pp, 'loadBalancer'), o.loadBalancer, has(o, 'outlierDetection'))
    if (o.tls !== undefined) checkClientTls(out, at(pp, 'tls'), o.tls, namespace)
  }
  const tunnel = obj(t.tunnel)
  if (tunnel) {
    const tp = at(p, 'tunnel')
    if (hasStr(tunnel, 'protocol') && !['CONNECT', 'POST'].includes((tunnel.protocol as string).toUpperCase())) {
      out.err('CL2200', at(tp, 'protocol'), `tunnel protocol must be CONNECT or POST; got ${q(tunnel.protocol)}`)
    }
    if (typeof tunnel.targetHost === 'string' && !isIPAddr(tunnel.targetHost)) {
      const fp = fqdnProblem(tunnel.targetHost)
      if (fp) out.err('CL2003', at(tp, 'targetHost'), `tunnel targetHost must be an IP address or a DNS name: ${fp}`)
    }
    if (has(tunnel, 'targetPort')) checkPort(out, at(tp, 'targetPort'), tunnel.targetPort, 'tunnel targetPort')
  }
}

function nonNegative(out: Out, p: string, o: Obj, keys: readonly string[], code: string): void {
  for (const k of keys) {
    const v = num(o[k])
    if (v !== undefined && v < 0) out.err(code, at(p, k), `${k} must not be negative; got ${v}`)
  }
}

/** Connection pool settings (DestinationRule; Sidecar listeners reuse it). */
export function checkConnectionPoolSettings(out: Out, p: string, v: unknown): void {
  checkConnectionPool(out, p, v)
}

const HTTP_COUNTS = ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams']
const TCP_COUNTS = ['maxConnections']
const OUTLIER_PERCENTS = ['maxEjectionPercent', 'minHealthPercent'] as const

function checkConnectionPool(out: Out, p: string, v: unknown): void {
  const c = obj(v)
  if (!c) return
  if (!has(c, 'http') && !has(c, 'tcp')) out.err('CL2201', p, 'connectionPool is empty; set tcp and/or http')
  const h = obj(c.http)
  if (h) {
    const hp = at(p, 'http')
    nonNegative(out, hp, h, HTTP_COUNTS, 'CL2201')
    if (has(h, 'idleTimeout')) checkDuration(out, at(hp, 'idleTimeout'), h.idleTimeout)
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol === true) out.err('CL2201', at(hp, 'useClientProtocol'), 'useClientProtocol cannot be true when h2UpgradePolicy is UPGRADE')
    const ka = obj(h.http2KeepAlive)
    if (ka) {
      const kp = at(hp, 'http2KeepAlive')
      if (!has(ka, 'interval')) out.err('CL2201', kp, 'http2KeepAlive needs an interval')
      else checkDuration(out, at(kp, 'interval'), ka.interval)
      if (!has(ka, 'timeout')) out.err('CL2201', kp, 'http2KeepAlive needs a timeout')
      else checkDuration(out, at(kp, 'timeout'), ka.timeout)
    }
  }
  const t = obj(c.tcp)
  if (t) {
    const tp = at(p, 'tcp')
    nonNegative(out, tp, t, TCP_COUNTS, 'CL2201')
    if (has(t, 'connectTimeout')) checkDuration(out, at(tp, 'connectTimeout'), t.connectTimeout)
    if (has(t, 'maxConnectionDuration')) checkDuration(out, at(tp, 'maxConnectionDuration'), t.maxConnectionDuration)
    if (has(t, 'idleTimeout')) checkDuration(out, at(tp, 'idleTimeout'), t.idleTimeout, {allowZero: true})
    const ka = obj(t.tcpKeepalive)
    if (ka) {
      if (has(ka, 'time')) checkDuration(out, at(tp, 'tcpKeepalive', 'time'), ka.time)
      if (has(ka, 'interval')) checkDuration(out, at(tp, 'tcpKeepalive', 'interval'), ka.interval)
    }
  }
}

function checkOutlierDetection(out: Out, p: string, v: unknown): void {
  const o = obj(v)
  if (!o) return
  if (has(o, 'baseEjectionTime')) checkDuration(out, at(p, 'baseEjectionTime'), o.baseEjectionTime)
  if (has(o, 'interval')) checkDuration(out, at(p, 'interval'), o.interval)
  if (num(o.consecutiveErrors)) out.warn('CL2015', at(p, 'consecutiveErrors'), 'consecutiveErrors is deprecated; use consecutiveGatewayErrors or consecutive5xxErrors')
  for (const k of OUTLIER_PERCENTS) {
    const val = num(o[k])
    if (val !== undefined && (val < 0 || val > 100)) out.err('CL2203', at(p, k), `${k} must be between 0 and 100; got ${val}`)
  }
  const local = num(o.consecutiveLocalOriginFailures)
  if (local !== undefined && local > 0 && o.splitExternalLocalOriginErrors !== true) {
    out.err('CL2203', at(p, 'consecutiveLocalOriginFailures'), 'consecutiveLocalOriginFailures only takes effect with splitExternalLocalOriginErrors: true')
  }
}

const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'])

function isPrime(n: number): boolean {
  if (n < 2 || !Number.isInteger(n)) return false
  if (n % 2 === 0) return n === 2
  for (let i = 3; i * i <= n; i += 2) if (n % i === 0) return false
  return true
}

function checkLoadBalancer(out: Out, p: string, v: unknown, hasOutlier: boolean): void {
  const lb = obj(v)
  if (!lb) return
  const ch = obj(lb.consistentHash)
  if (ch) {
    const cp = at(p, 'consistentHash')
    const cookie = obj(ch.httpCookie)
    if (cookie) {
      if (cookie.name === '') out.err('CL2202', at(cp, 'httpCookie', 'name'), 'httpCookie needs a non-empty name')
      const seen = new Set<string>()
      for (let i = 0, items = list(cookie.attributes); i < items.length; i++) {
        const a = items[i]
        const name = obj(a)?.name
        if (typeof name !== 'string') continue
        const ap = at(cp, 'httpCookie', 'attributes', i, 'name')
        if (name === '') out.err('CL2202', ap, 'a cookie attribute needs a name')
        else if (seen.has(name)) out.err('CL2010', ap, `cookie attribute ${q(name)} is listed more than once`)
        seen.add(name)
      }
    }
    const minRing = num(ch.minimumRingSize)
    if (minRing) {
      out.warn('CL2015', at(cp, 'minimumRingSize'), 'consistentHash.minimumRingSize is deprecated; use ringHash.minimumRingSize')
      if (has(ch, 'ringHash') || has(ch, 'maglev')) out.err('CL2011', at(cp, 'minimumRingSize'), 'minimumRingSize cannot be combined with ringHash or maglev')
    }
    const maglev = obj(ch.maglev)
    if (maglev) {
      const size = num(maglev.tableSize)
      const mp = at(cp, 'maglev', 'tableSize')
      if (size === undefined || size === 0) out.err('CL2202', at(cp, 'maglev'), 'maglev needs a tableSize (a prime number, e.g. 65537)')
      else if (size > 5000011) out.err('CL2202', mp, `maglev tableSize ${size} is too large; it must be below 5000011`)
      else if (!isPrime(size)) out.err('CL2202', mp, `maglev tableSize ${size} must be a prime number (e.g. 65537)`)
    }
  }
  if (has(lb, 'localityLbSetting') && has(lb, 'zoneAwareLbSetting')) out.err('CL2011', at(p, 'zoneAwareLbSetting'), 'localityLbSetting and zoneAwareLbSetting cannot both be set')
  if (lb.localityLbSetting !== undefined) checkLocality(out, at(p, 'localityLbSetting'), lb.localityLbSetting, hasOutlier)
  const warm = obj(lb.warmup)
  if (warm) {
    if (has(warm, 'duration')) checkDuration(out, at(p, 'warmup', 'duration'), warm.duration)
    const ag = num(warm.aggression)
    if (ag === 0) out.err('CL2202', at(p, 'warmup', 'aggression'), `warmup aggression must be greater than 0; got ${ag}`)
  }
  if (has(lb, 'warmupDurationSecs')) checkDuration(out, at(p, 'warmupDurationSecs'), lb.warmupDurationSecs)
}

function checkLocality(out: Out, p: string, v: unknown, hasOutlier: boolean): void {
  const l = obj(v)
  if (!l) return
  const distribute = list(l.distribute)
  const failover = list(l.failover)
  if (distribute.length > 0 && failover.length > 0) out.err('CL2011', at(p, 'failover'), "distribute and failover cannot both be set")
  if (failover.length > 0) {
    for (let i = 0, items = list(l.failoverPriority); i < items.length; i++) {
      const lab = items[i]
      if (typeof lab === 'string' && TOPOLOGY_LABELS.has(lab.split('=')[0]!)) out.err('CL2011', at(p, 'failoverPriority', i), `failoverPriority cannot use the topology label ${q(lab)} together with failover`)
    }
    if (!hasOutlier) out.warn('CL2202', at(p, 'failover'), 'locality failover only works with outlierDetection; add an outlierDetection policy')
  }
  const froms: {loc: string; p: string}[] = []
  for (let i = 0, items = distribute; i < items.length; i++) {
    const d = items[i]
    const o = obj(d)
    if (!o) continue
    const dp = at(p, 'distribute', i)
    if (typeof o.from === 'string') froms.push({loc: o.from, p: at(dp, 'from')})
    const to = obj(o.to)
    let total = 0
    const dests: {loc: string; p: string}[] = []
    for (const [loc, w] of Object.entries(to ?? {})) {
      dests.push({loc, p: at(dp, 'to', loc)})
      const n = typeof w === 'number' ? w : 0
      if (n <= 0 || n > 100) out.err('CL2202', at(dp, 'to', loc), `locality weight must be between 1 and 100; got ${String(w)}`)
      total += n
    }
    if (total !== 100) out.err('CL2202', at(dp, 'to'), `the locality weights total ${total}; they must total 100`)
    checkLocalities(out, dests)
  }
  checkLocalities(out, froms)
  for (let i = 0, items = failover; i < items.length; i++) {
    const f = items[i]
    const o = obj(f)
    if (!o) continue
    const fp = at(p, 'failover', i)
    const from = typeof o.from === 'string' ? o.from : ''
    const to = typeof o.to === 'string' ? o.to : ''
    if (from === to) out.err('CL2202', fp, 'a failover entry must name two different regions')
    if (from.includes('/') || to.includes('/')) out.err('CL2202', fp, "failover names regions only (no '/zone')")
    if (from.includes('*') || to.includes('*')) out.err('CL2202', fp, "failover regions cannot contain the '*' wildcard")
  }
}

/** Localities are region[/zone[/subzone]] with at most one trailing '*'; they may not overlap. */
function checkLocalities(out: Out, locs: readonly {loc: string; p: string}[]): void {
  const seen: string[] = []
  for (const {loc, p} of locs) {
    const stars = loc.split('*').length - 1
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) {
      out.err('CL2202', p, `locality ${q(loc)} may use '*' only once, at the end`)
      continue
    }
    const parts = loc.split('/')
    if (parts.length > 3 || parts.some((x) => x === '')) {
      out.err('CL2202', p, `locality ${q(loc)} must be region, region/zone or region/zone/subzone without empty parts`)
      continue
    }
    const norm = parts.filter((x) => x !== '*')
    for (const s of seen) {
      const sp = s.split('/')
      const n = Math.min(sp.length, norm.length)
      if (sp.slice(0, n).join('/') === norm.slice(0, n).join('/')) {
        out.err('CL2202', p, `locality ${q(loc)} overlaps with a locality listed before it`)
        break
      }
    }
    seen.push(norm.join('/'))
  }
}

/** Client-side TLS (DestinationRule). */
export function checkClientTls(out: Out, p: string, v: unknown, namespace: string): void {
  const t = obj(v)
  if (!t) return
  const mode = t.mode
  const skip = t.insecureSkipVerify === true
  if (skip && mode === 'SIMPLE' && (hasStr(t, 'caCertificates') || hasStr(t, 'credentialName') || hasItems(t, 'subjectAltNames'))) {
    out.err('CL2204', at(p, 'insecureSkipVerify'), 'with insecureSkipVerify: true, SIMPLE TLS cannot set caCertificates, credentialName or subjectAltNames (nothing would verify them)')
  }
  if (skip && mode === 'MUTUAL' && (hasStr(t, 'caCertificates') || hasItems(t, 'subjectAltNames'))) {
    out.err('CL2204', at(p, 'insecureSkipVerify'), 'with insecureSkipVerify: true, MUTUAL TLS cannot set caCertificates or subjectAltNames (nothing would verify them)')
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && hasStr(t, 'credentialName')) {
    const inline = ['clientCertificate', 'privateKey', 'caCertificates', 'caCrl'].filter((k) => hasStr(t, k))
    if (inline.length > 0) out.err('CL2204', at(p, 'credentialName'), `credentialName cannot be combined with ${inline.join(', ')}; the secret provides the certificates`)
    const cred = t.credentialName as string
    if (cred.startsWith('configmap://')) {
      const ref = cred.slice('configmap://'.length)
      if (ref.includes('/') && ref.split('/')[0] !== namespace) out.err('CL2204', at(p, 'credentialName'), `a configmap:// credentialName must refer to the DestinationRule's own namespace (${namespace})`)
    }
    return
  }
  if (mode === 'MUTUAL') {
    if (!hasStr(t, 'clientCertificate')) out.err('CL2204', p, 'MUTUAL TLS without credentialName needs clientCertificate')
    if (!hasStr(t, 'privateKey')) out.err('CL2204', p, 'MUTUAL TLS without credentialName needs privateKey')
  }
}
