// Shared set-up of the VM tests: a real CA on disk and offline bootstrap settings.
import {readdir, readFile, lstat} from 'node:fs/promises'
import path from 'node:path'
import {bootstrapFleet, type BootstrapSettings, type VmRow} from '../../../src/core/vm/bootstrap.js'
import {planCaInit} from '../../../src/core/vm/ca.js'
import {writePlannedFiles} from '../../../src/core/vm/files.js'
import type {KeyType} from '../../../src/core/vm/pki.js'
import {tempDir} from './openssl.js'

export async function makeCaDir(keyType: KeyType = 'ecdsa-p256', trustDomain = 'cluster.local'): Promise<string> {
  const dir = path.join(await tempDir('cleat-ca-'), 'ca')
  await writePlannedFiles(dir, (await planCaInit({trustDomain, keyType, now: new Date()})).files)
  return dir
}

export function offlineSettings(caDir: string, outDir: string, over: Partial<BootstrapSettings> = {}): BootstrapSettings {
  return {
    outDir,
    format: 'dir',
    force: false,
    ca: {caCert: path.join(caDir, 'ca-cert.pem'), caKey: path.join(caDir, 'ca-key.pem'), rootCert: path.join(caDir, 'root-cert.pem'), certChain: path.join(caDir, 'cert-chain.pem')},
    certTtlSeconds: 3600,
    keyType: 'ecdsa-p256',
    revision: '',
    istioNamespace: 'istio-system',
    gatewayService: 'istio-eastwestgateway',
    captureDns: false,
    autoregister: true,
    allowDefaultServiceAccount: false,
    tokenTtlSeconds: 600,
    labels: {},
    ports: {},
    toolVersion: '0.0.0-test',
    kube: null,
    cwd: process.cwd(),
    ...over,
  }
}

export const WEB_ROW: VmRow = {vmName: 'web-1', namespace: 'shop', serviceAccount: 'web-vm', istiodAddress: '203.0.113.10', vmIp: '10.0.0.5'}

export async function offlineBundle(over: Partial<BootstrapSettings> = {}, row: Partial<VmRow> = {}) {
  const caDir = await makeCaDir()
  const outDir = path.join(await tempDir('cleat-out-'), 'bundles')
  const report = await bootstrapFleet([{...WEB_ROW, ...row}], offlineSettings(caDir, outDir, over), {now: () => new Date()})
  return {caDir, outDir, dir: report.results[0]!.target, report}
}

export interface TreeEntry {
  path: string
  type: 'file' | 'dir'
  mode: string
  content?: string
}

/** Every path under `root` with its type, mode and (for files) content: to compare two installs. */
export async function snapshotTree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = []
  async function walk(rel: string): Promise<void> {
    for (const e of (await readdir(path.join(root, rel), {withFileTypes: true})).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = path.join(rel, e.name)
      const st = await lstat(path.join(root, r))
      const mode = '0' + (st.mode & 0o777).toString(8)
      if (e.isDirectory()) {
        out.push({path: r, type: 'dir', mode})
        await walk(r)
      } else out.push({path: r, type: 'file', mode, content: await readFile(path.join(root, r), 'utf8')})
    }
  }
  await walk('')
  return out
}
