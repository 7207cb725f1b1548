/**
 * A test exporter that serves Istio-style request metrics (`istio_requests_total`,
 * `istio_request_duration_milliseconds_bucket`) for a stable and a canary workload, with traffic,
 * error rate and latency that the test controls. Metrics are produced with prom-client and counted
 * as if requests were flowing (reporter="destination"), ticking every 100 ms.
 */
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {Counter, Histogram, Registry} from 'prom-client'

export interface WorkloadTraffic {
  /** Requests per second. */
  rps: number
  /** Share of requests answered with 5xx, 0..1. */
  errorRate: number
  /** Latency of every request, in ms. */
  latencyMs: number
}

export interface IstioWorkload {
  service: string
  namespace: string
  workload: string
  version: string
}

export interface IstioExporter {
  url: string
  /** host:port, for a Prometheus scrape config. */
  address: string
  set(which: 'stable' | 'canary', t: Partial<WorkloadTraffic>): void
  /** Requests counted so far per workload. */
  counts(): {stable: number; canary: number}
  close(): Promise<void>
}

const BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

export async function startIstioExporter(opts: {
  stable?: Partial<IstioWorkload>
  canary?: Partial<IstioWorkload>
  traffic?: {stable?: Partial<WorkloadTraffic>; canary?: Partial<WorkloadTraffic>}
} = {}): Promise<IstioExporter> {
  const register = new Registry()
  const labelNames = [
    'reporter',
    'source_workload',
    'destination_service',
    'destination_service_name',
    'destination_service_namespace',
    'destination_workload',
    'destination_workload_namespace',
    'destination_version',
    'response_code',
    'request_protocol',
  ] as const
  const requests = new Counter({name: 'istio_requests_total', help: 'Requests, as Istio reports them', labelNames, registers: [register]})
  const duration = new Histogram({name: 'istio_request_duration_milliseconds', help: 'Request duration', labelNames, buckets: BUCKETS, registers: [register]})
  const wl = {
    stable: {service: 'reviews', namespace: 'shop', workload: 'reviews-v1', version: 'v1', ...opts.stable},
    canary: {service: 'reviews', namespace: 'shop', workload: 'reviews-v2', version: 'v2', ...opts.canary},
  }
  const traffic: Record<'stable' | 'canary', WorkloadTraffic> = {
    stable: {rps: 50, errorRate: 0, latencyMs: 20, ...opts.traffic?.stable},
    canary: {rps: 50, errorRate: 0, latencyMs: 20, ...opts.traffic?.canary},
  }
  const total = {stable: 0, canary: 0}
  const carry = {stable: 0, canary: 0, stableErr: 0, canaryErr: 0}
  const TICK = 100
  const tick = (): void => {
    for (const which of ['stable', 'canary'] as const) {
      const t = traffic[which]
      const w = wl[which]
      carry[which] += (t.rps * TICK) / 1000
      const n = Math.floor(carry[which])
      carry[which] -= n
      if (n === 0) continue
      const errExact = n * t.errorRate + carry[`${which}Err`]
      const errors = Math.floor(errExact)
      carry[`${which}Err`] = errExact - errors
      const base = {
        reporter: 'destination',
        source_workload: 'productpage-v1',
        destination_service: `${w.service}.${w.namespace}.svc.cluster.local`,
        destination_service_name: w.service,
        destination_service_namespace: w.namespace,
        destination_workload: w.workload,
        destination_workload_namespace: w.namespace,
        destination_version: w.version,
        request_protocol: 'http',
      }
      if (n - errors > 0) {
        requests.inc({...base, response_code: '200'}, n - errors)
        for (let i = 0; i < n - errors; i++) duration.observe({...base, response_code: '200'}, t.latencyMs)
      }
      if (errors > 0) {
        requests.inc({...base, response_code: '503'}, errors)
        for (let i = 0; i < errors; i++) duration.observe({...base, response_code: '503'}, t.latencyMs)
      }
      total[which] += n
    }
  }
  const timer = setInterval(tick, TICK)
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/metrics')) {
      register
        .metrics()
        .then((text) => {
          res.writeHead(200, {'content-type': register.contentType})
          res.end(text)
        })
        .catch((e: Error) => {
          res.writeHead(500)
          res.end(e.message)
        })
      return
    }
    res.writeHead(404)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    set(which, t) {
      traffic[which] = {...traffic[which], ...t}
    },
    counts: () => ({...total}),
    async close() {
      clearInterval(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
