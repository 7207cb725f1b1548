import assert from 'node:assert/strict'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, test} from 'node:test'
import {PrometheusClient, PrometheusError, splitCredentials} from '../../../src/adapters/prometheus.js'

// A small HTTP server answering like (and unlike) Prometheus' /api/v1/query, to exercise the client's
// error paths that a healthy Prometheus never produces.
let server: Server
let url = ''
const seen: {auth?: string; body: string}[] = []

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = ''
    req.on('data', (d) => (b += d))
    req.on('end', () => resolve(b))
  })
}

before(async () => {
  server = createServer(async (req, res) => {
    const b = await body(req)
    seen.push({auth: req.headers.authorization, body: b})
    const q = new URLSearchParams(b).get('query') ?? ''
    if (req.url?.startsWith('/html')) return void res.writeHead(502, {'content-type': 'text/html'}).end('<html>bad gateway</html>')
    if (q === 'scalar') return void res.writeHead(200).end(JSON.stringify({status: 'success', data: {resultType: 'scalar', result: [1, '42']}}))
    if (q === 'matrix') return void res.writeHead(200).end(JSON.stringify({status: 'success', data: {resultType: 'matrix', result: []}}))
    if (q === 'slow') return void setTimeout(() => res.writeHead(200).end('{}'), 3000)
    if (q === 'bad') return void res.writeHead(400).end(JSON.stringify({status: 'error', errorType: 'bad_data', error: 'parse error'}))
    res.writeHead(200).end(JSON.stringify({status: 'success', data: {resultType: 'vector', result: [{metric: {a: '1'}, value: [1, '0.5']}]}}))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

test('vector and scalar results; credentials become a Basic header and never appear in the URL', async () => {
  const c = new PrometheusClient(url.replace('http://', 'http://ci:s%40cret@'))
  assert.deepEqual(await c.query('up'), [{labels: {a: '1'}, value: '0.5'}])
  assert.deepEqual(await c.query('scalar'), [{labels: {}, value: '42'}])
  assert.equal(seen.at(-1)!.auth, `Basic ${Buffer.from('ci:s@cret').toString('base64')}`)
  assert.doesNotMatch(c.url, /cret/)
})

test('provider errors are PrometheusErrors with a clear message', async () => {
  const c = new PrometheusClient(url, {timeoutMs: 500})
  await assert.rejects(c.query('bad'), (e: unknown) => e instanceof PrometheusError && /HTTP 400, bad_data\): parse error/.test(e.message))
  await assert.rejects(c.query('matrix'), /expected an instant vector, got matrix/)
  await assert.rejects(c.query('slow'), /timed out/)
  await assert.rejects(new PrometheusClient(`${url}/html`).query('up'), /HTTP 502 without a JSON body/)
  const closed = createServer()
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
  const port = (closed.address() as AddressInfo).port
  await new Promise((r) => closed.close(r))
  await assert.rejects(new PrometheusClient(`http://127.0.0.1:${port}`).query('up'), new RegExp(`cannot reach Prometheus at http://127.0.0.1:${port}: ECONNREFUSED`))
  assert.throws(() => splitCredentials('ftp://x'), /not an http/)
  assert.throws(() => splitCredentials('not a url'), /not a URL/)
})
