/** The Istio kinds cleat validates, with the API versions Istio serves for each. */
export interface KindInfo {
  kind: string
  group: 'networking.istio.io' | 'security.istio.io'
  versions: readonly string[]
  plural: string
  /** File name of the spec schema in schemas/istio/. */
  schema: string
  namespaced: true
}

const NETWORKING_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const
const SECURITY_VERSIONS = ['v1', 'v1beta1'] as const

function net(kind: string, plural: string): KindInfo {
  return {kind, group: 'networking.istio.io', versions: NETWORKING_VERSIONS, plural, schema: `${kind.toLowerCase()}.json`, namespaced: true}
}

function sec(kind: string, plural: string): KindInfo {
  return {kind, group: 'security.istio.io', versions: SECURITY_VERSIONS, plural, schema: `${kind.toLowerCase()}.json`, namespaced: true}
}

export const ISTIO_KINDS: readonly KindInfo[] = [
  net('VirtualService', 'virtualservices'),
  net('DestinationRule', 'destinationrules'),
  net('Gateway', 'gateways'),
  net('ServiceEntry', 'serviceentries'),
  net('Sidecar', 'sidecars'),
  net('WorkloadEntry', 'workloadentries'),
  net('WorkloadGroup', 'workloadgroups'),
  sec('AuthorizationPolicy', 'authorizationpolicies'),
  sec('PeerAuthentication', 'peerauthentications'),
  sec('RequestAuthentication', 'requestauthentications'),
]

const BY_KIND = new Map(ISTIO_KINDS.map((k) => [k.kind, k]))

export const ISTIO_GROUPS = new Set(['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io'])

export function istioKind(kind: string): KindInfo | undefined {
  return BY_KIND.get(kind)
}

export function splitApiVersion(apiVersion: string): {group: string; version: string} {
  const i = apiVersion.lastIndexOf('/')
  return i < 0 ? {group: '', version: apiVersion} : {group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1)}
}
