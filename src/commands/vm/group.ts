import {Flags} from '@oclif/core'
import {UsageError} from '../../core/errors.js'
import {buildWorkloadGroup, dumpYaml, parseHttpProbe, parsePairs, parsePort, parsePorts, validateObject, type ProbeSpec} from '../../core/vm/workload-group.js'
import {refuseDefaultServiceAccount} from '../../core/vm/bundle.js'
import {BaseCommand} from '../../cli/base-command.js'
import {writeErr, writeOut} from '../../cli/io.js'

export default class VmGroup extends BaseCommand {
  static override summary = 'Print a WorkloadGroup for a group of VMs (validated before it is printed).'
  static override description = BaseCommand.withExitCodes(
    'Builds a networking.istio.io/v1 WorkloadGroup from flags, checks it with the same schemas and rules as `cleat validate`, and prints it as YAML on stdout (pipe it to kubectl apply -f -).',
    'vm group',
  )
  static override examples = [
    '<%= config.bin %> vm group --name web-vm --namespace shop --service-account web-vm --label app=web --port http=8080 --probe-http /healthz:8080',
  ]
  static override flags = {
    name: Flags.string({description: 'WorkloadGroup name', required: true}),
    namespace: Flags.string({char: 'n', description: 'namespace', required: true}),
    'service-account': Flags.string({char: 's', description: 'service account of the VMs', required: true}),
    label: Flags.string({char: 'l', description: 'label KEY=VALUE of the VMs (repeatable, or comma-separated)', multiple: true}),
    annotation: Flags.string({char: 'a', description: 'annotation KEY=VALUE (repeatable)', multiple: true}),
    port: Flags.string({char: 'p', description: 'port NAME=NUMBER (repeatable)', multiple: true}),
    network: Flags.string({description: 'network of the VMs (multi-network meshes)'}),
    locality: Flags.string({description: 'locality region/zone/subzone'}),
    weight: Flags.integer({description: 'load-balancing weight', min: 0}),
    'probe-http': Flags.string({description: 'HTTP readiness probe PATH:PORT (e.g. /healthz:8080)', exclusive: ['probe-tcp', 'probe-exec', 'probe-grpc']}),
    'probe-tcp': Flags.string({description: 'TCP readiness probe PORT', exclusive: ['probe-http', 'probe-exec', 'probe-grpc']}),
    'probe-grpc': Flags.string({description: 'gRPC health readiness probe PORT', exclusive: ['probe-http', 'probe-exec', 'probe-tcp']}),
    'probe-exec': Flags.string({description: 'readiness probe command (run with /bin/sh -c)', exclusive: ['probe-http', 'probe-tcp', 'probe-grpc']}),
    'probe-initial-delay': Flags.integer({description: 'seconds before the first probe', min: 0}),
    'probe-period': Flags.integer({description: 'seconds between probes', min: 1}),
    'allow-default-service-account': Flags.boolean({description: 'allow the shared `default` service account', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VmGroup)
    refuseDefaultServiceAccount(flags['service-account'], flags['allow-default-service-account'])
    let probe: ProbeSpec | undefined
    if (flags['probe-http']) probe = parseHttpProbe(flags['probe-http'])
    else if (flags['probe-tcp']) probe = {kind: 'tcp', port: parsePort(flags['probe-tcp'], '--probe-tcp')}
    else if (flags['probe-grpc']) probe = {kind: 'grpc', port: parsePort(flags['probe-grpc'], '--probe-grpc')}
    else if (flags['probe-exec']) probe = {kind: 'exec', command: flags['probe-exec']}
    const wg = buildWorkloadGroup({
      name: flags.name,
      namespace: flags.namespace,
      serviceAccount: flags['service-account'],
      labels: parsePairs(flags.label, '--label'),
      annotations: parsePairs(flags.annotation, '--annotation'),
      ports: parsePorts(flags.port),
      network: flags.network,
      locality: flags.locality,
      weight: flags.weight,
      probe,
      probeInitialDelaySeconds: flags['probe-initial-delay'],
      probePeriodSeconds: flags['probe-period'],
    })
    const findings = validateObject(wg)
    const problems = findings.filter((d) => d.severity === 'error')
    if (problems.length > 0) throw new UsageError(`the WorkloadGroup would be invalid: ${problems.map((d) => `${d.code} ${d.message}`).join('; ')}`)
    for (const d of findings.filter((x) => x.severity !== 'error')) writeErr(`${d.severity}: ${d.code} ${d.message}`)
    writeOut(dumpYaml(wg))
  }
}
