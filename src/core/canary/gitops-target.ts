import {open, readFile, realpath, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {InputError, UsageError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic-write.js'
import {isObj} from '../model/resource.js'
import {CasConflict} from './errors.js'
import {rawStateOf, encodeState} from './state.js'
import type {CanaryTarget, TargetSnapshot, TargetWrite} from './target.js'
import type {Obj} from './types.js'
import {editYamlText, findVirtualServices, parseYamlFile, type LocatedDoc} from './yaml-edit.js'

export interface GitopsTargetOptions {
  file: string
  /** How messages name the file (default: `file`); the CLI passes the path as the user wrote it. */
  displayName?: string
  /** Pick the VirtualService by name (and namespace) when the file holds several. */
  name?: string
  namespace?: string
  /** Extra files holding DestinationRules. */
  destinationRuleFiles?: string[]
}

const MUTEX_STALE_MS = 15_000

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/**
 * GitOps mode: the VirtualService in a YAML file. Writes splice only the weight scalars and the state
 * annotation into the text; the read-compare-write runs under an O_EXCL mutex file next to the target,
 * and the new text replaces the file atomically (temp file + rename), so concurrent runs see the CAS.
 */
export class GitopsTarget implements CanaryTarget {
  readonly mode = 'gitops' as const
  private count = 0
  constructor(private readonly opts: GitopsTargetOptions) {}

  describe(): string {
    return this.opts.displayName ?? this.opts.file
  }

  writes(): number {
    return this.count
  }

  private async load(): Promise<{text: string; docs: LocatedDoc[]; vs: LocatedDoc}> {
    let text: string
    try {
      text = await readFile(this.opts.file, 'utf8')
    } catch (e) {
      throw new InputError(`cannot read ${this.opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    const docs = parseYamlFile(text, this.opts.file)
    const found = findVirtualServices(docs, this.opts.name, this.opts.namespace)
    if (found.length === 0)
      throw new InputError(`${this.opts.file} holds no VirtualService${this.opts.name ? ` named ${this.opts.name}` : ''}`)
    if (found.length > 1)
      throw new UsageError(`${this.opts.file} holds ${found.length} VirtualServices; choose one with --virtual-service [NAMESPACE/]NAME`)
    return {text, docs, vs: found[0]!}
  }

  async read(): Promise<TargetSnapshot> {
    const {vs} = await this.load()
    const obj = vs.value as Obj
    const meta = isObj(obj.metadata) ? obj.metadata : {}
    return {
      vs: obj,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : (this.opts.namespace ?? 'default'),
      name: typeof meta.name === 'string' ? meta.name : '',
      rawState: rawStateOf(obj),
    }
  }

  async destinationRules(): Promise<Obj[]> {
    const {docs} = await this.load()
    const out: Obj[] = docs.map((d) => d.value).filter((v): v is Obj => isObj(v) && v.kind === 'DestinationRule')
    for (const f of this.opts.destinationRuleFiles ?? []) {
      let text: string
      try {
        text = await readFile(f, 'utf8')
      } catch (e) {
        throw new InputError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
      for (const d of parseYamlFile(text, f)) {
        const v = d.value
        if (isObj(v) && v.kind === 'DestinationRule') out.push(v)
        if (isObj(v) && v.kind === 'List' && Array.isArray(v.items)) out.push(...v.items.filter((i): i is Obj => isObj(i) && i.kind === 'DestinationRule'))
      }
    }
    return out
  }

  async preview(routeIndex: number, set: {destIndex: number; value: number}[]): Promise<string> {
    const {text, docs, vs} = await this.load()
    return editYamlText(text, docs, vs.index, {weights: set.map((s) => ({routeIndex, destIndex: s.destIndex, value: s.value}))})
  }

  /** The mutex sits next to the real file, so two links to one file share it. */
  private async mutexPath(): Promise<string> {
    const real = await realpath(this.opts.file).catch(() => this.opts.file)
    return path.join(path.dirname(real), `.${path.basename(real)}.cleat-lock`)
  }

  private async withMutex<T>(fn: () => Promise<T>): Promise<T> {
    const p = await this.mutexPath()
    const deadline = Date.now() + MUTEX_STALE_MS + 5_000
    for (;;) {
      try {
        const fh = await open(p, 'wx', 0o600)
        await fh.close()
        break
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
        const st = await stat(p).catch(() => null)
        if (st && Date.now() - st.mtimeMs > MUTEX_STALE_MS) await rm(p, {force: true})
        else if (Date.now() > deadline) throw new CasConflict(`${this.opts.file} is being written by another process (${p})`)
        else await sleep(5 + Math.random() * 20)
      }
    }
    try {
      return await fn()
    } finally {
      await rm(p, {force: true})
    }
  }

  async write(w: TargetWrite): Promise<void> {
    await this.withMutex(async () => {
      const {text, docs, vs} = await this.load()
      const obj = vs.value as Obj
      if (rawStateOf(obj) !== w.expectRawState) throw new CasConflict('the state annotation changed since it was read')
      const route = ((obj.spec as Obj | undefined)?.http as Obj[] | undefined)?.[w.routeIndex]
      const dests = (route?.route as Obj[] | undefined) ?? []
      for (const e of w.expectWeights) {
        if (dests[e.destIndex]?.weight !== e.value) throw new CasConflict(`the weight of destination #${e.destIndex} changed since it was read`)
      }
      const meta = isObj(obj.metadata) ? obj.metadata : {}
      const annotations = isObj(meta.annotations) ? meta.annotations : null
      const newText = editYamlText(text, docs, vs.index, {
        weights: w.setWeights.map((s) => ({routeIndex: w.routeIndex, destIndex: s.destIndex, value: s.value})),
        state: w.setState === null ? (w.expectRawState === null ? undefined : null) : encodeState(w.setState),
        removeEmptyAnnotations: w.setState === null && annotations !== null && Object.keys(annotations).length === 1 && w.removeAnnotationsMap === true,
      })
      // Safety net: the new text must parse and hold exactly what we meant to write.
      const check = findVirtualServices(parseYamlFile(newText, this.opts.file), this.opts.name, this.opts.namespace)[0]
      const checkObj = check?.value as Obj | undefined
      const checkDests = (((checkObj?.spec as Obj | undefined)?.http as Obj[] | undefined)?.[w.routeIndex]?.route as Obj[] | undefined) ?? []
      const stateOk = rawStateOf(checkObj ?? {}) === (w.setState === null ? null : encodeState(w.setState))
      if (!checkObj || !stateOk || w.setWeights.some((s) => checkDests[s.destIndex]?.weight !== s.value))
        throw new Error(`bug: the edited ${this.opts.file} does not read back as written`)
      // Write through a symlink (a file linked into several overlays stays one file).
      const real = await realpath(this.opts.file)
      const st = await stat(real)
      await writeFileAtomic(real, newText, {force: true, mode: st.mode & 0o777})
      this.count++
    })
  }
}
