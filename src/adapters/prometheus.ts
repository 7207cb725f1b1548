import type {MetricSample, MetricsSource} from '../core/canary/analysis.js'

export interface PrometheusOptions {
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>
  /** Evaluation time (default: now, as Prometheus decides). */
  time?: () => Date | undefined
}

export class PrometheusError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PrometheusError'
  }
}

interface ApiResponse {
  status?: string
  errorType?: string
  error?: string
  data?: {resultType?: string; result?: unknown}
}

/** Credentials in the URL (https://user:pass@host) become a Basic header and never appear in messages. */
export function splitCredentials(url: string): {url: string; authorization?: string} {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new PrometheusError(`'${url}' is not a URL`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PrometheusError(`'${url}' is not an http(s) URL`)
  if (!u.username && !u.password) return {url: u.toString().replace(/\/$/, '')}
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
  u.username = ''
  u.password = ''
  return {url: u.toString().replace(/\/$/, ''), authorization}
}

/**
 * Prometheus HTTP API client (instant queries) over fetch. Provider problems (connection refused,
 * timeout, HTTP errors, an API error, a non-vector result) throw PrometheusError; the analysis
 * turns them into an invalid result, which never passes a check.
 */
export class PrometheusClient implements MetricsSource {
  readonly url: string
  private readonly headers: Record<string, string>
  constructor(
    baseUrl: string,
    private readonly opts: PrometheusOptions = {},
  ) {
    const {url, authorization} = splitCredentials(baseUrl)
    this.url = url
    this.headers = {accept: 'application/json', ...(authorization ? {authorization} : {}), ...(opts.headers ?? {})}
  }

  async query(promql: string): Promise<MetricSample[]> {
    const body = new URLSearchParams({query: promql})
    const t = this.opts.time?.()
    if (t) body.set('time', String(t.getTime() / 1000))
    let res: Response
    try {
      res = await fetch(`${this.url}/api/v1/query`, {
        method: 'POST',
        headers: {...this.headers, 'content-type': 'application/x-www-form-urlencoded'},
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      })
    } catch (e) {
      const err = e as Error & {cause?: {code?: string; message?: string}}
      const why = err.name === 'TimeoutError' ? 'timed out' : (err.cause?.code ?? err.cause?.message ?? err.message)
      throw new PrometheusError(`cannot reach Prometheus at ${this.url}: ${why}`)
    }
    let json: ApiResponse
    try {
      json = (await res.json()) as ApiResponse
    } catch {
      throw new PrometheusError(`Prometheus at ${this.url} answered HTTP ${res.status} without a JSON body`)
    }
    if (!res.ok || json.status !== 'success') throw new PrometheusError(`Prometheus query failed (HTTP ${res.status}${json.errorType ? `, ${json.errorType}` : ''}): ${json.error ?? 'no detail'}`)
    const data = json.data ?? {}
    if (data.resultType === 'scalar' && Array.isArray(data.result)) return [{labels: {}, value: String(data.result[1])}]
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) throw new PrometheusError(`expected an instant vector, got ${String(data.resultType)}`)
    return data.result.map((r) => {
      const s = r as {metric?: Record<string, string>; value?: [number, string]}
      return {labels: s.metric ?? {}, value: String(s.value?.[1] ?? 'NaN')}
    })
  }

  /** Readiness check: the /-/ready endpoint answers 200. */
  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/-/ready`, {headers: this.headers, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)})
      return res.ok
    } catch {
      return false
    }
  }
}
