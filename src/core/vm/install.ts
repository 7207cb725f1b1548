/**
 * `vm install` (run on the VM): plan the changes that place a bundle's files with their modes and
 * owners and manage the /etc/hosts block, then apply them. Idempotent: a second run plans nothing.
 * The same layout as templates/vm/install.sh (tests compare the two trees).
 */
import {chmod, chown, lstat, mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {InputError} from '../errors.js'
import {exists, writeFileAtomic} from '../fs/atomic-write.js'
import {HOSTS_BEGIN, HOSTS_END, PLACED_DIRS, PLACEMENTS, type BundleManifest} from './bundle.js'
import {withWriteErrors} from './files.js'
import {verifyBundle} from './verify.js'

export type InstallAction =
  | {kind: 'mkdir'; dest: string; mode: number; owner: string}
  | {kind: 'chmod'; dest: string; mode: number}
  | {kind: 'write'; dest: string; from: string; mode: number; owner: string; contents: Buffer}
  | {kind: 'hosts'; dest: string; contents: string; mode: number}

export interface InstallPlan {
  manifest: BundleManifest
  actions: InstallAction[]
  diagnostics: Diagnostic[]
}

async function readMaybe(f: string): Promise<Buffer | null> {
  try {
    return await readFile(f)
  } catch {
    return null
  }
}

/** Remove the cleat block from hosts text and append the new one (what install.sh's awk does). */
export function mergeHostsBlock(current: string, entries: string): string {
  const lines = current === '' ? [] : current.replace(/\n$/, '').split('\n')
  const kept: string[] = []
  let skip = false
  for (const l of lines) {
    if (l === HOSTS_BEGIN) skip = true
    else if (l === HOSTS_END) skip = false
    else if (!skip) kept.push(l)
  }
  return kept.map((l) => l + '\n').join('') + HOSTS_BEGIN + '\n' + entries + HOSTS_END + '\n'
}

/** Remove the cleat block (uninstall). */
export function removeHostsBlock(current: string): string {
  return mergeHostsBlock(current, '').replace(`${HOSTS_BEGIN}\n${HOSTS_END}\n`, '')
}

/** Plan the installation of the bundle in `dir` under `root`. Refuses a bundle that fails its checksums. */
export async function planInstall(dir: string, root: string, now: Date): Promise<InstallPlan> {
  const v = await verifyBundle(dir, {now, checkModes: false})
  const fatal = v.diagnostics.filter((d) => ['CL4001', 'CL4002', 'CL4003'].includes(d.code))
  if (!v.manifest || fatal.length > 0) {
    throw new InputError(`${dir} is not an intact bundle; not installing: ${fatal.map((d) => d.message).join('; ') || 'no manifest'}`, ['re-create it with cleat vm bootstrap, or copy it again'])
  }
  const m = v.manifest
  const at = (p: string) => path.join(root, p)
  const actions: InstallAction[] = []
  for (const [d, spec] of Object.entries(PLACED_DIRS)) {
    const st = await stat(at(d)).catch(() => null)
    if (!st) actions.push({kind: 'mkdir', dest: d, mode: spec.mode, owner: spec.owner})
    else if ((st.mode & 0o777) !== spec.mode) actions.push({kind: 'chmod', dest: d, mode: spec.mode})
  }
  for (const name of Object.keys(m.files)) {
    const place = PLACEMENTS[name]
    if (!place) continue
    const contents = (await readMaybe(path.join(dir, name)))!
    const cur = await readMaybe(at(place.dest))
    const st = cur ? await lstat(at(place.dest)) : null
    if (!cur || !cur.equals(contents) || (st!.mode & 0o777) !== place.mode) actions.push({kind: 'write', dest: place.dest, from: name, mode: place.mode, owner: place.owner, contents})
  }
  if (m.files.hosts) {
    const entries = (await readMaybe(path.join(dir, 'hosts')))!.toString('utf8')
    const cur = (await readMaybe(at('/etc/hosts')))?.toString('utf8') ?? null
    const next = mergeHostsBlock(cur ?? '', entries)
    if (next !== cur) actions.push({kind: 'hosts', dest: '/etc/hosts', contents: next, mode: 0o644})
  }
  return {manifest: m, actions, diagnostics: v.diagnostics.filter((d) => d.severity !== 'error' || ['CL4013'].includes(d.code))}
}

export function describeAction(a: InstallAction): string {
  const mode = '0' + a.mode.toString(8)
  switch (a.kind) {
    case 'mkdir':
      return `create directory ${a.dest} (${mode})`
    case 'chmod':
      return `chmod ${mode} ${a.dest}`
    case 'write':
      return `install ${a.from} → ${a.dest} (${mode})`
    case 'hosts':
      return `update the cleat block of ${a.dest}`
  }
}

export interface Owners {
  uid: number
  gid: number
}

/** uid/gid of istio-proxy from ROOT/etc/passwd and ROOT/etc/group, or null when the user does not exist. */
export async function readIstioProxyOwner(root: string): Promise<Owners | null> {
  const passwd = (await readMaybe(path.join(root, 'etc/passwd')))?.toString('utf8') ?? ''
  const line = passwd.split('\n').find((l) => l.startsWith('istio-proxy:'))
  if (!line) return null
  const [, , uid, gid] = line.split(':')
  return {uid: Number(uid), gid: Number(gid)}
}

async function mkdirs(root: string, dest: string, mode: number): Promise<void> {
  const parts = dest.split('/').filter(Boolean)
  let cur = root
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i]!)
    if (await exists(cur)) continue
    await mkdir(cur)
    await chmod(cur, i === parts.length - 1 ? mode : 0o755)
  }
}

