/**
 * Online mode: what `vm bootstrap` and `vm revoke` read from and write to a cluster, through a small
 * port that the Kubernetes adapter (src/adapters/kube.ts) satisfies.
 */
import {diag} from '../diagnostics/catalog/index.js'
import type {Diagnostic} from '../diagnostics/diagnostic.js'
import {CleatError, InputError, UsageError} from '../errors.js'
import {EXIT} from '../exit-codes.js'
import {parseMeshConfig} from './agent-config.js'
import {ISTIO_CA_AUDIENCE, tokenSubject} from './token.js'

export interface VmKubePort {
  readonly server: string
  getConfigMap(namespace: string, name: string): Promise<{data?: Record<string, string>}>
  createSecret(namespace: string, secret: {metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>}; type?: string}): Promise<{metadata?: {name?: string; uid?: string}}>
  deleteSecret(namespace: string, name: string): Promise<void>
  getService(namespace: string, name: string): Promise<{spec?: {externalIPs?: string[]}; status?: {loadBalancer?: {ingress?: {ip?: string; hostname?: string}[]}}}>
  getServiceAccount(namespace: string, name: string): Promise<unknown>
  createServiceAccountToken(namespace: string, serviceAccount: string, req: {audiences: string[]; expirationSeconds: number; boundSecret?: {name: string; uid: string}}): Promise<{token: string; expirationTimestamp: Date}>
}

function status(e: unknown): number | undefined {
  const s = (e as {status?: unknown}).status
  return typeof s === 'number' ? s : undefined
}

/** Turn an API failure into a CleatError with a next step (403 → RBAC hint, connection → kubeconfig hint). */
export function kubeFailure(e: unknown, what: string): CleatError {
  if (e instanceof CleatError) return e
  const s = status(e)
  const msg = `${what}: ${(e as Error).message}`
  if (s === 403) return new InputError(msg, ['ask for the RBAC permission named above (see docs/vm.md, "Online mode")'])
  if (s === 401) return new InputError(msg, ['refresh the credentials of the kubeconfig context'])
  if (s === 0 || s === undefined) return new InputError(msg, ['check --kubeconfig / --context and that the API server is reachable'])
  return new InputError(msg)
}

async function call<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (e) {
    throw kubeFailure(e, what)
  }
}

export function bootstrapSecretName(vmName: string): string {
  return `istio-vm-bootstrap-${vmName}`.slice(0, 253)
}

export function revisionSuffix(revision: string): string {
  return revision && revision !== 'default' ? `-${revision}` : ''
}

export interface ClusterFacts {
  rootPem: string
  meshConfig: Record<string, unknown> | null
  clusterId: string | null
  gateway: {ip: string | null; hostname: string | null} | null
}

export interface ReadClusterOptions {
  namespace: string
  serviceAccount: string
  istioNamespace: string
  revision: string
  readMeshConfig: boolean
  readClusterId: boolean
  /** `svc` or `svc.ns` of the east-west gateway; null when --istiod-address was given. */
  gatewayService: string | null
}

/** Read the root certificate, mesh config, cluster ID and gateway address (each only when needed). */
export async function readClusterFacts(k: VmKubePort, o: ReadClusterOptions): Promise<ClusterFacts> {
  try {
    await k.getServiceAccount(o.namespace, o.serviceAccount)
  } catch (e) {
    if (status(e) === 404) throw new InputError(`service account ${o.namespace}/${o.serviceAccount} does not exist on ${k.server}`, [`kubectl create serviceaccount ${o.serviceAccount} -n ${o.namespace}`])
    throw kubeFailure(e, `reading service account ${o.namespace}/${o.serviceAccount}`)
  }
  const rootCm = await call(`reading ConfigMap ${o.namespace}/istio-ca-root-cert`, () => k.getConfigMap(o.namespace, 'istio-ca-root-cert'))
  const rootPem = rootCm.data?.['root-cert.pem']
  if (!rootPem) throw new InputError(`ConfigMap ${o.namespace}/istio-ca-root-cert has no root-cert.pem (is Istio installed and the namespace known to istiod?)`)
  const rev = revisionSuffix(o.revision)
  let meshConfig: Record<string, unknown> | null = null
  if (o.readMeshConfig) {
    const cm = await call(`reading the mesh config ConfigMap ${o.istioNamespace}/istio${rev}`, () => k.getConfigMap(o.istioNamespace, `istio${rev}`))
    meshConfig = parseMeshConfig(cm.data?.mesh ?? '', `ConfigMap ${o.istioNamespace}/istio${rev}`)
  }
  let clusterId: string | null = null
  if (o.readClusterId) {
    try {
      const cm = await k.getConfigMap(o.istioNamespace, `istio-sidecar-injector${rev}`)
      const values = JSON.parse(cm.data?.values ?? '{}') as {global?: {multiCluster?: {clusterName?: string}}}
      clusterId = values.global?.multiCluster?.clusterName || null
    } catch (e) {
      if (status(e) !== 404 && !(e instanceof SyntaxError)) throw kubeFailure(e, `reading ConfigMap ${o.istioNamespace}/istio-sidecar-injector${rev}`)
    }
  }
  let gateway: ClusterFacts['gateway'] = null
  if (o.gatewayService) {
    const [svc, ns] = o.gatewayService.includes('.') ? o.gatewayService.split('.', 2) as [string, string] : [o.gatewayService, o.istioNamespace]
    try {
      const s = await k.getService(ns, svc)
      const ing = s.status?.loadBalancer?.ingress?.[0]
      gateway = {ip: ing?.ip ?? s.spec?.externalIPs?.[0] ?? null, hostname: ing?.hostname ?? null}
    } catch (e) {
      if (status(e) === 404) throw new UsageError(`the gateway Service ${ns}/${svc} does not exist`, ['pass --istiod-address HOST[:PORT], or --gateway-service SVC[.NS]'])
      throw kubeFailure(e, `reading Service ${ns}/${svc}`)
    }
  }
  return {rootPem: rootPem.endsWith('\n') ? rootPem : rootPem + '\n', meshConfig, clusterId, gateway}
}

