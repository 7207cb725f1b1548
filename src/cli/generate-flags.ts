import {Flags, type Interfaces} from '@oclif/core'
import {sortDiagnostics, type Diagnostic} from '../core/diagnostics/diagnostic.js'
import {InputError, UsageError} from '../core/errors.js'
import {
  defaultOf, describeMissing, describeObject, existingFiles, formatResources, generateResources, loadTemplate, locateProblem, planOutputFiles,
  readCallGraph, readSpecFile, resolveParams, valueFromRaw, writeOutputFiles,
  type GenerateRequest, type GeneratorKind, type OutputFormat, type Params, type Template,
} from '../core/generate/index.js'
import {isInteractive, readAllStdin, writeErr, writeOut} from './io.js'
import {askParam, chooseGenerator, terminalAsker, type Asker} from './prompts.js'

type FlagValues = Record<string, unknown>

/** The flags of a generator, built from its parameter table (templates/<kind>/params.schema.json). */
export function templateFlags(kind: GeneratorKind) {
  const out: Interfaces.FlagInput = {}
  for (const p of loadTemplate(kind).params) {
    if (!p.flag) continue
    const description = `${p.description}${p.ask ? ' [asked for when missing]' : ''}${p.default !== undefined && !Array.isArray(p.default) && !p.description.includes('default') ? ` (default: ${String(p.default)})` : ''}`
    if (p.parse === 'bool') out[p.flag] = Flags.boolean({description, char: p.char as never})
    else if (p.multiple) out[p.flag] = Flags.string({description, char: p.char as never, multiple: true, helpValue: p.syntax})
    else out[p.flag] = Flags.string({description, char: p.char as never, helpValue: p.syntax, options: p.enum ? [...p.enum] : undefined})
  }
  return out
}

/** Flags every generator has: spec file, output target and format, prompting. */
export const outputFlags = {
  from: Flags.string({description: 'spec file describing many resources (- for stdin); see docs/generate.md', helpValue: 'FILE'}),
  'out-file': Flags.string({description: 'write all resources into this file (default: standard output)', helpValue: 'FILE', exclusive: ['out-dir']}),
  'out-dir': Flags.string({description: 'write one file per resource (KIND-NAME.yaml) into this directory', helpValue: 'DIR', exclusive: ['out-file']}),
  output: Flags.string({char: 'o', description: 'output format', options: ['yaml', 'json'], default: 'yaml'}),
  force: Flags.boolean({description: 'overwrite existing files', default: false}),
  'dry-run': Flags.boolean({description: 'print what would be written and write nothing', default: false}),
  yes: Flags.boolean({char: 'y', description: 'accept the defaults of values that are not given instead of asking', default: false}),
  'no-input': Flags.boolean({description: 'never ask; fail (exit 64) naming every missing value', default: false}),
}

function listDiagnostics(diags: readonly Diagnostic[]): string {
  return sortDiagnostics(diags)
    .map((d) => `  ${d.file ? `${d.file}${d.line ? `:${d.line}:${d.column}` : ''} ` : ''}${d.severity} ${d.code} ${d.message}`)
    .join('\n')
}

function flagLines(diags: readonly Diagnostic[]): string {
  return diags.map((d) => `  ${d.code} ${d.message}`).join('\n')
}

/** Parameters given on the command line (parsed), with the problems of values that do not parse. */
export function givenFromFlags(t: Template, flags: FlagValues): {given: Params; problems: Diagnostic[]; named: string[]} {
  const given: Params = {}
  const problems: Diagnostic[] = []
  const named: string[] = []
  for (const p of t.params) {
    const raw = p.flag ? flags[p.flag] : undefined
    if (raw === undefined || raw === false || (Array.isArray(raw) && raw.length === 0)) continue
    named.push(p.flag!)
    const r = valueFromRaw(p, raw as string | string[] | boolean)
    problems.push(...r.problems.map((pr) => locateProblem(t, {source: 'flags'}, pr)))
    if (r.value !== undefined) given[p.name] = r.value
  }
  return {given, problems, named}
}

