import {chmod, mkdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {isCleatError, UsageError} from '../errors.js'
import {exists, FileExistsError, writeFileAtomic} from '../fs/atomic-write.js'

/** One file a planner wants written: a path relative to the output directory, its bytes and mode. */
export interface PlannedFile {
  path: string
  contents: string | Uint8Array
  mode: number
}

/** Modes of cleat's outputs: secrets 0600, public files 0644, scripts 0700, directories 0700. */
export const MODE = {secret: 0o600, public: 0o644, script: 0o700, dir: 0o700} as const

/**
 * Create `dir` with mode 0700 (set explicitly: mkdir's mode is filtered by the umask). An existing
 * directory keeps its mode unless `own` is set (a directory that only cleat writes into, such as a bundle).
 */
export async function ensureDir(dir: string, own: boolean): Promise<void> {
  const existed = await exists(dir)
  await mkdir(dir, {recursive: true, mode: MODE.dir})
  if (!existed || own) await chmod(dir, MODE.dir)
}

/**
 * Write planned files under `dir` atomically with their modes. Without `force`, nothing is written when
 * any target exists (all targets are checked first, so a refusal never leaves a half-written set).
 */
export async function writePlannedFiles(dir: string, files: readonly PlannedFile[], opts: {force?: boolean} = {}): Promise<string[]> {
  return withWriteErrors(dir, () => writeAll(dir, files, opts))
}

/** File-system failures while writing outputs (EACCES, ENOSPC, EROFS, ENOTDIR…) become a clear usage error. */
export async function withWriteErrors<T>(where: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (isCleatError(e) || typeof code !== 'string') throw e
    throw new UsageError(`cannot write ${(e as NodeJS.ErrnoException).path ?? where}: ${code} (${(e as Error).message.split(':')[0]})`, ['choose another output directory, or fix its permissions'])
  }
}

async function writeAll(dir: string, files: readonly PlannedFile[], opts: {force?: boolean}): Promise<string[]> {
  if (!opts.force) {
    for (const f of files) {
      const target = path.join(dir, f.path)
      if (await exists(target)) throw new FileExistsError(target)
    }
  }
  await ensureDir(dir, true)
  for (const sub of new Set(files.map((f) => path.dirname(path.join(dir, f.path))))) if (sub !== dir) await ensureDir(sub, true)
  // Independent files: written concurrently (each one atomically), which overlaps the fsyncs.
  return Promise.all(
    files.map(async (f) => {
      const target = path.join(dir, f.path)
      await writeFileAtomic(target, f.contents, {mode: f.mode, force: true, dirMode: MODE.dir})
      return target
    }),
  )
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8')
}
