import {readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'

/** One input text: a file (path as the user gave it, or relative to cwd) or stdin (`-`). */
export interface Source {
  file: string
  text: string
}

export interface ReadSourcesOptions {
  /** Directory relative paths and globs are resolved against. */
  cwd: string
  /** Reads all of standard input to EOF (the CLI supplies it; core never touches process). */
  readStdin?: () => Promise<Buffer | string>
  /** Files larger than this are not parsed (default 16 MiB). */
  maxFileSize?: number
}

export interface ReadSourcesResult {
  sources: Source[]
  diagnostics: Diagnostic[]
  /** True when some input could not be read at all (exit 65). */
  unreadable: boolean
  /** Number of files (and stdin) looked at, readable or not. */
  files: number
}

export const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024
const EXTENSIONS = new Set(['.yaml', '.yml', '.json'])
const GLOB_CHARS = /[*?[\]{}!]/

/** Expand PATH arguments (files, directories, globs, `-`) and read them as UTF-8 text. */
export async function readInputSources(paths: readonly string[], opts: ReadSourcesOptions): Promise<ReadSourcesResult> {
  const maxSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE
  const diagnostics: Diagnostic[] = []
  const files: string[] = []
  let stdinWanted = false
  for (const p of paths) {
    if (p === '-') {
      stdinWanted = true
      continue
    }
    const abs = path.resolve(opts.cwd, p)
    const st = await stat(abs).catch(() => undefined)
    if (st?.isDirectory()) {
      for (const f of await walkDirectory(abs)) files.push(path.relative(opts.cwd, f) || f)
    } else if (st) {
      files.push(p)
    } else if (GLOB_CHARS.test(p)) {
      const fg = (await import('fast-glob')).default
      const matches = await fg(p, {cwd: opts.cwd, onlyFiles: true, dot: false, followSymbolicLinks: true})
      if (matches.length === 0) diagnostics.push(diag('CL0002', {message: `no file matches the pattern '${p}'`, file: p}))
      for (const m of matches.sort()) {
        if (EXTENSIONS.has(path.extname(m).toLowerCase())) files.push(m)
      }
    } else {
      diagnostics.push(diag('CL0002', {message: `cannot read '${p}': no such file or directory`, file: p}))
    }
  }
  const unique = [...new Set(files)]
  const sources: Source[] = []
  const results = await mapLimit(unique, 32, (f) => readOne(f, path.resolve(opts.cwd, f), maxSize))
  for (const r of results) {
    if ('text' in r) sources.push(r)
    else diagnostics.push(r.diagnostic)
  }
  if (stdinWanted) {
    if (!opts.readStdin) {
      diagnostics.push(diag('CL0002', {message: 'standard input is not available', file: '-'}))
    } else {
      const r = decode('-', Buffer.from(await opts.readStdin()), maxSize)
      if ('text' in r) sources.push(r)
      else diagnostics.push(r.diagnostic)
    }
  }
  return {sources, diagnostics, unreadable: diagnostics.length > 0, files: unique.length + (stdinWanted ? 1 : 0)}
}

async function walkDirectory(dir: string): Promise<string[]> {
  const out: string[] = []
  const entries = await readdir(dir, {withFileTypes: true}).catch(() => [])
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue
    const full = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walkDirectory(full)))
    else if (EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(full)
  }
  return out
}

type ReadOne = Source | {diagnostic: Diagnostic}

async function readOne(file: string, abs: string, maxSize: number): Promise<ReadOne> {
  try {
    const st = await stat(abs)
    if (st.size > maxSize) return tooLarge(file, st.size, maxSize)
    return decode(file, await readFile(abs), maxSize)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code ?? String(e)
    return {diagnostic: diag('CL0002', {message: `cannot read '${file}': ${why}`, file})}
  }
}

function tooLarge(file: string, size: number, max: number): ReadOne {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
  return {diagnostic: diag('CL0004', {message: `'${file}' is ${mb(size)}, over the ${mb(max)} limit (raise it with --max-file-size)`, file})}
}

/** Decode bytes as UTF-8 text; NUL bytes and invalid UTF-8 are located findings. */
export function decode(file: string, buf: Buffer, maxSize: number): ReadOne {
  if (buf.length > maxSize) return tooLarge(file, buf.length, maxSize)
  const nul = buf.indexOf(0)
  if (nul >= 0) {
    const {line, column} = lineColOfByte(buf, nul)
    return {diagnostic: diag('CL0003', {message: 'binary content (NUL byte): not a YAML or JSON file', file, line, column})}
  }
  try {
    let text = new TextDecoder('utf-8', {fatal: true}).decode(buf)
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    return {file, text}
  } catch {
    const bad = firstInvalidUtf8(buf)
    const {line, column} = lineColOfByte(buf, bad)
    return {diagnostic: diag('CL0003', {message: `invalid UTF-8 at byte ${bad}`, file, line, column})}
  }
}

function lineColOfByte(buf: Buffer, offset: number): {line: number; column: number} {
  let line = 1
  let start = 0
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 0x0a) {
      line++
      start = i + 1
    }
  }
  return {line, column: offset - start + 1}
}

function firstInvalidUtf8(buf: Buffer): number {
  let i = 0
  while (i < buf.length) {
    const b = buf[i]!
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1
    if (n < 0) return i
    for (let k = 1; k <= n; k++) if (i + k >= buf.length || (buf[i + k]! & 0xc0) !== 0x80) return i
    i += n + 1
  }
  return buf.length
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return out
}
