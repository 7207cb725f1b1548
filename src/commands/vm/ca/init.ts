import {Flags} from '@oclif/core'
import path from 'node:path'
import {planCaInit} from '../../../core/vm/ca.js'
import {writePlannedFiles} from '../../../core/vm/files.js'
import type {KeyType} from '../../../core/vm/pki.js'
import {BaseCommand} from '../../../cli/base-command.js'
import {writeErr, writeOut} from '../../../cli/io.js'
import {forceFlag, keyTypeFlag, outDirFlag} from '../../../cli/vm-flags.js'

export default class VmCaInit extends BaseCommand {
  static override summary = 'Create a root and an intermediate CA for VM bootstrap certificates, and the cacerts Secret for istiod.'
  static override description = BaseCommand.withExitCodes(
    'Writes root-cert.pem/root-key.pem (10 years), ca-cert.pem/ca-key.pem (intermediate, at most 1 year, pathlen 0), cert-chain.pem, ca.json and cacerts.yaml (the Secret istiod reads as a plugged-in CA). Keys are 0600, the directory 0700. Keep root-key.pem offline once the intermediate exists.',
    'vm ca init',
  )
  static override examples = ['<%= config.bin %> vm ca init --out-dir ca/', '<%= config.bin %> vm ca init --out-dir ca/ --trust-domain example.org --key-type rsa-3072']
  static override flags = {
    'out-dir': outDirFlag,
    'trust-domain': Flags.string({description: 'SPIFFE trust domain of the mesh', default: 'cluster.local'}),
    'key-type': keyTypeFlag,
    'intermediate-days': Flags.integer({description: 'lifetime of the intermediate in days (at most 365)', default: 365, min: 1, max: 365}),
    organization: Flags.string({description: 'O= of the CA subjects', default: 'cleat'}),
    'istio-namespace': Flags.string({description: 'namespace of the cacerts Secret', default: 'istio-system'}),
    force: forceFlag,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VmCaInit)
    const plan = await planCaInit({
      trustDomain: flags['trust-domain'],
      keyType: flags['key-type'] as KeyType,
      now: new Date(),
      intermediateDays: flags['intermediate-days'],
      organization: flags.organization,
      istioNamespace: flags['istio-namespace'],
    })
    const written = await writePlannedFiles(flags['out-dir'], plan.files, {force: flags.force})
    writeOut(
      [
        `CA written to ${flags['out-dir']} (trust domain ${flags['trust-domain']}, ${flags['key-type']})`,
        `  root sha256 ${plan.rootFingerprint}, expires ${plan.rootNotAfter.toISOString()}`,
        `  intermediate expires ${plan.intermediateNotAfter.toISOString()}`,
        ...written.map((f) => `  ${path.relative(flags['out-dir'], f)}`),
        '',
      ].join('\n'),
    )
    writeErr(`note: plug the CA into istiod with: kubectl apply -f ${path.join(flags['out-dir'], 'cacerts.yaml')} (then restart istiod); keep root-key.pem offline`)
  }
}
