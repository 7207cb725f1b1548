import {test} from 'node:test'
import {checkCases, type Case} from './helpers.js'

const ingress = (extra: Record<string, unknown> = {}) => ({port: {number: 8080, protocol: 'HTTP', name: 'http'}, defaultEndpoint: '127.0.0.1:8080', ...extra})

const cases: Case[] = [
  {name: 'egress to own and istio-system is clean', spec: {egress: [{hosts: ['./*', 'istio-system/*']}]}, expect: []},
  {name: 'empty Sidecar', spec: {workloadSelector: {labels: {app: 'cart'}}}, expect: [{code: 'CL2500', path: '/spec'}]},
  {name: 'egress host without namespace', spec: {egress: [{hosts: ['reviews.shop.svc.cluster.local']}]}, expect: [{code: 'CL2003', path: '/spec/egress/0/hosts/0'}]},
  {name: 'egress short name', spec: {egress: [{hosts: ['shop/reviews']}]}, expect: [{code: 'CL2003', path: '/spec/egress/0/hosts/0'}]},
  {name: 'duplicate egress host warns', spec: {egress: [{hosts: ['shop/*', 'shop/a.example.com']}]}, expect: [{code: 'CL2010', path: '/spec/egress/0/hosts/1', severity: 'warning'}]},
  {name: 'catch-all egress not last', spec: {egress: [{hosts: ['./*']}, {port: {number: 80, protocol: 'HTTP', name: 'http'}, hosts: ['./*']}]}, expect: [{code: 'CL2500', path: '/spec/egress/0'}]},
  {name: 'port 0 without unix bind', spec: {egress: [{port: {protocol: 'HTTP', name: 'uds'}, hosts: ['./*']}]}, expect: [{code: 'CL2500', path: '/spec/egress/0/port'}]},
  {name: 'defaultEndpoint on another host', spec: {ingress: [ingress({defaultEndpoint: '10.0.0.5:8080'})]}, expect: [{code: 'CL2500', path: '/spec/ingress/0/defaultEndpoint'}]},
  {name: 'defaultEndpoint IPv6 loopback is fine', spec: {ingress: [ingress({defaultEndpoint: '[::1]:8080'})]}, expect: []},
  {name: 'duplicate ingress ports', spec: {ingress: [ingress(), ingress()]}, expect: [{code: 'CL2010', path: '/spec/ingress/1/port/number'}]},
  {name: 'ingress TLS with ISTIO_MUTUAL', spec: {ingress: [ingress({port: {number: 8443, protocol: 'HTTPS', name: 'https'}, tls: {mode: 'ISTIO_MUTUAL'}})]}, expect: [{code: 'CL2500', path: '/spec/ingress/0/tls/mode'}]},
  {name: 'HTTP pool on a TCP port warns', spec: {ingress: [ingress({port: {number: 9000, protocol: 'TCP', name: 'tcp'}, connectionPool: {http: {maxRetries: 3}}})]}, expect: [{code: 'CL2500', path: '/spec/ingress/0/connectionPool/http', severity: 'warning'}]},
  {name: 'empty inbound connection pool', spec: {inboundConnectionPool: {}}, expect: [{code: 'CL2201', path: '/spec/inboundConnectionPool'}]},
  {name: 'egressProxy with REGISTRY_ONLY', spec: {outboundTrafficPolicy: {mode: 'REGISTRY_ONLY', egressProxy: {host: 'proxy.example.com', port: {number: 3128}}}}, expect: [{code: 'CL2500', path: '/spec/outboundTrafficPolicy/egressProxy'}]},
  {name: 'ALLOW_ANY_DYNAMIC_DNS', spec: {outboundTrafficPolicy: {mode: 'ALLOW_ANY_DYNAMIC_DNS'}}, expect: [{code: 'CL1003', path: '/spec/outboundTrafficPolicy/mode'}]},
  {name: 'wildcard selector value (CEL)', spec: {workloadSelector: {labels: {app: '*'}}, egress: [{hosts: ['./*']}]}, expect: [{code: 'CL2000', path: '/spec/workloadSelector/labels/app'}]},
]

test('Sidecar rules', () => checkCases('Sidecar', cases))
