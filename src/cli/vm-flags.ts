import {Flags} from '@oclif/core'
import os from 'node:os'
import path from 'node:path'
import {createKubeClient, resolveKubeconfigPath} from '../adapters/kube.js'
import {InputError} from '../core/errors.js'
import type {VmKubePort} from '../core/vm/online.js'
import {KEY_TYPES} from '../core/vm/pki.js'

/** Flags shared by the `cleat vm …` commands. */
export const keyTypeFlag = Flags.string({description: 'key algorithm', options: [...KEY_TYPES], default: 'ecdsa-p256'})

export const trustDomainFlag = Flags.string({description: 'SPIFFE trust domain of the mesh (meshConfig.trustDomain)'})

export const forceFlag = Flags.boolean({description: 'overwrite existing files', default: false})

export const outDirFlag = Flags.string({description: 'output directory (created with mode 0700)', required: true})

export const rootDirFlag = Flags.string({description: 'treat DIR as the file-system root of the VM (for images, containers and tests)', default: '/'})

export const outputFormatFlag = Flags.string({char: 'o', description: 'report format', options: ['text', 'json', 'sarif'], default: 'text'})

export {parseDuration} from '../core/vm/duration.js'

/** --kubeconfig / --context, shared by the online commands. */
export const kubeFlags = {
  kubeconfig: Flags.string({description: 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'}),
  context: Flags.string({description: 'kubeconfig context (default: the current context)'}),
}

/** The cluster port of the VM commands, from --kubeconfig/--context (kubectl's lookup rules). */
export function kubeFromFlags(flags: {kubeconfig?: string; context?: string}): VmKubePort {
  const kubeconfigPath = flags.kubeconfig ?? resolveKubeconfigPath(process.env.KUBECONFIG, os.homedir(), path.delimiter)
  try {
    return createKubeClient({kubeconfigPath, ...(flags.context ? {context: flags.context} : {})})
  } catch (e) {
    throw new InputError(`cannot use kubeconfig ${kubeconfigPath}: ${(e as Error).message}`, ['pass --kubeconfig FILE and --context NAME, or use offline mode (--ca-dir)'])
  }
}

export const bootstrapFlags = {
  'vm-name': Flags.string({description: 'name of the VM (bundle directory, Secret and WorkloadEntry name)', exclusive: ['inventory']}),
  inventory: Flags.string({description: 'CSV of VMs to bootstrap in one run (header: vm_name[,namespace,service_account,workload_group,vm_ip,external_ip,network,istiod_address,csr,token_file])'}),
  'workload-group': Flags.string({char: 'f', description: 'WorkloadGroup YAML of the VM'}),
  namespace: Flags.string({char: 'n', description: 'namespace of the VM (without --workload-group)'}),
  'service-account': Flags.string({char: 's', description: 'service account of the VM (without --workload-group)'}),
  label: Flags.string({char: 'l', description: 'label KEY=VALUE of the VM, without --workload-group (repeatable)', multiple: true}),
  port: Flags.string({char: 'p', description: 'port NAME=NUMBER of the VM, without --workload-group (repeatable)', multiple: true}),
  'istiod-address': Flags.string({description: 'istiod as seen from the VM: IP[:PORT] (written to the hosts block) or a DNS name[:PORT] istiod serves; port 15012 by default'}),
  'out-dir': outDirFlag,
  format: Flags.string({description: 'bundle format', options: ['dir', 'tar', 'cloud-init'], default: 'dir'}),
  force: forceFlag,
  'ca-dir': Flags.string({description: 'offline: a directory made by `cleat vm ca init` (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem)', exclusive: ['ca-cert', 'ca-key']}),
  'ca-cert': Flags.string({description: 'offline: signing CA certificate (e.g. the cacerts ca-cert.pem)'}),
  'ca-key': Flags.string({description: 'offline: signing CA key'}),
  'root-cert': Flags.string({description: 'mesh root certificate (offline with --ca-cert, or with --token-file and no cluster)'}),
  'cert-chain': Flags.string({description: 'offline: chain from the signing CA up to the root'}),
  csr: Flags.string({description: 'offline: sign this CSR made on the VM instead of generating a key'}),
  'cert-ttl': Flags.string({description: 'offline: lifetime of the bootstrap certificate (at most 24h)', default: '1h'}),
  'key-type': keyTypeFlag,
  'trust-domain': trustDomainFlag,
  'mesh-config': Flags.string({description: 'mesh config snapshot (MeshConfig YAML, or the istio ConfigMap) instead of reading it from the cluster'}),
  'cluster-id': Flags.string({description: 'cluster ID istiod validates tokens against (default: from istio-sidecar-injector, else Kubernetes)'}),
  network: Flags.string({description: 'network of the VM (multi-network meshes)'}),
  revision: Flags.string({char: 'r', description: 'istiod revision (uses istiod-REV, ConfigMap istio-REV)', default: ''}),
  'istio-namespace': Flags.string({description: 'namespace of istiod', default: 'istio-system'}),
  'gateway-service': Flags.string({description: 'online: east-west gateway Service (SVC or SVC.NS) to take the istiod address from', default: 'istio-eastwestgateway'}),
  'vm-ip': Flags.string({description: 'internal IP of the VM (ISTIO_SVC_IP; the WorkloadEntry address)', exclusive: ['external-ip']}),
  'external-ip': Flags.string({description: 'external IP of the VM (ISTIO_SVC_IP with probe rewriting)'}),
  'capture-dns': Flags.boolean({description: 'let the sidecar capture DNS (off by default: it breaks local resolvers)', default: false}),
  autoregister: Flags.boolean({description: 'register the VM automatically (WorkloadEntry made by istiod); --no-autoregister writes workloadentry.yaml', default: true, allowNo: true}),
  'allow-default-service-account': Flags.boolean({description: 'allow the shared `default` service account', default: false}),
  'token-ttl': Flags.string({description: 'online: token lifetime (at least 10m)', default: '10m'}),
  'token-file': Flags.string({description: 'online: use this istio-ca token (e.g. from kubectl create token) instead of requesting one'}),
  'print-token': Flags.boolean({description: 'online, one VM: also print the token on stdout', default: false}),
  output: Flags.string({char: 'o', description: 'summary format', options: ['text', 'json'], default: 'text'}),
  ...kubeFlags,
}
