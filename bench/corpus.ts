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
const APPS = ['frontend', 'orders', 'cart', 'reviews', 'ratings', 'details', 'inventory', 'pricing', 'users', 'auth', 'mailer', 'recommend']

/** `count` Istio resources across the 10 kinds (plus one Service and Deployment per app and namespace). */
export function generateCorpus(count: number, seed = 42): Obj[] {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  const out: Obj[] = []
  for (const ns of NAMESPACES) {
    for (const app of APPS) {
      out.push({apiVersion: 'v1', kind: 'Service', metadata: {name: app, namespace: ns, labels: {app}}, spec: {selector: {app}, ports: [{name: 'http', port: 8080, targetPort: 8080}]}})
      for (const v of ['v1', 'v2']) {
        out.push({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {name: `${app}-${v}`, namespace: ns},
          spec: {
            selector: {matchLabels: {app, version: v}},
            template: {metadata: {labels: {app, version: v}}, spec: {serviceAccountName: app, containers: [{name: app, image: `registry.example.com/${app}:${v}`, ports: [{containerPort: 8080}]}]}},
          },
        })
      }
    }
  }
  const makers: ((i: number) => Obj)[] = [
    (i) => {
      const ns = pick(NAMESPACES)
      const app = pick(APPS)
      const w = 10 * Math.floor(r() * 10)
      return {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {name: `${app}-vs-${i}`, namespace: ns},
        spec: {
          hosts: [app],
          http: [
            {
              name: 'api',
              match: [{uri: {prefix: '/api/'}, headers: {'x-canary': {exact: 'true'}}}],
              route: [{destination: {host: app, subset: 'v2', port: {number: 8080}}}],
              timeout: '5s',
              retries: {attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset'},
            },
            {
              name: 'default',
              route: [
                {destination: {host: app, subset: 'v1'}, weight: 100 - w},
                {destination: {host: app, subset: 'v2'}, weight: w},
              ],
            },
          ],
        },
      }
    },
    (i) => {
      const app = pick(APPS)
      return {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: {name: `${app}-dr-${i}`, namespace: pick(NAMESPACES)},
        spec: {
          host: app,
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
      }
    },
    (i) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: {name: `gw-${i}`, namespace: pick(NAMESPACES)},
      spec: {
        selector: {istio: 'ingressgateway'},
        servers: [
          {port: {number: 443, name: 'https', protocol: 'HTTPS'}, hosts: [`app${i}.example.com`], tls: {mode: 'SIMPLE', credentialName: `cert-${i}`}},
          {port: {number: 80, name: 'http', protocol: 'HTTP'}, hosts: [`app${i}.example.com`], tls: {httpsRedirect: true}},
        ],
      },
    }),
    (i) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: {name: `ext-${i}`, namespace: pick(NAMESPACES)},
      spec: {hosts: [`api${i}.partner.example.org`], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{number: 443, name: 'https', protocol: 'TLS'}]},
    }),
    (i) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: {name: `sidecar-${i}`, namespace: pick(NAMESPACES)},
      spec: {workloadSelector: {labels: {app: pick(APPS)}}, egress: [{hosts: ['./*', 'istio-system/*']}], outboundTrafficPolicy: {mode: 'REGISTRY_ONLY'}},
    }),
    (i) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: {name: `vm-${i}`, namespace: pick(NAMESPACES)},
      spec: {address: `10.${i % 200}.${(i >> 8) % 250}.${(i % 250) + 1}`, labels: {app: pick(APPS), version: 'v1'}, serviceAccount: pick(APPS), ports: {http: 8080}},
    }),
    (i) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadGroup',
      metadata: {name: `vmgroup-${i}`, namespace: pick(NAMESPACES)},
      spec: {
        metadata: {labels: {app: pick(APPS)}},
        template: {serviceAccount: pick(APPS), ports: {http: 8080}},
        probe: {periodSeconds: 5, initialDelaySeconds: 1, httpGet: {path: '/ready', port: 8080}},
      },
    }),
    (i) => {
      const ns = pick(NAMESPACES)
      return {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: {name: `allow-${i}`, namespace: ns},
        spec: {
          selector: {matchLabels: {app: pick(APPS)}},
          action: 'ALLOW',
          rules: [
            {
              from: [{source: {principals: [`cluster.local/ns/${ns}/sa/${pick(APPS)}`]}}],
              to: [{operation: {methods: ['GET', 'POST'], paths: ['/api/*']}}],
              when: [{key: 'request.headers[x-tenant]', values: ['acme']}],
            },
          ],
        },
      }
    },
    (i) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: {name: `mtls-${i}`, namespace: pick(NAMESPACES)},
      spec: {selector: {matchLabels: {app: pick(APPS)}}, mtls: {mode: 'STRICT'}, portLevelMtls: {'9090': {mode: 'PERMISSIVE'}}},
    }),
    (i) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'RequestAuthentication',
      metadata: {name: `jwt-${i}`, namespace: pick(NAMESPACES)},
      spec: {selector: {matchLabels: {app: pick(APPS)}}, jwtRules: [{issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/.well-known/jwks.json', forwardOriginalToken: true}]},
    }),
  ]
  for (let i = 0; i < count; i++) out.push(makers[i % makers.length]!(i))
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
