/** Writing planned bundles as a directory, a .tar.gz or cloud-init user-data. */
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import path from 'node:path'
import {dump} from 'js-yaml'
import * as tar from 'tar'
import {exists, FileExistsError, writeFileAtomic} from '../fs/atomic-write.js'
import {InputError} from '../errors.js'
import type {BundlePlan} from './bundle.js'
import {ensureDir, MODE, withWriteErrors, writePlannedFiles} from './files.js'

export type BundleFormat = 'dir' | 'tar' | 'cloud-init'
export const BUNDLE_FORMATS: readonly BundleFormat[] = ['dir', 'tar', 'cloud-init']

/** Where cloud-init user-data puts the bundle on the VM before running install.sh. */
export const CLOUD_INIT_DIR = '/var/lib/cleat/bundles'

export function bundleTarget(outDir: string, vmName: string, format: BundleFormat): string {
  if (format === 'tar') return path.join(outDir, `${vmName}.tar.gz`)
  if (format === 'cloud-init') return path.join(outDir, `${vmName}.cloud-init.yaml`)
  return path.join(outDir, vmName)
}

/** cloud-init user-data that writes the bundle files (base64, with modes) and runs install.sh. */
export function renderCloudInit(plan: BundlePlan): string {
  const base = `${CLOUD_INIT_DIR}/${plan.vmName}`
  const doc = {
    write_files: plan.files.map((f) => ({
      path: `${base}/${f.path}`,
      owner: 'root:root',
      permissions: '0' + f.mode.toString(8),
      encoding: 'b64',
      content: Buffer.from(f.contents).toString('base64'),
    })),
    runcmd: [['sh', `${base}/install.sh`]],
  }
  return '#cloud-config\n' + dump(doc, {lineWidth: -1, noRefs: true})
}

/** Write one planned bundle in the given format; returns the path written. Refuses to overwrite without force. */
export async function writeBundle(plan: BundlePlan, outDir: string, format: BundleFormat, force: boolean): Promise<string> {
  return withWriteErrors(outDir, () => writeBundleAs(plan, outDir, format, force))
}

async function writeBundleAs(plan: BundlePlan, outDir: string, format: BundleFormat, force: boolean): Promise<string> {
  await ensureDir(outDir, false)
  const target = bundleTarget(outDir, plan.vmName, format)
  if (!force && (await exists(target))) throw new FileExistsError(target)
  if (format === 'dir') {
    if (force && (await exists(target))) await rm(target, {recursive: true, force: true})
    await writePlannedFiles(target, plan.files, {force: true})
    return target
  }
  if (format === 'cloud-init') {
    await writeFileAtomic(target, renderCloudInit(plan), {mode: MODE.secret, force: true, dirMode: MODE.dir})
    return target
  }
  const staging = await mkdtemp(path.join(outDir, `.${plan.vmName}.staging-`))
  try {
    const dir = path.join(staging, plan.vmName)
    await writePlannedFiles(dir, plan.files, {force: true})
    const chunks: Buffer[] = []
    const names = plan.files.map((f) => `${plan.vmName}/${f.path}`).sort()
    const stream = tar.c({gzip: true, cwd: staging, portable: true, mtime: new Date(plan.manifest.createdAt)}, [`${plan.vmName}/`, ...names])
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c)
    await writeFileAtomic(target, Buffer.concat(chunks), {mode: MODE.secret, force: true, dirMode: MODE.dir})
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
  return target
}

/**
 * Open a bundle given as a directory or a .tar.gz (extracted into a private temp dir under `tmpRoot`).
 * Returns the bundle directory and a cleanup function.
 */
export async function openBundle(p: string, tmpRoot: string): Promise<{dir: string; cleanup: () => Promise<void>}> {
  if (!(await exists(p))) throw new InputError(`bundle ${p} does not exist`)
  if (!/\.(tar\.gz|tgz)$/.test(p)) return {dir: p, cleanup: async () => undefined}
  const tmp = await mkdtemp(path.join(tmpRoot, 'cleat-bundle-'))
  try {
    await tar.x({file: p, cwd: tmp, preservePaths: false, strict: true})
  } catch (e) {
    await rm(tmp, {recursive: true, force: true})
    throw new InputError(`${p} is not a readable bundle archive (${(e as Error).message})`)
  }
  const entries = (await readdir(tmp, {withFileTypes: true})).filter((e) => e.isDirectory())
  if (entries.length !== 1) {
    await rm(tmp, {recursive: true, force: true})
    throw new InputError(`${p} should hold exactly one bundle directory`)
  }
  return {dir: path.join(tmp, entries[0]!.name), cleanup: () => rm(tmp, {recursive: true, force: true})}
}
