// A deterministic corpus of realistic Istio resources (and the Services/Deployments they refer to),
// for `npm run bench`. Same seed, same bytes.
import {dump} from 'js-yaml'

type Obj = Record<string, unknown>

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NAMESPACES = ['shop', 'payments', 'catalog', 'search', 'identity', 'checkout', 'shipping', 'ads']

/**
 * `count` Istio resources across the 10 kinds, in a consistent mesh: the i-th resource belongs to
 * service svc-⌊i/10⌋ (so every service gets one resource of each kind), and the Services, Deployments
 * (v1 and v2) and the ingress gateway they refer to are generated too, so a clean corpus validates clean.
 */
export function generateCorpus(count: number, seed = 42): Obj[] {
  const r = rng(seed)
  const services = Math.ceil(count / 10)
  const svc = (k: number) => ({name: `svc-${k}`, ns: NAMESPACES[k % NAMESPACES.length]!})
  const out: Obj[] = [
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'istio-ingressgateway', namespace: 'istio-system'}, spec: {selector: {istio: 'ingressgateway'}, ports: [{name: 'http2', port: 80}, {name: 'https', port: 443}]}},
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'istio-ingressgateway', namespace: 'istio-system'},
      spec: {selector: {matchLabels: {istio: 'ingressgateway'}}, template: {metadata: {labels: {istio: 'ingressgateway'}}, spec: {serviceAccountName: 'istio-ingressgateway', containers: [{name: 'istio-proxy', image: 'istio/proxyv2'}]}}},
    },
  ]
  for (let k = 0; k < services; k++) {
    const {name, ns} = svc(k)
    out.push({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns, labels: {app: name}}, spec: {selector: {app: name}, ports: [{name: 'http', port: 8080, targetPort: 8080}]}})
    for (const v of ['v1', 'v2']) {
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: `${name}-${v}`, namespace: ns},
        spec: {
          selector: {matchLabels: {app: name, version: v}},
          template: {metadata: {labels: {app: name, version: v}}, spec: {serviceAccountName: name, containers: [{name, image: `registry.example.com/${name}:${v}`, ports: [{containerPort: 8080}]}]}},
        },
      })
    }
  }
  const makers: ((i: number, name: string, ns: string) => Obj)[] = [
    (_i, name, ns) => {
      const w = 10 * Math.floor(r() * 11)
      return {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {name, namespace: ns},
        spec: {
          hosts: [name],
          http: [
            {
              name: 'api',
              match: [{uri: {prefix: '/api/'}, headers: {'x-canary': {exact: 'true'}}}],
              route: [{destination: {host: name, subset: 'v2', port: {number: 8080}}}],
              timeout: '5s',
              retries: {attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset'},
            },
            {
              name: 'default',
              route: [
                {destination: {host: name, subset: 'v1'}, weight: 100 - w},
                {destination: {host: name, subset: 'v2'}, weight: w},
              ],
            },
          ],
        },
      }
    },
    (_i, name, ns) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: {name, namespace: ns},
      spec: {
        host: name,
        trafficPolicy: {
          tls: {mode: 'ISTIO_MUTUAL'},
          connectionPool: {tcp: {maxConnections: 100}, http: {http1MaxPendingRequests: 50, maxRequestsPerConnection: 10}},
          outlierDetection: {consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s'},
          loadBalancer: {simple: 'LEAST_REQUEST'},
        },
        subsets: [
          {name: 'v1', labels: {version: 'v1'}},
          {name: 'v2', labels: {version: 'v2'}, trafficPolicy: {loadBalancer: {simple: 'ROUND_ROBIN'}}},
        ],
      },
    }),
    (_i, name, ns) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: {name: `${name}-gateway`, namespace: ns},
      spec: {
        selector: {istio: 'ingressgateway'},
        servers: [
          {port: {number: 443, name: 'https', protocol: 'HTTPS'}, hosts: [`${name}.example.com`], tls: {mode: 'SIMPLE', credentialName: `${name}-cert`}},
          {port: {number: 80, name: 'http', protocol: 'HTTP'}, hosts: [`${name}.example.com`], tls: {httpsRedirect: true}},
        ],
      },
    }),
    (_i, name, ns) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: {name: `${name}-partner`, namespace: ns},
      spec: {hosts: [`${name}.partner.example.org`], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{number: 443, name: 'https', protocol: 'TLS'}]},
    }),
    (_i, name, ns) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: {name, namespace: ns},
      spec: {workloadSelector: {labels: {app: name}}, egress: [{hosts: ['./*', 'istio-system/*']}], outboundTrafficPolicy: {mode: 'REGISTRY_ONLY'}},
    }),
    (i, name, ns) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: {name: `${name}-vm`, namespace: ns},
      spec: {address: `10.${(i >> 16) % 250}.${(i >> 8) % 250}.${(i % 250) + 1}`, labels: {app: name, version: 'v1', 'cleat.dev/vm': 'true'}, serviceAccount: name, ports: {http: 8080}},
    }),
    (_i, name, ns) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadGroup',
      metadata: {name: `${name}-vms`, namespace: ns},
      spec: {
        metadata: {labels: {app: name, version: 'v1'}},
        template: {serviceAccount: name, ports: {http: 8080}},
        probe: {periodSeconds: 5, initialDelaySeconds: 1, httpGet: {path: '/ready', port: 8080}},
      },
    }),
    (i, name, ns) => {
      const caller = svc((Math.floor(i / 10) + NAMESPACES.length) % services).name
      return {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: {name, namespace: ns},
        spec: {
          selector: {matchLabels: {app: name}},
          action: 'ALLOW',
          rules: [
            {
              from: [{source: {principals: [`cluster.local/ns/${ns}/sa/${caller}`]}}],
              to: [{operation: {methods: ['GET', 'POST'], paths: ['/api/*']}}],
              when: [{key: 'request.headers[x-tenant]', values: ['acme']}],
            },
          ],
        },
      }
    },
    (_i, name, ns) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: {name, namespace: ns},
      spec: {selector: {matchLabels: {app: name}}, mtls: {mode: 'STRICT'}, portLevelMtls: {'8080': {mode: 'STRICT'}}},
    }),
    (_i, name, ns) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'RequestAuthentication',
      metadata: {name, namespace: ns},
      spec: {selector: {matchLabels: {app: name}}, jwtRules: [{issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/.well-known/jwks.json', forwardOriginalToken: true}]},
    }),
  ]
  for (let i = 0; i < count; i++) {
    const {name, ns} = svc(Math.floor(i / 10))
    out.push(makers[i % makers.length]!(i, name, ns))
  }
  return out
}

/** Split resources into multi-document YAML files of `perFile` documents each. */
export function toYamlFiles(resources: readonly Obj[], perFile = 100): {file: string; text: string}[] {
  const files: {file: string; text: string}[] = []
  for (let i = 0; i < resources.length; i += perFile) {
    const text = resources
      .slice(i, i + perFile)
      .map((r) => dump(r, {noRefs: true, lineWidth: -1}))
      .join('---\n')
    files.push({file: `corpus-${String(files.length).padStart(4, '0')}.yaml`, text})
  }
  return files
}
