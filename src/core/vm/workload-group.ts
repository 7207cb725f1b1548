import {dump, load} from 'js-yaml'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {InputError, UsageError} from '../errors.js'
import {isObj} from '../model/resource.js'
import {validateSources} from '../validate/engine.js'

/** The parts of a WorkloadGroup that VM onboarding uses. */
export interface WorkloadGroupSpec {
  name: string
  namespace: string
  /** spec.metadata.labels */
  labels: Record<string, string>
  /** spec.metadata.annotations */
  annotations: Record<string, string>
  /** spec.template.labels (they override spec.metadata.labels) */
  templateLabels: Record<string, string>
  ports: Record<string, number>
  serviceAccount: string
  network: string
  locality: string
  weight: number
  probe: Record<string, unknown> | null
}

export type ProbeSpec =
  | {kind: 'http'; path: string; port: number; scheme?: 'HTTP' | 'HTTPS'}
  | {kind: 'tcp'; port: number}
  | {kind: 'grpc'; port: number}
  | {kind: 'exec'; command: string}

export interface GroupInput {
  name: string
  namespace: string
  serviceAccount: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ports?: Record<string, number>
  network?: string
  locality?: string
  weight?: number
  probe?: ProbeSpec
  probeInitialDelaySeconds?: number
  probePeriodSeconds?: number
}

function probeObject(p: ProbeSpec, initialDelay?: number, period?: number): Record<string, unknown> {
  const timing: Record<string, unknown> = {}
  if (initialDelay !== undefined) timing.initialDelaySeconds = initialDelay
  if (period !== undefined) timing.periodSeconds = period
  switch (p.kind) {
    case 'http':
      return {...timing, httpGet: {path: p.path, port: p.port, ...(p.scheme && p.scheme !== 'HTTP' ? {scheme: p.scheme} : {})}}
    case 'tcp':
      return {...timing, tcpSocket: {port: p.port}}
    case 'grpc':
      return {...timing, grpc: {port: p.port}}
    case 'exec':
      return {...timing, exec: {command: ['/bin/sh', '-c', p.command]}}
  }
}

/** Build a WorkloadGroup object (networking.istio.io/v1); empty optional fields are left out. */
export function buildWorkloadGroup(g: GroupInput): Record<string, unknown> {
  const meta: Record<string, unknown> = {}
  if (g.annotations && Object.keys(g.annotations).length) meta.annotations = sortObj(g.annotations)
  if (g.labels && Object.keys(g.labels).length) meta.labels = sortObj(g.labels)
  const template: Record<string, unknown> = {}
  if (g.locality) template.locality = g.locality
  if (g.network) template.network = g.network
  if (g.ports && Object.keys(g.ports).length) template.ports = sortObj(g.ports)
  template.serviceAccount = g.serviceAccount
  if (g.weight) template.weight = g.weight
  const spec: Record<string, unknown> = {metadata: meta, template}
  if (g.probe) spec.probe = probeObject(g.probe, g.probeInitialDelaySeconds, g.probePeriodSeconds)
  return {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: {name: g.name, namespace: g.namespace}, spec}
}

export function sortObj<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

export function dumpYaml(obj: unknown): string {
  return dump(obj, {lineWidth: -1, noRefs: true, sortKeys: false})
}

/** Validate a generated object with the engine (schema + Istio rules); returns its findings. */
export function validateObject(obj: unknown, file = '<generated>'): Diagnostic[] {
  return validateSources([{file, text: dumpYaml(obj)}], {analyzers: []}).diagnostics
}

/** Parse `--probe-http [SCHEME://]PATH:PORT` such as `/healthz:8080`. */
export function parseHttpProbe(text: string): ProbeSpec {
  const m = /^(?:(https?):\/\/)?(\/[^\s]*):(\d{1,5})$/i.exec(text)
  if (!m) throw new UsageError(`--probe-http expects PATH:PORT such as /healthz:8080 (got "${text}")`)
  return {kind: 'http', path: m[2]!, port: parsePort(m[3]!, '--probe-http'), ...(m[1]?.toLowerCase() === 'https' ? {scheme: 'HTTPS' as const} : {})}
}

export function parsePort(text: string, what: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`${what}: "${text}" is not a port number (1-65535)`)
  return n
}

/** `k=v` pairs (repeatable flags or comma-separated) into a map. */
export function parsePairs(values: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const v of (values ?? []).flatMap((x) => x.split(','))) {
    if (v === '') continue
    const i = v.indexOf('=')
    if (i <= 0) throw new UsageError(`${what} expects KEY=VALUE (got "${v}")`)
    out[v.slice(0, i)] = v.slice(i + 1)
  }
  return out
}

export function parsePorts(values: readonly string[] | undefined): Record<string, number> {
  const pairs = parsePairs(values, '--port')
  return Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k, parsePort(v, `--port ${k}`)]))
}

function strMap(v: unknown): Record<string, string> {
  if (!isObj(v)) return {}
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => [k, String(x)]))
}

/** Read the WorkloadGroup of a file (the first WorkloadGroup document; apiVersion may be absent as in istioctl's inputs). */
export function parseWorkloadGroup(text: string, file: string): WorkloadGroupSpec {
  let docs: unknown[]
  try {
    docs = [load(text)]
    if (!isObj(docs[0])) throw new Error('not a mapping')
  } catch (e) {
    throw new InputError(`${file} is not a WorkloadGroup YAML document (${(e as Error).message.split('\n')[0]})`)
  }
  const wg = docs[0] as Record<string, unknown>
  if (wg.kind !== 'WorkloadGroup') throw new InputError(`${file} holds a ${String(wg.kind ?? 'document without kind')}, not a WorkloadGroup`)
  const md = isObj(wg.metadata) ? wg.metadata : {}
  const spec = isObj(wg.spec) ? wg.spec : {}
  const smd = isObj(spec.metadata) ? spec.metadata : {}
  const tpl = isObj(spec.template) ? spec.template : {}
  const name = typeof md.name === 'string' ? md.name : ''
  const namespace = typeof md.namespace === 'string' ? md.namespace : ''
  if (!name) throw new InputError(`${file}: the WorkloadGroup has no metadata.name`)
  if (!namespace) throw new InputError(`${file}: the WorkloadGroup has no metadata.namespace`, ['add metadata.namespace, or use --namespace/--service-account instead of --workload-group'])
  const ports: Record<string, number> = {}
  for (const [k, v] of Object.entries(isObj(tpl.ports) ? tpl.ports : {})) {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InputError(`${file}: spec.template.ports.${k} is not a port number`)
    ports[k] = n
  }
  return {
    name,
    namespace,
    labels: strMap(smd.labels),
    annotations: strMap(smd.annotations),
    templateLabels: strMap(tpl.labels),
    ports,
    serviceAccount: typeof tpl.serviceAccount === 'string' && tpl.serviceAccount ? tpl.serviceAccount : 'default',
    network: typeof tpl.network === 'string' ? tpl.network : '',
    locality: typeof tpl.locality === 'string' ? tpl.locality : '',
    weight: typeof tpl.weight === 'number' ? tpl.weight : 0,
    probe: isObj(spec.probe) ? (spec.probe as Record<string, unknown>) : null,
  }
}

/** A minimal WorkloadGroup for a VM given only a namespace and service account (no file). */
export function implicitWorkloadGroup(name: string, namespace: string, serviceAccount: string, extra: Partial<WorkloadGroupSpec> = {}): WorkloadGroupSpec {
  return {name, namespace, labels: {}, annotations: {}, templateLabels: {}, ports: {}, serviceAccount, network: '', locality: '', weight: 0, probe: null, ...extra}
}
