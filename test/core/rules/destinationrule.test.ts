import {test} from 'node:test'
import {checkCases, type Case} from './helpers.js'

const dr = (extra: Record<string, unknown> = {}) => ({host: 'cart.shop.svc.cluster.local', ...extra})
const tp = (trafficPolicy: unknown) => dr({trafficPolicy})

const cases: Case[] = [
  {name: 'subsets and a policy are clean', spec: dr({subsets: [{name: 'v1', labels: {version: 'v1'}}], trafficPolicy: {loadBalancer: {simple: 'ROUND_ROBIN'}}}), expect: []},
  {name: 'bad host', spec: dr({host: 'cart..shop'}), expect: [{code: 'CL2003', path: '/spec/host'}]},
  {name: 'duplicate subset names', spec: dr({subsets: [{name: 'v1'}, {name: 'v1'}]}), expect: [{code: 'CL2010', path: '/spec/subsets/1/name'}]},
  {name: 'subset name not a label', spec: dr({subsets: [{name: 'V_1'}]}), expect: [{code: 'CL2205', path: '/spec/subsets/0/name'}]},
  {name: 'invalid subset label key', spec: dr({subsets: [{name: 'v1', labels: {'ver sion': 'v1'}}]}), expect: [{code: 'CL2007', path: '/spec/subsets/0/labels/ver sion'}]},
  {name: 'empty traffic policy', spec: tp({}), expect: [{code: 'CL2200', path: '/spec/trafficPolicy'}]},
  {name: 'port-level policy without settings', spec: tp({portLevelSettings: [{port: {number: 80}}]}), expect: [{code: 'CL2200', path: '/spec/trafficPolicy/portLevelSettings/0'}]},
  {name: 'empty connection pool', spec: tp({connectionPool: {}}), expect: [{code: 'CL2201', path: '/spec/trafficPolicy/connectionPool'}]},
  {name: 'negative max connections', spec: tp({connectionPool: {tcp: {maxConnections: -1}}}), expect: [{code: 'CL2201', path: '/spec/trafficPolicy/connectionPool/tcp/maxConnections'}]},
  {name: 'tcp idleTimeout 0s disables it', spec: tp({connectionPool: {tcp: {idleTimeout: '0s'}}}), expect: []},
  {name: 'http2KeepAlive without timeout', spec: tp({connectionPool: {http: {http2KeepAlive: {interval: '10s'}}}}), expect: [{code: 'CL2201', path: '/spec/trafficPolicy/connectionPool/http/http2KeepAlive'}]},
  {name: 'useClientProtocol with UPGRADE', spec: tp({connectionPool: {http: {h2UpgradePolicy: 'UPGRADE', useClientProtocol: true}}}), expect: [{code: 'CL2201', path: '/spec/trafficPolicy/connectionPool/http/useClientProtocol'}]},
  {name: 'maxEjectionPercent over 100', spec: tp({outlierDetection: {maxEjectionPercent: 120}}), expect: [{code: 'CL2203', path: '/spec/trafficPolicy/outlierDetection/maxEjectionPercent'}]},
  {name: 'local origin failures without split', spec: tp({outlierDetection: {consecutiveLocalOriginFailures: 5}}), expect: [{code: 'CL2203', path: '/spec/trafficPolicy/outlierDetection/consecutiveLocalOriginFailures'}]},
  {name: 'deprecated consecutiveErrors warns', spec: tp({outlierDetection: {consecutiveErrors: 5}}), expect: [{code: 'CL2015', path: '/spec/trafficPolicy/outlierDetection/consecutiveErrors', severity: 'warning'}]},
  {name: 'baseEjectionTime below 1ms (CEL)', spec: tp({outlierDetection: {baseEjectionTime: '100us'}}), expect: [{code: 'CL2000', path: '/spec/trafficPolicy/outlierDetection/baseEjectionTime'}]},
  {name: 'maglev table size not prime', spec: tp({loadBalancer: {consistentHash: {maglev: {tableSize: 1000}, httpHeaderName: 'x-user'}}}), expect: [{code: 'CL2202', path: '/spec/trafficPolicy/loadBalancer/consistentHash/maglev/tableSize'}]},
  {name: 'duplicate cookie attribute', spec: tp({loadBalancer: {consistentHash: {httpCookie: {name: 'c', ttl: '10s', attributes: [{name: 'Secure'}, {name: 'Secure'}]}}}}), expect: [{code: 'CL2010', path: '/spec/trafficPolicy/loadBalancer/consistentHash/httpCookie/attributes/1/name'}]},
  {name: 'locality weights not totalling 100', spec: tp({loadBalancer: {localityLbSetting: {distribute: [{from: 'us-east/*', to: {'us-east/*': 60, 'us-west/*': 30}}]}}, outlierDetection: {consecutive5xxErrors: 5}}), expect: [{code: 'CL2202', path: '/spec/trafficPolicy/loadBalancer/localityLbSetting/distribute/0/to'}]},
  {name: 'failover without outlier detection warns', spec: tp({loadBalancer: {localityLbSetting: {failover: [{from: 'us-east', to: 'us-west'}]}}}), expect: [{code: 'CL2202', path: '/spec/trafficPolicy/loadBalancer/localityLbSetting/failover', severity: 'warning'}]},
  {name: 'locality and zone-aware together', spec: tp({loadBalancer: {localityLbSetting: {enabled: true}, zoneAwareLbSetting: {enabled: true}}}), expect: [{code: 'CL2011', path: '/spec/trafficPolicy/loadBalancer/zoneAwareLbSetting'}]},
  {name: 'MUTUAL without client certificate', spec: tp({tls: {mode: 'MUTUAL'}}), expect: [{code: 'CL2204', path: '/spec/trafficPolicy/tls'}]},
  {name: 'credentialName with inline certificates', spec: tp({tls: {mode: 'SIMPLE', credentialName: 'cart-ca', caCertificates: '/etc/ca.pem'}}), expect: [{code: 'CL2204', path: '/spec/trafficPolicy/tls/credentialName'}]},
  {name: 'insecureSkipVerify with subjectAltNames', spec: tp({tls: {mode: 'SIMPLE', insecureSkipVerify: true, subjectAltNames: ['cart']}}), expect: [{code: 'CL2204', path: '/spec/trafficPolicy/tls/insecureSkipVerify'}]},
  {name: 'tunnel protocol', spec: tp({tunnel: {protocol: 'GET', targetHost: 'proxy.example.com', targetPort: 8080}}), expect: [{code: 'CL2200', path: '/spec/trafficPolicy/tunnel/protocol'}]},
  {name: 'selector DR exported elsewhere', spec: dr({workloadSelector: {matchLabels: {app: 'cart'}}, exportTo: ['*']}), expect: [{code: 'CL2008', path: '/spec/exportTo'}]},
  {name: 'wildcard in selector value', spec: dr({workloadSelector: {matchLabels: {app: 'cart*'}}}), expect: [{code: 'CL2000', path: '/spec/workloadSelector/matchLabels/app'}]},
]

test('DestinationRule rules', () => checkCases('DestinationRule', cases))