/** One request from flags, asking for missing values on a terminal. */
export async function requestFromFlags(kind: GeneratorKind, flags: FlagValues, asker: Asker = terminalAsker, interactive = isInteractive()): Promise<GenerateRequest> {
  const t = loadTemplate(kind)
  const {given, problems} = givenFromFlags(t, flags)
  if (typeof flags['from-file'] === 'string') {
    const g = await readCallGraph(flags['from-file'], {cwd: process.cwd()})
    if (g.diagnostics.length) throw new InputError(`cannot use the call graph ${flags['from-file']}:\n${listDiagnostics(g.diagnostics)}`)
    given.allow = [...((given.allow as unknown[]) ?? []), ...g.allow]
    if (given.namespace === undefined && g.namespace !== undefined) given.namespace = g.namespace
    if (given.trustDomain === undefined && g.trustDomain !== undefined) given.trustDomain = g.trustDomain
  }
  const opts = {acceptDefaults: flags.yes === true}
  let r = resolveParams(t, given, opts)
  const ask = interactive && flags['no-input'] !== true && problems.length === 0
  while (ask && r.missing.length > 0) {
    const p = r.missing[0]!
    const raw = await askParam(kind, p, defaultOf(p, r.params), asker)
    const v = valueFromRaw(p, raw)
    if (v.problems.length || v.value === undefined) throw new UsageError(`--${p.flag}: ${v.problems[0]?.message ?? 'no value'}`)
    given[p.name] = v.value
    r = resolveParams(t, given, opts)
  }
  if (problems.length || r.missing.length) {
    const parts: string[] = []
    if (r.missing.length) parts.push(`missing required value${r.missing.length > 1 ? 's' : ''}:\n${r.missing.map((p) => `  ${describeMissing(p, {source: 'flags'}, defaultOf(p, r.params))}`).join('\n')}`)
    if (problems.length) parts.push(`values that cannot be used:\n${flagLines(problems)}`)
    const why = flags['no-input'] === true ? ' (--no-input)' : interactive ? '' : ' (no terminal to ask on)'
    throw new UsageError(`cannot generate the ${t.title.replace(/ generator parameters.*$/, '')}${r.missing.length ? why : ''}: ${parts.join('\n')}`, [
      r.missing.length ? 'pass the flags above; on a terminal cleat asks for them, and -y/--yes accepts the defaults that exist' : 'fix the values above',
    ])
  }
  return {kind, params: r.params, origin: {source: 'flags'}}
}

/** `cleat generate [KIND]`: requests (spec file or flags) → checked resources → stdout or files. */
export async function runGenerate(kind: GeneratorKind | undefined, flags: FlagValues, asker: Asker = terminalAsker, interactive = isInteractive()): Promise<void> {
  let requests: GenerateRequest[]
  const fromSpec = typeof flags.from === 'string'
  if (fromSpec) {
    const named = kind ? givenFromFlags(loadTemplate(kind), flags).named : []
    if (kind === 'zero-trust' && flags['from-file'] !== undefined) named.push('from-file')
    if (named.length) throw new UsageError(`--from takes every value from the spec file; drop ${named.map((n) => `--${n}`).join(', ')}`)
    const spec = await readSpecFile(flags.from as string, {cwd: process.cwd(), readStdin: readAllStdin})
    requests = kind ? spec.requests.filter((r) => r.kind === kind) : spec.requests
    if (spec.diagnostics.length) {
      // Entries that are fine are still checked, so one run reports every problem of the file.
      const all = [...spec.diagnostics, ...(spec.unreadable ? [] : generateResources(requests).errors)]
      throw new InputError(`cannot use the spec file ${String(flags.from)}:\n${listDiagnostics(all)}`)
    }
    if (requests.length === 0) throw new UsageError(`${String(flags.from)} has no ${kind} entries`, [`use cleat generate --from ${String(flags.from)} for all of its resources`])
  } else {
    if (!kind && interactive && flags['no-input'] !== true) kind = await chooseGenerator(asker)
    if (!kind) throw new UsageError('nothing to generate: give a spec file (--from FILE) or name a generator', ['cleat generate virtualservice|destinationrule|authorizationpolicy|peerauthentication|zero-trust --help'])
    requests = [await requestFromFlags(kind, flags, asker, interactive)]
  }
  const result = generateResources(requests)
  if (result.errors.length) {
    const text = fromSpec ? listDiagnostics(result.errors) : flagLines(result.errors)
    const msg = `nothing was generated; ${result.errors.length} problem${result.errors.length > 1 ? 's' : ''}:\n${text}`
    throw fromSpec ? new InputError(msg) : new UsageError(msg)
  }
  for (const n of result.notes) writeErr(`${n.severity}: ${n.code} ${n.message}`)
  await emit(result.resources, flags)
}

async function emit(resources: Parameters<typeof formatResources>[0], flags: FlagValues): Promise<void> {
  const format = flags.output as OutputFormat
  const files = planOutputFiles(resources, {format, outFile: flags['out-file'] as string | undefined, outDir: flags['out-dir'] as string | undefined})
  if (files.length === 0 || flags['dry-run'] === true) writeOut(formatResources(resources, format))
  if (files.length === 0) return
  const cwd = process.cwd()
  if (flags['dry-run'] === true) {
    const existing = new Set(await existingFiles(files, cwd))
    for (const f of files) {
      const note = existing.has(f.file) ? (flags.force ? ' (would overwrite)' : ' (exists: a real run needs --force)') : ''
      writeErr(`dry run: would write ${f.file}${note}: ${summarize(f.objects)}`)
    }
    return
  }
  await writeOutputFiles(files, {cwd, force: flags.force === true})
  for (const f of files) writeErr(`wrote ${f.file}: ${summarize(f.objects)}`)
}

function summarize(objs: Parameters<typeof formatResources>[0]): string {
  return objs.length <= 3 ? objs.map(describeObject).join(', ') : `${objs.length} resources`
}
