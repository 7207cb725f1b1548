import {Flags} from '@oclif/core'
import {readFile} from 'node:fs/promises'
import {InputError, UsageError} from '../../core/errors.js'
import {bootstrapFleet, caFilesFromFlags, parseInventory, type VmRow} from '../../core/vm/bootstrap.js'
import {MAX_CERT_TTL_S, type KeyType} from '../../core/vm/pki.js'
import {parsePairs, parsePorts} from '../../core/vm/workload-group.js'
import type {BundleFormat} from '../../core/vm/write.js'
import {BaseCommand} from '../../cli/base-command.js'
import {writeErr, writeOut} from '../../cli/io.js'
import {createProgress} from '../../cli/progress.js'
import {bootstrapFlags, kubeFromFlags, parseDuration} from '../../cli/vm-flags.js'

export default class VmBootstrap extends BaseCommand {
  static override summary = 'Make the onboarding bundle of a VM (or a fleet): offline with a local CA, or online with a bound token.'
  static override description = BaseCommand.withExitCodes(
    'Offline (--ca-dir, or --ca-cert/--ca-key/--root-cert) issues a short-lived SPIFFE bootstrap certificate, so no token is needed. Online (kubeconfig) reads the root certificate and mesh config and requests an istio-ca token bound to a per-VM Secret (cleat vm revoke deletes it). Bundles are written with mode 0700 (keys and tokens 0600); existing ones are kept unless --force.',
    'vm bootstrap',
  )
  static override examples = [
    '<%= config.bin %> vm bootstrap --vm-name web-1 -f wg.yaml --istiod-address 203.0.113.10 --ca-dir ca/ --out-dir bundles/',
    '<%= config.bin %> vm bootstrap --vm-name web-1 -n shop -s web-vm --context prod --out-dir bundles/ --format tar',
    '<%= config.bin %> vm bootstrap --inventory vms.csv -f wg.yaml --istiod-address istiod.mesh.example.com --ca-dir ca/ --out-dir bundles/',
  ]
  static override flags = bootstrapFlags

  async run(): Promise<void> {
    const {flags} = await this.parse(VmBootstrap)
    const certTtl = parseDuration(flags['cert-ttl'])
    const tokenTtl = parseDuration(flags['token-ttl'])
    if (certTtl === undefined || certTtl > MAX_CERT_TTL_S || certTtl < 60) throw new UsageError(`--cert-ttl must be a duration between 1m and 24h (got ${flags['cert-ttl']})`)
    if (tokenTtl === undefined || tokenTtl < 600) throw new UsageError(`--token-ttl must be a duration of at least 10m (the API server minimum; got ${flags['token-ttl']})`)
    const base: Omit<VmRow, 'vmName'> = {
      workloadGroupFile: flags['workload-group'], namespace: flags.namespace, serviceAccount: flags['service-account'], vmIp: flags['vm-ip'],
      externalIp: flags['external-ip'], network: flags.network, istiodAddress: flags['istiod-address'], csrFile: flags.csr, tokenFile: flags['token-file'],
    }
    let rows: VmRow[]
    if (flags.inventory) rows = parseInventory(await readFile(flags.inventory, 'utf8').catch(() => {
      throw new InputError(`cannot read --inventory ${flags.inventory}`)
    }), flags.inventory).map((r) => ({...base, ...r}))
    else if (flags['vm-name']) rows = [{...base, vmName: flags['vm-name']}]
    else throw new UsageError('give --vm-name NAME, or --inventory vms.csv')
    const ca = caFilesFromFlags({caDir: flags['ca-dir'], caCert: flags['ca-cert'], caKey: flags['ca-key'], rootCert: flags['ca-dir'] ? undefined : flags['root-cert'], certChain: flags['cert-chain']})
    const needsCluster = !ca && !(flags['token-file'] && flags['root-cert'])
    if (flags['print-token'] && (ca || rows.length !== 1 || flags.format !== 'dir')) throw new UsageError('--print-token applies to one online VM bundle written as a directory')
    const progress = createProgress(rows.length, 'bootstrapping')
    const report = await bootstrapFleet(rows, {
      outDir: flags['out-dir'], format: flags.format as BundleFormat, force: flags.force, ca, certTtlSeconds: certTtl, keyType: flags['key-type'] as KeyType,
      trustDomain: flags['trust-domain'], meshConfigFile: flags['mesh-config'], clusterId: flags['cluster-id'], revision: flags.revision,
      istioNamespace: flags['istio-namespace'], gatewayService: flags['gateway-service'], captureDns: flags['capture-dns'], autoregister: flags.autoregister,
      allowDefaultServiceAccount: flags['allow-default-service-account'], tokenTtlSeconds: tokenTtl, rootCertFile: ca ? undefined : flags['root-cert'],
      labels: parsePairs(flags.label, '--label'), ports: parsePorts(flags.port), toolVersion: this.config.version,
      kube: needsCluster ? kubeFromFlags(flags) : null, cwd: process.cwd(),
    }, {now: () => new Date(), onProgress: (d, t, n) => progress.tick(d, t, n)}).finally(() => progress.stop())
    for (const d of report.diagnostics) writeErr(`${d.severity}: ${d.code} ${d.message}`)
    if (flags.output === 'json') writeOut(JSON.stringify({bundles: report.results, diagnostics: report.diagnostics}, null, 2) + '\n')
    else writeOut(report.results.map((r) => `${r.vmName}  ${r.mode}  ${r.spiffeId}  expires ${r.expiresAt}  → ${r.target}`).join('\n') + '\n')
    if (flags['print-token']) writeOut((await readFile(`${report.results[0]!.target}/istio-token`, 'utf8').catch(() => '')) + '\n')
  }
}
