// Runs the real openssl CLI (a child process) on files in a temp dir: the independent checker of every
// certificate cleat issues.
import {execFile} from 'node:child_process'
import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)

export async function openssl(args: string[], input?: string): Promise<{stdout: string; stderr: string; code: number}> {
  try {
    const p = run('openssl', args, {encoding: 'utf8'})
    if (input !== undefined) p.child.stdin!.end(input)
    const r = await p
    return {stdout: r.stdout, stderr: r.stderr, code: 0}
  } catch (e) {
    const err = e as {stdout?: string; stderr?: string; code?: number}
    return {stdout: err.stdout ?? '', stderr: err.stderr ?? '', code: typeof err.code === 'number' ? err.code : 1}
  }
}

export async function tempDir(prefix = 'cleat-vm-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix))
}

export async function writeTemp(dir: string, name: string, text: string): Promise<string> {
  const f = path.join(dir, name)
  await writeFile(f, text)
  return f
}

/** `openssl verify -CAfile root -untrusted chain leaf` → stdout + exit code. */
export async function opensslVerify(rootFile: string, chainFile: string, leafFile: string, extra: string[] = []) {
  return openssl(['verify', ...extra, '-CAfile', rootFile, '-untrusted', chainFile, leafFile])
}

/** The text of `openssl x509 -noout -ext …`, one extension per call so the output is easy to match. */
export async function opensslExt(certFile: string, ext: string): Promise<string> {
  const r = await openssl(['x509', '-in', certFile, '-noout', '-ext', ext])
  if (r.code !== 0) throw new Error(`openssl x509 -ext ${ext} failed: ${r.stderr}`)
  return r.stdout
}

/** Dates via openssl (`-startdate -enddate`), parsed. */
export async function opensslDates(certFile: string): Promise<{notBefore: Date; notAfter: Date}> {
  const r = await openssl(['x509', '-in', certFile, '-noout', '-startdate', '-enddate'])
  const nb = /notBefore=(.+)/.exec(r.stdout)![1]!
  const na = /notAfter=(.+)/.exec(r.stdout)![1]!
  return {notBefore: new Date(nb), notAfter: new Date(na)}
}

/** SHA-256 of the public key of a private key file and of a certificate, both computed by openssl. */
export async function opensslKeyMatches(keyFile: string, certFile: string): Promise<boolean> {
  const a = await openssl(['pkey', '-in', keyFile, '-pubout'])
  const b = await openssl(['x509', '-in', certFile, '-noout', '-pubkey'])
  if (a.code !== 0 || b.code !== 0) throw new Error(`openssl failed: ${a.stderr}${b.stderr}`)
  return a.stdout.trim() === b.stdout.trim()
}
