import {test} from 'node:test'
import {checkCases, type Case} from './helpers.js'

const sel = {selector: {matchLabels: {app: 'cart'}}}
const rule = (r: unknown) => ({...sel, rules: [r]})

const apCases: Case[] = [
  {name: 'ALLOW from a principal is clean', spec: rule({from: [{source: {principals: ['cluster.local/ns/shop/sa/frontend']}}], to: [{operation: {methods: ['GET'], paths: ['/cart/{*}']}}]}), expect: []},
  {name: 'allow-nothing policy is clean', spec: {}, expect: []},
  {name: 'DENY without rules', spec: {...sel, action: 'DENY'}, expect: [{code: 'CL2700', path: '/spec'}]},
  {name: 'CUSTOM without provider', spec: {...sel, action: 'CUSTOM', rules: [{}]}, expect: [{code: 'CL2700', path: '/spec'}]},
  {name: 'provider with DENY', spec: {...sel, action: 'DENY', provider: {name: 'ext'}, rules: [{}]}, expect: [{code: 'CL2700', path: '/spec/provider'}]},
  {name: 'CUSTOM with identity fields', spec: {...sel, action: 'CUSTOM', provider: {name: 'ext'}, rules: [{from: [{source: {principals: ['x']}}]}]}, expect: [{code: 'CL2701', path: '/spec/rules/0/from/0/source'}]},
  {name: 'empty from list', spec: rule({from: []}), expect: [{code: 'CL2701', path: '/spec/rules/0/from'}]},
  {name: 'empty source', spec: rule({from: [{source: {}}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/from/0/source'}]},
  {name: 'empty string in principals', spec: rule({from: [{source: {principals: ['a', '']}}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/from/0/source/principals/1'}]},
  {name: 'bad ipBlock', spec: rule({from: [{source: {ipBlocks: ['10.0.0.0/40']}}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/from/0/source/ipBlocks/0'}]},
  {name: 'trust domain with a slash', spec: rule({from: [{source: {trustDomains: ['cluster.local/ns']}}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/from/0/source/trustDomains/0'}]},
  {name: 'named port', spec: rule({to: [{operation: {ports: ['http']}}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/to/0/operation/ports/0'}]},
  {name: 'path template not a whole segment', spec: rule({to: [{operation: {paths: ['/a/x{*}']}}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/to/0/operation/paths/0'}]},
  {name: 'unknown condition key', spec: rule({when: [{key: 'destination.labels[app]', values: ['x']}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/when/0/key'}]},
  {name: 'condition without values', spec: rule({when: [{key: 'source.ip'}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/when/0'}]},
  {name: 'condition IP not an IP', spec: rule({when: [{key: 'source.ip', values: ['a.b.c.d']}]}), expect: [{code: 'CL2701', path: '/spec/rules/0/when/0/values/0'}]},
  {name: 'serviceAccounts with namespaces (CEL)', spec: rule({from: [{source: {serviceAccounts: ['shop/a'], namespaces: ['shop']}}]}), expect: [{code: 'CL2000', path: '/spec/rules/0/from/0/source'}]},
  {name: 'HTTP-only DENY warns', spec: {...sel, action: 'DENY', rules: [{to: [{operation: {methods: ['DELETE']}}]}]}, expect: [{code: 'CL2701', path: '/spec/rules/0', severity: 'warning'}]},
  {name: 'targetRef with a namespace (CEL)', spec: {targetRef: {kind: 'Service', name: 'cart', namespace: 'other'}}, expect: [{code: 'CL2000', path: '/spec/targetRef/namespace'}]},
  {name: 'targetRef to a Deployment', spec: {targetRef: {kind: 'Deployment', group: 'apps', name: 'cart'}}, expect: [{code: 'CL2700', path: '/spec/targetRef'}]},
  {name: 'selector and targetRef (CEL)', spec: {...sel, targetRef: {kind: 'Service', name: 'cart'}}, expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'empty selector labels warn', spec: {selector: {matchLabels: {}}}, expect: [{code: 'CL2007', path: '/spec/selector/matchLabels', severity: 'warning'}]},
  {name: 'dry-run with AUDIT', spec: {...sel, action: 'AUDIT', rules: [{}]}, metadata: {annotations: {'istio.io/dry-run': 'true'}}, expect: [{code: 'CL2016', path: '/metadata/annotations/istio.io~1dry-run'}]},
  {name: 'dry-run not a boolean', spec: rule({}), metadata: {annotations: {'istio.io/dry-run': 'yes'}}, expect: [{code: 'CL2016', path: '/metadata/annotations/istio.io~1dry-run'}]},
]

const paCases: Case[] = [
  {name: 'STRICT namespace-wide is clean', spec: {mtls: {mode: 'STRICT'}}, expect: []},
  {name: 'port-level with a selector is clean', spec: {selector: {matchLabels: {app: 'cart'}}, mtls: {mode: 'STRICT'}, portLevelMtls: {'8080': {mode: 'DISABLE'}}}, expect: []},
  {name: 'portLevelMtls without selector (CEL)', spec: {portLevelMtls: {'8080': {mode: 'DISABLE'}}}, expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'port 0 (CEL)', spec: {selector: {matchLabels: {app: 'cart'}}, portLevelMtls: {'0': {mode: 'DISABLE'}}}, expect: [{code: 'CL2000', path: '/spec/portLevelMtls'}]},
]

const raCases: Case[] = [
  {name: 'issuer and jwksUri is clean', spec: {...sel, jwtRules: [{issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks'}]}, expect: []},
  {name: 'rule with neither issuer nor jwksUri', spec: {...sel, jwtRules: [{audiences: ['shop']}]}, expect: [{code: 'CL2900', path: '/spec/jwtRules/0'}]},
  {name: 'jwksUri with ftp (CEL)', spec: {...sel, jwtRules: [{issuer: 'x', jwksUri: 'ftp://id.example.com/jwks'}]}, expect: [{code: 'CL2000', path: '/spec/jwtRules/0/jwksUri'}]},
  {name: 'jwks not JSON', spec: {...sel, jwtRules: [{issuer: 'x', jwks: '{not json'}]}, expect: [{code: 'CL2900', path: '/spec/jwtRules/0/jwks'}]},
  {name: 'jwks with a private key warns', spec: {...sel, jwtRules: [{issuer: 'x', jwks: JSON.stringify({keys: [{kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'secret'}]})}]}, expect: [{code: 'CL2900', path: '/spec/jwtRules/0/jwks', severity: 'warning'}]},
  {name: 'fromHeaders without a name', spec: {...sel, jwtRules: [{issuer: 'x', fromHeaders: [{prefix: 'Bearer '}]}]}, expect: [{code: 'CL1004', path: '/spec/jwtRules/0/fromHeaders/0'}]},
  {name: 'output header with %', spec: {...sel, jwtRules: [{issuer: 'x', outputClaimToHeaders: [{header: 'x%y', claim: 'sub'}]}]}, expect: [{code: 'CL1005', path: '/spec/jwtRules/0/outputClaimToHeaders/0/header'}]},
  {name: 'timeout below 1ms (CEL)', spec: {...sel, jwtRules: [{issuer: 'x', timeout: '10us'}]}, expect: [{code: 'CL2000', path: '/spec/jwtRules/0/timeout'}]},
]

test('AuthorizationPolicy rules', () => checkCases('AuthorizationPolicy', apCases))
test('PeerAuthentication rules', () => checkCases('PeerAuthentication', paCases))
test('RequestAuthentication rules', () => checkCases('RequestAuthentication', raCases))
