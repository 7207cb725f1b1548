// VM onboarding benchmark (issue 5): 1,000 offline bundles from an inventory (goal ≤ 20 s on 2 cores), and
// the same key + certificate issuance side by side with a plain shell loop of openssl commands (ratio).
// The openssl loop runs on a sample (200 VMs by default: it costs ~3 processes per VM) and cleat runs on
// the same sample right after it, so the ratio compares equal work; the 1,000-bundle run is reported alone.
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {bootstrapFleet, parseInventory, type BootstrapSettings} from '../src/core/vm/bootstrap.js'
import {readVmTemplates} from '../src/core/vm/bundle.js'
import {planCaInit} from '../src/core/vm/ca.js'
import {writePlannedFiles} from '../src/core/vm/files.js'
import type {BenchSection} from './types.js'

const exec = promisify(execFile)
const FLEET = Number(process.env.CLEAT_BENCH_VMS ?? 1000)
const SAMPLE = Number(process.env.CLEAT_BENCH_VM_SAMPLE ?? 200)

function inventory(n: number): string {
  const rows = ['vm_name,namespace,service_account,vm_ip']
  for (let i = 0; i < n; i++) rows.push(`vm-${i},shop,web-vm-${i % 50},10.1.${Math.floor(i / 250)}.${i % 250}`)
  return rows.join('\n') + '\n'
}

function settings(caDir: string, outDir: string): BootstrapSettings {
  return {
    outDir, format: 'dir', force: false,
    ca: {caCert: path.join(caDir, 'ca-cert.pem'), caKey: path.join(caDir, 'ca-key.pem'), rootCert: path.join(caDir, 'root-cert.pem'), certChain: path.join(caDir, 'cert-chain.pem')},
    certTtlSeconds: 3600, keyType: 'ecdsa-p256', revision: '', istioNamespace: 'istio-system', gatewayService: 'istio-eastwestgateway',
    captureDns: false, autoregister: true, allowDefaultServiceAccount: false, tokenTtlSeconds: 600, labels: {}, ports: {}, toolVersion: 'bench',
    kube: null, cwd: process.cwd(),
  }
}

async function cleatFleet(caDir: string, work: string, n: number, name: string): Promise<number> {
  const csv = path.join(work, `${name}.csv`)
  await writeFile(csv, inventory(n))
  const templates = await readVmTemplates()
  const t = performance.now()
  const rows = parseInventory(inventory(n), csv).map((r) => ({...r, istiodAddress: '203.0.113.10'}))
  const r = await bootstrapFleet(rows, settings(caDir, path.join(work, name)), {now: () => new Date(), templates})
  if (r.results.length !== n) throw new Error(`expected ${n} bundles, got ${r.results.length}`)
  return (performance.now() - t) / 1000
}

const SHELL_LOOP = `
set -e
ca=$1; out=$2; n=$3
cat > "$out/ext.cnf" <<'EOF2'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=critical,URI:spiffe://cluster.local/ns/shop/sa/web-vm
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF2
i=0
while [ $i -lt $n ]; do
  d=$out/vm-$i; mkdir -p -m 700 "$d"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key.pem" 2>/dev/null
  chmod 600 "$d/key.pem"
  openssl req -new -key "$d/key.pem" -subj / 2>/dev/null | openssl x509 -req -CA "$ca/ca-cert.pem" -CAkey "$ca/ca-key.pem" -days 1 -extfile "$out/ext.cnf" -out "$d/leaf.pem" 2>/dev/null
  cat "$d/leaf.pem" "$ca/ca-cert.pem" > "$d/cert-chain.pem"
  cp "$ca/root-cert.pem" "$d/root-cert.pem"
  i=$((i + 1))
done
`

async function shellLoop(caDir: string, work: string, n: number): Promise<number> {
  const out = path.join(work, 'openssl')
  await exec('mkdir', ['-p', out])
  const t = performance.now()
  await exec('sh', ['-c', SHELL_LOOP, 'sh', caDir, out, String(n)], {maxBuffer: 1 << 20})
  return (performance.now() - t) / 1000
}

export async function run(): Promise<BenchSection> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'cleat-bench-vm-'))
  try {
    const caDir = path.join(work, 'ca')
    await writePlannedFiles(caDir, (await planCaInit({trustDomain: 'cluster.local', keyType: 'ecdsa-p256', now: new Date()})).files)
    await cleatFleet(caDir, work, 20, 'warmup')
    const fleet = await cleatFleet(caDir, work, FLEET, 'fleet')
    const ssl = await shellLoop(caDir, work, SAMPLE)
    const sample = await cleatFleet(caDir, work, SAMPLE, 'sample')
    const ratio = ssl / sample
    return {
      title: 'VM onboarding (vm bootstrap, offline)',
      rows: [
        {name: `${FLEET.toLocaleString('en-US')} offline bundles from an inventory`, value: `${fleet.toFixed(1)} s (${(FLEET / fleet).toFixed(0)} bundles/s)`, goal: FLEET === 1000 ? '≤ 20 s' : undefined, met: FLEET === 1000 ? fleet <= 20 : undefined},
        {name: `openssl shell loop, key + certificate, ${SAMPLE} VMs`, value: `${ssl.toFixed(1)} s (${(SAMPLE / ssl).toFixed(0)} VMs/s)`},
        {name: `cleat, full bundles, same ${SAMPLE} VMs`, value: `${sample.toFixed(1)} s (${(SAMPLE / sample).toFixed(0)} bundles/s)`},
        {name: 'speed-up of cleat over the openssl loop', value: `${ratio.toFixed(1)}×`},
      ],
      notes: [
        `cleat writes the whole bundle per VM (9 files, each fsynced and renamed into place, plus the checksummed manifest); the shell loop only issues the key and certificate. Sample size: CLEAT_BENCH_VM_SAMPLE (default ${SAMPLE}); fleet size: CLEAT_BENCH_VMS.`,
      ],
    }
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}