export interface IssuedToken {
  token: string
  subject: string
  audiences: string[]
  expiresAt: Date
  boundSecret: string
  diagnostics: Diagnostic[]
}

/**
 * Create the per-VM Secret (replacing it with `force`, which also invalidates earlier tokens) and
 * request a token for the service account bound to it.
 */
export async function issueBoundToken(k: VmKubePort, o: {vmName: string; namespace: string; serviceAccount: string; ttlSeconds: number; now: Date; force: boolean}): Promise<IssuedToken> {
  const name = bootstrapSecretName(o.vmName)
  const body = {
    metadata: {
      name,
      namespace: o.namespace,
      labels: {'app.kubernetes.io/managed-by': 'cleat', 'cleat.dev/vm': o.vmName},
      annotations: {'cleat.dev/purpose': `bootstrap token binding for VM ${o.vmName}; delete to revoke its token`, 'cleat.dev/service-account': o.serviceAccount},
    },
    type: 'Opaque',
  }
  let secret: {metadata?: {name?: string; uid?: string}}
  try {
    secret = await k.createSecret(o.namespace, body)
  } catch (e) {
    if (status(e) !== 409) throw kubeFailure(e, `creating Secret ${o.namespace}/${name}`)
    if (!o.force) throw new CleatError(`VM ${o.vmName} already has a bootstrap Secret ${o.namespace}/${name}`, EXIT.USAGE, ['pass --force to replace it (this revokes the earlier token)', `or run: cleat vm revoke --vm-name ${o.vmName} --namespace ${o.namespace}`])
    await call(`deleting Secret ${o.namespace}/${name}`, () => k.deleteSecret(o.namespace, name))
    secret = await call(`creating Secret ${o.namespace}/${name}`, () => k.createSecret(o.namespace, body))
  }
  const uid = secret.metadata?.uid
  if (!uid) throw new InputError(`the API server returned Secret ${o.namespace}/${name} without a uid`)
  let tok: {token: string; expirationTimestamp: Date}
  try {
    tok = await k.createServiceAccountToken(o.namespace, o.serviceAccount, {audiences: [ISTIO_CA_AUDIENCE], expirationSeconds: o.ttlSeconds, boundSecret: {name, uid}})
  } catch (e) {
    const what = `requesting a token for ${o.namespace}/${o.serviceAccount} (TokenRequest)`
    if (status(e) === 404) throw new InputError(`${what}: ${(e as Error).message}`, ['the cluster may not serve TokenRequest (projected service-account tokens)', 'use offline mode (--ca-dir) or --token-file'])
    throw kubeFailure(e, what)
  }
  const diagnostics: Diagnostic[] = []
  const wanted = o.now.getTime() + o.ttlSeconds * 1000
  if (Math.abs(tok.expirationTimestamp.getTime() - wanted) > 60_000) {
    diagnostics.push(diag('CL4052', {message: `requested a ${o.ttlSeconds} s token, the API server set it to expire at ${tok.expirationTimestamp.toISOString()}`}))
  }
  return {token: tok.token, subject: tokenSubject(o.namespace, o.serviceAccount), audiences: [ISTIO_CA_AUDIENCE], expiresAt: tok.expirationTimestamp, boundSecret: `${o.namespace}/${name}`, diagnostics}
}

/** Delete the VM's bootstrap Secret; returns false when there was none. */
export async function revokeVm(k: VmKubePort, vmName: string, namespace: string): Promise<boolean> {
  try {
    await k.deleteSecret(namespace, bootstrapSecretName(vmName))
    return true
  } catch (e) {
    if (status(e) === 404) return false
    throw kubeFailure(e, `deleting Secret ${namespace}/${bootstrapSecretName(vmName)}`)
  }
}