/** Apply planned actions. `owners` (istio-proxy ids) is given only when running as root on the real machine. */
export async function applyInstall(plan: InstallPlan, root: string, owners: Owners | null): Promise<void> {
  return withWriteErrors(root, () => applyActions(plan, root, owners))
}

async function applyActions(plan: InstallPlan, root: string, owners: Owners | null): Promise<void> {
  const at = (p: string) => path.join(root, p)
  const own = async (p: string, owner: string) => {
    if (owners) await chown(p, owner === 'istio-proxy' ? owners.uid : 0, owner === 'istio-proxy' ? owners.gid : 0)
  }
  for (const a of plan.actions) {
    if (a.kind === 'mkdir') {
      await mkdirs(root, a.dest, a.mode)
      await chmod(at(a.dest), a.mode)
      await own(at(a.dest), a.owner)
    } else if (a.kind === 'chmod') await chmod(at(a.dest), a.mode)
    else if (a.kind === 'write') {
      await mkdirs(root, path.dirname(a.dest), 0o755)
      await writeFileAtomic(at(a.dest), a.contents, {mode: a.mode, force: true})
      await own(at(a.dest), a.owner)
    } else {
      await mkdirs(root, path.dirname(a.dest), 0o755)
      const file = at(a.dest)
      const existed = await exists(file)
      const mode = existed ? (await stat(file)).mode & 0o777 : a.mode
      // A symlinked /etc/hosts is written through the link, as install.sh's `cat >` does.
      if (existed && (await lstat(file)).isSymbolicLink()) {
        await writeFile(file, a.contents)
        continue
      }
      try {
        await writeFileAtomic(file, a.contents, {mode, force: true})
      } catch (e) {
        // /etc/hosts is often a bind mount (containers): it cannot be replaced, only rewritten in place.
        if (!['EBUSY', 'EXDEV', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e
        await writeFile(file, a.contents)
      }
    }
  }
}

/** systemctl steps after an install: restart on change, start when idle, nothing otherwise. */
export async function serviceSteps(changed: boolean, unit: string, run: (args: string[]) => Promise<number>): Promise<string[]> {
  const done: string[] = []
  if (changed) {
    for (const args of [['enable', unit], ['restart', unit]]) {
      const code = await run(args)
      done.push(`systemctl ${args.join(' ')}`)
      if (code !== 0) throw new InputError(`systemctl ${args.join(' ')} failed (exit ${code})`, [`journalctl -u ${unit}`])
    }
    return done
  }
  if ((await run(['is-active', '--quiet', unit])) === 0) return done
  const code = await run(['enable', '--now', unit])
  done.push(`systemctl enable --now ${unit}`)
  if (code !== 0) throw new InputError(`systemctl enable --now ${unit} failed (exit ${code})`, [`journalctl -u ${unit}`])
  return done
}

export function missingOwnerWarning(): Diagnostic {
  return diag('CL4041', {severity: 'warning', message: 'user istio-proxy does not exist: files are left owned by root (install the istio-sidecar package first)'})
}
