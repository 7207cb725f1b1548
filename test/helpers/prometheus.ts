/**
 * Starts the real Prometheus binary (Debian package, /usr/bin/prometheus, or $PROMETHEUS_BIN) on a
 * loopback ephemeral port, with a generated config scraping the given targets every second and a
 * temporary storage directory; waits for readiness and for the first scrapes; stops it cleanly.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {dump} from 'js-yaml'

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus'

/** Pass as `{skip: prometheusSkip}` to node:test. */
export const prometheusSkip: string | false = existsSync(PROMETHEUS_BIN) ? false : `${PROMETHEUS_BIN} is not installed`

export interface RunningPrometheus {
  url: string
  /** Waits until `promql` returns a sample satisfying `pred` (bounded). */
  waitFor(promql: string, pred: (v: number) => boolean, timeoutMs?: number): Promise<number>
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as {port: number}).port
      s.close(() => resolve(port))
    })
  })
}

async function instant(url: string, promql: string): Promise<number | null> {
  try {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {signal: AbortSignal.timeout(2000)})
    const body = (await res.json()) as {data?: {result?: {value: [number, string]}[]}}
    const r = body.data?.result ?? []
    return r.length === 1 ? Number(r[0]!.value[1]) : null
  } catch {
    return null
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function startPrometheus(targets: string[], opts: {scrapeInterval?: string} = {}): Promise<RunningPrometheus> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cleat-prom-'))
  const interval = opts.scrapeInterval ?? '1s'
  const config = {
    global: {scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval},
    scrape_configs: [{job_name: 'istio', static_configs: [{targets}]}],
  }
  await writeFile(path.join(dir, 'prometheus.yml'), dump(config))
  let lastErr = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const child: ChildProcess = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      {stdio: ['ignore', 'ignore', 'pipe']},
    )
    let stderr = ''
    child.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)))
    let exited = false
    child.on('exit', () => (exited = true))
    const stop = async (): Promise<void> => {
      if (!exited) {
        child.kill('SIGTERM')
        const t0 = Date.now()
        while (!exited && Date.now() - t0 < 5000) await sleep(50)
        if (!exited) child.kill('SIGKILL')
        while (!exited) await sleep(20)
      }
      await rm(dir, {recursive: true, force: true})
    }
    const deadline = Date.now() + 20_000
    let ready = false
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`${url}/-/ready`, {signal: AbortSignal.timeout(1000)})
        if (res.ok) {
          ready = true
          break
        }
      } catch {
        // not listening yet
      }
      await sleep(100)
    }
    if (!ready) {
      lastErr = stderr
      if (!exited) child.kill('SIGKILL')
      while (!exited) await sleep(20)
      continue
    }
    const waitFor = async (promql: string, pred: (v: number) => boolean, timeoutMs = 20_000): Promise<number> => {
      const end = Date.now() + timeoutMs
      for (;;) {
        const v = await instant(url, promql)
        if (v !== null && pred(v)) return v
        if (Date.now() > end) throw new Error(`Prometheus: ${promql} did not satisfy the condition within ${timeoutMs} ms (last: ${v})`)
        await sleep(250)
      }
    }
    // First scrapes: every target up.
    await waitFor(`sum(up{job="istio"})`, (v) => v === targets.length).catch(async (e: Error) => {
      await stop()
      throw e
    })
    return {url, waitFor, stop}
  }
  await rm(dir, {recursive: true, force: true})
  throw new Error(`Prometheus did not become ready: ${lastErr}`)
}
