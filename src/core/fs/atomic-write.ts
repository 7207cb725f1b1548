import {randomBytes} from 'node:crypto'
import {chmod, lstat, mkdir, open, rename, rm} from 'node:fs/promises'
import path from 'node:path'
import {CleatError} from '../errors.js'
import {EXIT} from '../exit-codes.js'

export interface AtomicWriteOptions {
  /** File mode, applied explicitly (a write's mode only applies on create). Default 0o644. */
  mode?: number
  /** Replace an existing file. Without it an existing file is an error (exit 64 via UsageError semantics). */
  force?: boolean
  /** Mode of directories created on the way (default 0o755; use 0o700 for secret bundles). */
  dirMode?: number
}

/** Thrown when a target exists and force was not given. */
export class FileExistsError extends CleatError {
  constructor(readonly file: string) {
    super(`${file} already exists; pass --force to overwrite it`, EXIT.USAGE, ['rerun with --force to replace it'])
  }
}

/**
 * Write a file atomically: a temporary file in the same directory, fsync, chmod, rename. Readers never
 * see a half-written file, and a failure leaves the old file (if any) untouched.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, {recursive: true, mode: opts.dirMode ?? 0o755})
  if (!opts.force && (await exists(file))) throw new FileExistsError(file)
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  const mode = opts.mode ?? 0o644
  const fh = await open(tmp, 'wx', 0o600)
  try {
    await fh.writeFile(data)
    await fh.sync()
    await fh.close()
    await chmod(tmp, mode)
    await rename(tmp, file)
  } catch (e) {
    await fh.close().catch(() => undefined)
    await rm(tmp, {force: true})
    throw e
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p)
    return true
  } catch {
    return false
  }
}
