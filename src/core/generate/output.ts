import path from 'node:path'
import {UsageError} from '../errors.js'
import {exists, writeFileAtomic} from '../fs/atomic-write.js'
import {isObj, type Obj} from '../model/resource.js'
import {formatResources, type OutputFormat} from './format.js'

export interface OutputFile {
  file: string
  text: string
  objects: Obj[]
}

export interface OutputTarget {
  format: OutputFormat
  outFile?: string
  outDir?: string
}

function meta(o: Obj): {name: string; namespace: string} {
  const m = isObj(o.metadata) ? o.metadata : {}
  return {name: String(m.name), namespace: typeof m.namespace === 'string' ? m.namespace : ''}
}

/** File name of one resource in --out-dir: kind-name.yaml, with the namespace when two share kind and name. */
export function fileNameFor(o: Obj, format: OutputFormat, clash: boolean): string {
  const {name, namespace} = meta(o)
  const kind = String(o.kind).toLowerCase()
  return `${kind}-${clash && namespace ? `${namespace}-` : ''}${name}.${format === 'json' ? 'json' : 'yaml'}`
}

/** Which files to write (none: the result goes to standard output). Pure. */
export function planOutputFiles(objs: readonly Obj[], target: OutputTarget): OutputFile[] {
  if (target.outFile !== undefined) return [{file: target.outFile, text: formatResources(objs, target.format), objects: [...objs]}]
  if (target.outDir === undefined) return []
  const count = new Map<string, number>()
  for (const o of objs) {
    const k = `${String(o.kind)}/${meta(o).name}`
    count.set(k, (count.get(k) ?? 0) + 1)
  }
  return objs.map((o) => {
    const clash = (count.get(`${String(o.kind)}/${meta(o).name}`) ?? 0) > 1
    return {file: path.join(target.outDir!, fileNameFor(o, target.format, clash)), text: formatResources([o], target.format), objects: [o]}
  })
}

/** Files of a plan that exist already (relative to cwd). */
export async function existingFiles(files: readonly OutputFile[], cwd: string): Promise<string[]> {
  const out: string[] = []
  for (const f of files) if (await exists(path.resolve(cwd, f.file))) out.push(f.file)
  return out
}

/**
 * Write the planned files atomically. Without force, refuses before writing anything when any
 * target exists (so a run never leaves half of a set behind).
 */
export async function writeOutputFiles(files: readonly OutputFile[], opts: {cwd: string; force: boolean}): Promise<void> {
  if (!opts.force) {
    const existing = await existingFiles(files, opts.cwd)
    if (existing.length) {
      throw new UsageError(`${existing.length === 1 ? `${existing[0]} already exists` : `these files already exist: ${existing.join(', ')}`}; nothing was written`, ['rerun with --force to replace them'])
    }
  }
  for (const f of files) {
    try {
      await writeFileAtomic(path.resolve(opts.cwd, f.file), f.text, {force: opts.force})
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (typeof code !== 'string') throw e
      const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a parent is not a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code
      throw new UsageError(`cannot write ${f.file}: ${why}`, ['choose another --out-file or --out-dir'])
    }
  }
}
