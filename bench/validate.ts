// Validate benchmarks (issue 2/3 targets): throughput against plain js-yaml parsing, start-up time of the
// CLI against `node -e 0`, and peak memory on 100,000 resources. Ratios are measured side by side
// (alternating runs) in one process run, and medians are reported.
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {loadAll} from 'js-yaml'
import {validateSources} from '../src/core/validate/engine.js'
import {generateCorpus, toYamlFiles} from './corpus.js'
import type {BenchSection} from './types.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'bin', 'run.js')

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function timeMs(fn: () => void): number {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

/**
 * Alternate the functions `runs` times after one warm-up each; median ms per function. The order is
 * reversed every other round: a run pays for garbage the run before it left (a collection that lands
 * in it), so a fixed order would favour whichever function comes first.
 */
function sideBySide(fns: Record<string, () => void>, runs: number): Record<string, number> {
  const names = Object.keys(fns)
  const reversed = [...names].reverse()
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  for (const n of names) fns[n]!()
  for (let i = 0; i < runs; i++) for (const n of i % 2 === 0 ? names : reversed) times[n]!.push(timeMs(fns[n]!))
  return Object.fromEntries(names.map((n) => [n, median(times[n]!)]))
}

function spawnMs(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {stdio: 'ignore'})
  if (r.status !== 0 && r.status !== 79) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`)
  return Number(process.hrtime.bigint() - t) / 1e6
}

/** Median ratio of paired runs (A/B alternated), plus the medians. */
function pairedRatio(a: () => number, b: () => number, runs: number): {ratio: number; a: number; b: number} {
  a()
  b()
  const ratios: number[] = []
  const as: number[] = []
  const bs: number[] = []
  for (let i = 0; i < runs; i++) {
    const ta = a()
    const tb = b()
    as.push(ta)
    bs.push(tb)
    ratios.push(ta / tb)
  }
  return {ratio: median(ratios), a: median(as), b: median(bs)}
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d})

export async function run(): Promise<BenchSection> {
  const resources = generateCorpus(20_000)
  const files = toYamlFiles(resources)
  const n = resources.length
  const mb = files.reduce((s, f) => s + f.text.length, 0) / 1e6
  const t = sideBySide(
    {
      parse: () => {
        for (const f of files) loadAll(f.text)
      },
      // Context only: the same parse keeping every document, as any cross-resource validator must.
      parseKeep: () => {
        const kept: unknown[] = []
        for (const f of files) kept.push(...loadAll(f.text))
      },
      schema: () => void validateSources(files, {rules: [], analyzers: []}),
      full: () => void validateSources(files),
    },
    9,
  )
  const rate = (ms: number) => `${fmt(n / (ms / 1000))} resources/s (${fmt(ms)} ms)`
  const rows: BenchSection['rows'] = [
    {name: `plain js-yaml loadAll, ${fmt(n)} resources (${fmt(mb, 1)} MB)`, value: rate(t.parse!)},
    {name: 'js-yaml loadAll keeping every document (context)', value: rate(t.parseKeep!)},
    {name: 'cleat validate, schema only', value: rate(t.schema!)},
    {name: 'cleat validate, schema + Istio rules + analysis', value: rate(t.full!)},
    {name: 'validate / plain-parse throughput', value: `${fmt(t.parse! / t.full!, 2)}×`, goal: '≥ 0.75×', met: t.parse! / t.full! >= 0.75},
    {name: 'validate / loadAll-keeping-documents throughput (context)', value: `${fmt(t.parseKeep! / t.full!, 2)}×`},
    {name: 'rules + analysis added to schema-only time', value: `${fmt((t.full! / t.schema! - 1) * 100, 1)} %`, goal: '≤ 25 %', met: t.full! / t.schema! - 1 <= 0.25},
  ]

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cleat-bench-'))
  try {
    const small = path.join(tmp, 'small.yaml')
    // A realistic small file: one service's VirtualService, DestinationRule, PeerAuthentication and
    // AuthorizationPolicy, with the Service and Deployments they refer to (validates clean).
    const one = generateCorpus(10).filter((r) => (r.metadata as {name?: string}).name?.startsWith('svc-0') && !['Gateway', 'ServiceEntry', 'Sidecar', 'WorkloadEntry', 'WorkloadGroup', 'RequestAuthentication'].includes(String(r.kind)))
    writeFileSync(small, toYamlFiles(one, one.length)[0]!.text)
    const node = process.execPath
    const v = pairedRatio(() => spawnMs(node, [BIN, 'validate', small]), () => spawnMs(node, ['-e', '0']), 15)
    rows.push({name: '`cleat validate small.yaml` / `node -e 0` (wall, median of paired runs)', value: `${fmt(v.ratio, 2)}× (${fmt(v.a)} ms vs ${fmt(v.b)} ms)`, goal: '≤ 4×', met: v.ratio <= 4})
    const ver = pairedRatio(() => spawnMs(node, [BIN, '--version']), () => spawnMs(node, ['-e', '0']), 15)
    rows.push({name: '`cleat --version` / `node -e 0`', value: `${fmt(ver.ratio, 2)}× (${fmt(ver.a)} ms vs ${fmt(ver.b)} ms)`, goal: '≤ 2.5×', met: ver.ratio <= 2.5})

    const bigDir = path.join(tmp, 'big')
    mkdirSync(bigDir)
    const big = toYamlFiles(generateCorpus(100_000, 7), 500)
    for (const f of big) writeFileSync(path.join(bigDir, f.file), f.text)
    const r = spawnSync(node, ['--import', path.join(ROOT, 'bench', 'rss-hook.mjs'), BIN, 'validate', bigDir, '-o', 'json'], {encoding: 'utf8', maxBuffer: 1 << 30})
    const kib = Number(/cleat-bench-maxrss-kib=(\d+)/.exec(r.stderr)?.[1] ?? NaN)
    const summary = JSON.parse(r.stdout || '{}').summary ?? {}
    rows.push({
      name: `peak RSS validating ${fmt(summary.resources ?? 0)} resources (exit ${r.status})`,
      value: `${fmt(kib / 1024)} MiB`,
      goal: '< 1 GiB',
      met: kib < 1024 * 1024,
    })
  } finally {
    rmSync(tmp, {recursive: true, force: true})
  }
  return {title: 'validate', rows, notes: [`Node ${process.version}, ${os.cpus().length} CPUs; in-process figures are medians of 9 alternating runs after a warm-up (order reversed every other round).`]}
}
