// Table-driven tests of the offline evaluator, each case written from Istio's documented semantics
// (AuthorizationPolicy reference, authorization concepts, conditions page, security bulletin 2021-004).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {evaluate} from '../../../src/core/authz/evaluate.js'
import {readPolicies} from '../../../src/core/authz/policy.js'
import {buildRequest, type RequestInput} from '../../../src/core/authz/request.js'
import {ap, deployment, inventoryOf, pa, service} from './helpers.js'

const FRONTEND = 'cluster.local/ns/shop/sa/frontend'
const ORDERS_LABELS = {app: 'orders', version: 'v1'}

type Want = {decision: 'ALLOW' | 'DENY'; policy?: string | null; rule?: number | null; reason?: RegExp}

interface Case {
  name: string
  objects: object[]
  req?: Partial<RequestInput>
  root?: string
  custom?: 'allow' | 'deny'
  want: Want
}

const allowRule = (rule: object) => ap('shop', 'allow', {selector: {matchLabels: {app: 'orders'}}, action: 'ALLOW', rules: [rule]})
const denyRule = (rule: object) => ap('shop', 'deny', {selector: {matchLabels: {app: 'orders'}}, action: 'DENY', rules: [rule]})
const base: RequestInput = {toNamespace: 'shop', toLabels: ORDERS_LABELS, fromPrincipal: FRONTEND, method: 'GET', path: '/orders'}

const CASES: Case[] = [
  // --- the order of evaluation
  {name: 'no policies at all: allowed', objects: [], want: {decision: 'ALLOW', policy: null, rule: null, reason: /no ALLOW policy applies/}},
  {name: 'allow-nothing (spec: {}) denies everything', objects: [ap('shop', 'allow-nothing', {})], want: {decision: 'DENY', policy: null, reason: /ALLOW policies apply but none matched/}},
  {name: 'ALLOW with no rules (selector only) denies the selected workload', objects: [ap('shop', 'x', {selector: {matchLabels: {app: 'orders'}}})], want: {decision: 'DENY'}},
  {name: 'allow-all (rules: [{}]) allows everything', objects: [ap('shop', 'allow-all', {rules: [{}]})], want: {decision: 'ALLOW', policy: 'shop/allow-all', rule: 0}},
  {name: 'deny-all (DENY rules: [{}]) beats allow-all', objects: [ap('shop', 'allow-all', {rules: [{}]}), ap('shop', 'deny-all', {action: 'DENY', rules: [{}]})], want: {decision: 'DENY', policy: 'shop/deny-all', rule: 0}},
  {name: 'a DENY policy without rules never matches', objects: [ap('shop', 'deny-nothing', {action: 'DENY'})], want: {decision: 'ALLOW', reason: /no ALLOW policy applies/}},
  {name: 'only DENY policies that do not match: allowed (no ALLOW policy)', objects: [denyRule({to: [{operation: {methods: ['DELETE']}}]})], want: {decision: 'ALLOW', policy: null}},
  {name: 'DENY matches first even when an ALLOW matches too', objects: [allowRule({}), denyRule({to: [{operation: {methods: ['GET']}}]})], want: {decision: 'DENY', policy: 'shop/deny', rule: 0}},
  {name: 'the second rule of an ALLOW policy matches', objects: [ap('shop', 'a', {rules: [{to: [{operation: {methods: ['POST']}}]}, {to: [{operation: {methods: ['GET']}}]}]})], want: {decision: 'ALLOW', policy: 'shop/a', rule: 1}},
  {name: 'several ALLOW policies are additive', objects: [ap('shop', 'a', {rules: [{to: [{operation: {methods: ['POST']}}]}]}), ap('shop', 'b', {rules: [{to: [{operation: {paths: ['/orders']}}]}]})], want: {decision: 'ALLOW', policy: 'shop/b', rule: 0}},
  {name: 'AUDIT policies do not change the decision (no ALLOW → allowed)', objects: [ap('shop', 'audit', {action: 'AUDIT', rules: [{}]})], want: {decision: 'ALLOW', policy: null}},
  {name: 'AUDIT policies do not count as ALLOW policies', objects: [ap('shop', 'audit', {action: 'AUDIT', rules: [{}]}), ap('shop', 'deny-post', {action: 'DENY', rules: [{to: [{operation: {methods: ['POST']}}]}]})], want: {decision: 'ALLOW', reason: /no ALLOW policy applies/}},
  // --- CUSTOM
  {name: 'CUSTOM matching, authorizer allows: DENY and ALLOW still apply', objects: [ap('shop', 'ext', {action: 'CUSTOM', provider: {name: 'opa'}, rules: [{}]}), ap('shop', 'allow-nothing', {})], want: {decision: 'DENY', reason: /none matched/}},
  {name: 'CUSTOM matching, authorizer denies (--custom-verdict deny)', custom: 'deny', objects: [ap('shop', 'ext', {action: 'CUSTOM', provider: {name: 'opa'}, rules: [{to: [{operation: {paths: ['/orders*']}}]}]}), ap('shop', 'allow-all', {rules: [{}]})], want: {decision: 'DENY', policy: 'shop/ext', rule: 0, reason: /external authorizer opa/}},
  {name: 'CUSTOM not matching is not asked even with a denying authorizer', custom: 'deny', objects: [ap('shop', 'ext', {action: 'CUSTOM', provider: {name: 'opa'}, rules: [{to: [{operation: {paths: ['/admin*']}}]}]})], want: {decision: 'ALLOW', policy: null}},
  // --- dry-run
  {name: 'a dry-run DENY is not enforced', objects: [ap('shop', 'trial', {action: 'DENY', rules: [{}]}, {'istio.io/dry-run': 'true'})], want: {decision: 'ALLOW', policy: null}},
  {name: 'a dry-run ALLOW does not make the workload deny-by-default', objects: [ap('shop', 'trial', {rules: [{to: [{operation: {methods: ['POST']}}]}]}, {'istio.io/dry-run': 'true'})], want: {decision: 'ALLOW', reason: /no ALLOW policy applies/}},
  {name: 'dry-run "false" is enforced', objects: [ap('shop', 'real', {action: 'DENY', rules: [{}]}, {'istio.io/dry-run': 'false'})], want: {decision: 'DENY', policy: 'shop/real'}},
  // --- scope: namespace, root namespace, selector, targetRef
  {name: 'a policy of another namespace does not apply', objects: [ap('billing', 'deny-all', {action: 'DENY', rules: [{}]})], want: {decision: 'ALLOW'}},
  {name: 'a root-namespace policy applies mesh-wide', objects: [ap('istio-system', 'deny-all', {action: 'DENY', rules: [{}]})], want: {decision: 'DENY', policy: 'istio-system/deny-all'}},
  {name: 'a root-namespace selector matches workloads in every namespace', objects: [ap('istio-system', 'v1-nothing', {selector: {matchLabels: {version: 'v1'}}})], want: {decision: 'DENY'}},
  {name: 'a root-namespace selector that does not match', objects: [ap('istio-system', 'v2-nothing', {selector: {matchLabels: {version: 'v2'}}})], want: {decision: 'ALLOW'}},
  {name: '--root-namespace changes which namespace is mesh-wide', root: 'mesh-root', objects: [ap('istio-system', 'deny-all', {action: 'DENY', rules: [{}]}), ap('mesh-root', 'deny-all', {action: 'DENY', rules: [{}]})], want: {decision: 'DENY', policy: 'mesh-root/deny-all'}},
  {name: 'a selector needs all its labels', objects: [ap('shop', 'x', {selector: {matchLabels: {app: 'orders', version: 'v2'}}})], want: {decision: 'ALLOW'}},
  {name: 'a targetRef to a Gateway does not apply to a sidecar workload', objects: [ap('shop', 'gw', {targetRefs: [{kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'shop-gw'}], action: 'DENY', rules: [{}]})], want: {decision: 'ALLOW'}},
  {name: 'a targetRef to a Gateway applies to its gateway pods', req: {toLabels: {'gateway.networking.k8s.io/gateway-name': 'shop-gw'}}, objects: [ap('shop', 'gw', {targetRef: {kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'shop-gw'}, action: 'DENY', rules: [{}]})], want: {decision: 'DENY', policy: 'shop/gw'}},
  {name: 'a targetRef to a Service applies to the workloads it selects', objects: [service('shop', 'orders', {app: 'orders'}, [{port: 80}]), ap('shop', 'svc', {targetRefs: [{kind: 'Service', group: '', name: 'orders'}], action: 'DENY', rules: [{}]})], want: {decision: 'DENY', policy: 'shop/svc'}},
  {name: 'a targetRef policy is not namespace-wide', objects: [service('shop', 'payments', {app: 'payments'}, [{port: 80}]), ap('shop', 'svc', {targetRefs: [{kind: 'Service', group: '', name: 'payments'}], action: 'DENY', rules: [{}]})], want: {decision: 'ALLOW'}},
  // --- source: principals, namespaces, ipBlocks, not* forms, plaintext
  {name: 'principals exact match', objects: [allowRule({from: [{source: {principals: [FRONTEND]}}]})], want: {decision: 'ALLOW', policy: 'shop/allow'}},
  {name: 'principals: another identity does not match', req: {fromPrincipal: 'cluster.local/ns/shop/sa/payments'}, objects: [allowRule({from: [{source: {principals: [FRONTEND]}}]})], want: {decision: 'DENY'}},
  {name: 'principals prefix match', objects: [allowRule({from: [{source: {principals: ['cluster.local/ns/shop/*']}}]})], want: {decision: 'ALLOW'}},
  {name: 'principals suffix match', objects: [allowRule({from: [{source: {principals: ['*/sa/frontend']}}]})], want: {decision: 'ALLOW'}},
  {name: 'principals presence (*) matches any mTLS peer', objects: [allowRule({from: [{source: {principals: ['*']}}]})], want: {decision: 'ALLOW'}},
  {name: 'principals presence (*) does not match plaintext', req: {fromPrincipal: undefined, plaintext: true}, objects: [allowRule({from: [{source: {principals: ['*']}}]})], want: {decision: 'DENY'}},
  {name: 'a spiffe:// prefix on the caller identity is accepted', req: {fromPrincipal: `spiffe://${FRONTEND}`}, objects: [allowRule({from: [{source: {principals: [FRONTEND]}}]})], want: {decision: 'ALLOW'}},
  {name: 'namespaces match the caller namespace', objects: [allowRule({from: [{source: {namespaces: ['shop']}}]})], want: {decision: 'ALLOW'}},
  {name: '--from-namespace gives the namespace', req: {fromPrincipal: undefined, fromNamespace: 'ops'}, objects: [allowRule({from: [{source: {namespaces: ['ops']}}]})], want: {decision: 'ALLOW'}},
  {name: 'notNamespaces excludes the caller namespace', objects: [allowRule({from: [{source: {notNamespaces: ['shop']}}]})], want: {decision: 'DENY'}},
  {name: 'bulletin 2021-004: ALLOW notNamespaces [foo] lets a plaintext request through', req: {fromPrincipal: undefined, plaintext: true}, objects: [allowRule({from: [{source: {notNamespaces: ['foo']}}]})], want: {decision: 'ALLOW', policy: 'shop/allow'}},
  {name: 'bulletin 2021-004: DENY namespaces [foo] does not stop a plaintext request', req: {fromPrincipal: undefined, plaintext: true}, objects: [denyRule({from: [{source: {namespaces: ['shop']}}]})], want: {decision: 'ALLOW'}},
  {name: 'bulletin 2021-004: DENY notNamespaces ["*"] rejects plaintext', req: {fromPrincipal: undefined, plaintext: true}, objects: [denyRule({from: [{source: {notNamespaces: ['*']}}]})], want: {decision: 'DENY', policy: 'shop/deny'}},
  {name: 'DENY notNamespaces ["*"] does not reject mTLS callers', objects: [denyRule({from: [{source: {notNamespaces: ['*']}}]})], want: {decision: 'ALLOW'}},
  {name: 'DENY notPrincipals [x] denies everyone else, plaintext included', req: {fromPrincipal: undefined, plaintext: true}, objects: [denyRule({from: [{source: {notPrincipals: ['cluster.local/ns/shop/sa/orders']}}]})], want: {decision: 'DENY'}},
  {name: 'DENY notPrincipals [x] lets x through', req: {fromPrincipal: 'cluster.local/ns/shop/sa/orders'}, objects: [denyRule({from: [{source: {notPrincipals: ['cluster.local/ns/shop/sa/orders']}}]})], want: {decision: 'ALLOW'}},
  {name: 'ALLOW namespaces ["*"] + notNamespaces [foo] rejects plaintext (the bulletin fix)', req: {fromPrincipal: undefined, plaintext: true}, objects: [allowRule({from: [{source: {namespaces: ['*'], notNamespaces: ['foo']}}]})], want: {decision: 'DENY'}},
  {name: 'fields in one source are ANDed', objects: [allowRule({from: [{source: {namespaces: ['shop'], principals: ['cluster.local/ns/shop/sa/payments']}}]})], want: {decision: 'DENY'}},
  {name: 'sources in from are ORed', objects: [allowRule({from: [{source: {namespaces: ['ops']}}, {source: {principals: [FRONTEND]}}]})], want: {decision: 'ALLOW'}},
  {name: 'serviceAccounts match namespace/name of the peer', objects: [allowRule({from: [{source: {serviceAccounts: ['shop/frontend']}}]})], want: {decision: 'ALLOW'}},
  {name: 'ipBlocks CIDR match', req: {sourceIp: '10.1.2.3'}, objects: [allowRule({from: [{source: {ipBlocks: ['10.1.0.0/16']}}]})], want: {decision: 'ALLOW'}},
  {name: 'ipBlocks single IP mismatch', req: {sourceIp: '10.1.2.3'}, objects: [allowRule({from: [{source: {ipBlocks: ['10.1.2.4']}}]})], want: {decision: 'DENY'}},
  {name: 'ipBlocks without a source IP do not match', objects: [allowRule({from: [{source: {ipBlocks: ['10.0.0.0/8']}}]})], want: {decision: 'DENY'}},
  {name: 'notIpBlocks excludes a block', req: {sourceIp: '203.0.113.4'}, objects: [denyRule({from: [{source: {notIpBlocks: ['10.0.0.0/8']}}]})], want: {decision: 'DENY'}},
  {name: 'IPv6 ipBlocks', req: {sourceIp: '2001:db8::1'}, objects: [allowRule({from: [{source: {ipBlocks: ['2001:db8::/32']}}]})], want: {decision: 'ALLOW'}},
  {name: 'remoteIpBlocks use --remote-ip', req: {sourceIp: '10.0.0.1', remoteIp: '198.51.100.7'}, objects: [denyRule({from: [{source: {remoteIpBlocks: ['198.51.100.0/24']}}]})], want: {decision: 'DENY'}},
  {name: 'remote IP defaults to the source IP', req: {sourceIp: '198.51.100.7'}, objects: [denyRule({from: [{source: {remoteIpBlocks: ['198.51.100.0/24']}}]})], want: {decision: 'DENY'}},
  {name: 'requestPrincipals match the JWT identity', req: {requestPrincipal: 'https://issuer.example.com/alice'}, objects: [allowRule({from: [{source: {requestPrincipals: ['https://issuer.example.com/*']}}]})], want: {decision: 'ALLOW'}},
  {name: 'requestPrincipals ["*"] requires a JWT', objects: [allowRule({from: [{source: {requestPrincipals: ['*']}}]})], want: {decision: 'DENY'}},
  {name: 'DENY notRequestPrincipals ["*"] rejects requests without JWT on /admin', req: {path: '/admin'}, objects: [denyRule({from: [{source: {notRequestPrincipals: ['*']}}], to: [{operation: {paths: ['/admin']}}]})], want: {decision: 'DENY'}},
  // --- operation: hosts, ports, methods, paths
  {name: 'methods exact', req: {method: 'POST'}, objects: [allowRule({to: [{operation: {methods: ['POST']}}]})], want: {decision: 'ALLOW'}},
  {name: 'notMethods', req: {method: 'POST'}, objects: [allowRule({to: [{operation: {notMethods: ['POST']}}]})], want: {decision: 'DENY'}},
  {name: 'paths prefix', req: {path: '/orders/17'}, objects: [allowRule({to: [{operation: {paths: ['/orders/*']}}]})], want: {decision: 'ALLOW'}},
  {name: 'paths exact does not match a longer path', req: {path: '/orders/17'}, objects: [allowRule({to: [{operation: {paths: ['/orders']}}]})], want: {decision: 'DENY'}},
  {name: 'paths suffix', req: {path: '/api/v1/info'}, objects: [allowRule({to: [{operation: {paths: ['*/info']}}]})], want: {decision: 'ALLOW'}},
  {name: 'paths ignore the query string', req: {path: '/orders?page=2'}, objects: [allowRule({to: [{operation: {paths: ['/orders']}}]})], want: {decision: 'ALLOW'}},
  {name: 'paths template {*} matches one segment', req: {path: '/orders/17/items'}, objects: [allowRule({to: [{operation: {paths: ['/orders/{*}/items']}}]})], want: {decision: 'ALLOW'}},
  {name: 'paths template {*} does not span segments', req: {path: '/orders/1/2/items'}, objects: [allowRule({to: [{operation: {paths: ['/orders/{*}/items']}}]})], want: {decision: 'DENY'}},
  {name: 'paths template {**} matches the rest', req: {path: '/orders/1/2/items'}, objects: [allowRule({to: [{operation: {paths: ['/orders/{**}']}}]})], want: {decision: 'ALLOW'}},
  {name: 'notPaths', req: {path: '/healthz'}, objects: [allowRule({to: [{operation: {notPaths: ['/healthz']}}]})], want: {decision: 'DENY'}},
  {name: 'hosts are case-insensitive', req: {host: 'Orders.Shop.svc.cluster.local'}, objects: [allowRule({to: [{operation: {hosts: ['orders.shop.svc.cluster.local']}}]})], want: {decision: 'ALLOW'}},
  {name: 'hosts exact does not match host:port (use host:* as Istio advises)', req: {host: 'orders.shop:80'}, objects: [allowRule({to: [{operation: {hosts: ['orders.shop']}}]})], want: {decision: 'DENY'}},
  {name: 'hosts prefix host:*', req: {host: 'orders.shop:80'}, objects: [allowRule({to: [{operation: {hosts: ['orders.shop:*']}}]})], want: {decision: 'ALLOW'}},
  {name: 'ports exact', req: {port: 8080}, objects: [allowRule({to: [{operation: {ports: ['8080']}}]})], want: {decision: 'ALLOW'}},
  {name: 'ports do not support prefix matching', req: {port: 8080}, objects: [allowRule({to: [{operation: {ports: ['80*']}}]})], want: {decision: 'DENY'}},
  {name: 'notPorts', req: {port: 9090}, objects: [denyRule({to: [{operation: {notPorts: ['8080']}}]})], want: {decision: 'DENY'}},
  {name: 'fields in one operation are ANDed', req: {method: 'GET', path: '/admin'}, objects: [allowRule({to: [{operation: {methods: ['GET'], paths: ['/orders*']}}]})], want: {decision: 'DENY'}},
  {name: 'operations in to are ORed', req: {method: 'POST', path: '/data'}, objects: [allowRule({to: [{operation: {methods: ['GET'], paths: ['/info*']}}, {operation: {methods: ['POST'], paths: ['/data']}}]})], want: {decision: 'ALLOW'}},
  {name: 'from, to and when of a rule are ANDed', req: {method: 'GET'}, objects: [allowRule({from: [{source: {principals: [FRONTEND]}}], to: [{operation: {methods: ['POST']}}]})], want: {decision: 'DENY'}},
  // --- when conditions
  {name: 'when request.headers[...] (header names are case-insensitive)', req: {headers: {'X-Version': 'v2'}}, objects: [allowRule({when: [{key: 'request.headers[x-version]', values: ['v1', 'v2']}]})], want: {decision: 'ALLOW'}},
  {name: 'when request.headers prefix value', req: {headers: {'user-agent': 'Mozilla/5.0'}}, objects: [allowRule({when: [{key: 'request.headers[User-Agent]', values: ['Mozilla/*']}]})], want: {decision: 'ALLOW'}},
  {name: 'when notValues', req: {headers: {'x-env': 'prod'}}, objects: [allowRule({when: [{key: 'request.headers[x-env]', notValues: ['prod']}]})], want: {decision: 'DENY'}},
  {name: 'when conditions are ANDed', req: {headers: {'x-a': '1'}}, objects: [allowRule({when: [{key: 'request.headers[x-a]', values: ['1']}, {key: 'request.headers[x-b]', values: ['2']}]})], want: {decision: 'DENY'}},
  {name: 'when source.namespace', objects: [allowRule({when: [{key: 'source.namespace', values: ['shop']}]})], want: {decision: 'ALLOW'}},
  {name: 'when source.principal', objects: [denyRule({when: [{key: 'source.principal', values: [FRONTEND]}]})], want: {decision: 'DENY'}},
  {name: 'when source.ip CIDR', req: {sourceIp: '10.2.3.4'}, objects: [allowRule({when: [{key: 'source.ip', values: ['10.2.0.0/16']}]})], want: {decision: 'ALLOW'}},
  {name: 'when remote.ip', req: {remoteIp: '192.0.2.1'}, objects: [denyRule({when: [{key: 'remote.ip', values: ['192.0.2.0/24']}]})], want: {decision: 'DENY'}},
  {name: 'when destination.ip', req: {destinationIp: '10.9.0.5'}, objects: [allowRule({when: [{key: 'destination.ip', values: ['10.9.0.0/16']}]})], want: {decision: 'ALLOW'}},
  {name: 'when destination.port', req: {port: 443}, objects: [allowRule({when: [{key: 'destination.port', values: ['80', '443']}]})], want: {decision: 'ALLOW'}},
  {name: 'when connection.sni', req: {sni: 'www.example.com'}, objects: [allowRule({when: [{key: 'connection.sni', values: ['*.example.com']}]})], want: {decision: 'ALLOW'}},
  {name: 'when request.auth.principal', req: {requestPrincipal: 'issuer.example.com/subject-admin'}, objects: [allowRule({when: [{key: 'request.auth.principal', values: ['issuer.example.com/subject-admin']}]})], want: {decision: 'ALLOW'}},
  {name: 'when request.auth.claims[iss] (from the request principal)', req: {requestPrincipal: 'https://accounts.google.com/alice'}, objects: [allowRule({when: [{key: 'request.auth.claims[iss]', values: ['https://accounts.google.com']}]})], want: {decision: 'ALLOW'}},
  {name: 'when a list claim matches if any element matches', req: {jwtClaims: {groups: ['dev', 'admin']}}, objects: [allowRule({when: [{key: 'request.auth.claims[groups]', values: ['admin']}]})], want: {decision: 'ALLOW'}},
  {name: 'when nested claims', req: {jwtClaims: {'realm[role]': 'ops'}}, objects: [allowRule({when: [{key: 'request.auth.claims[realm][role]', values: ['ops']}]})], want: {decision: 'ALLOW'}},
  {name: 'when request.auth.audiences', req: {jwtClaims: {aud: ['a.example.com', 'b.example.com']}}, objects: [allowRule({when: [{key: 'request.auth.audiences', values: ['b.example.com']}]})], want: {decision: 'ALLOW'}},
  {name: 'when request.auth.presenter', req: {jwtClaims: {azp: 'client-1'}}, objects: [allowRule({when: [{key: 'request.auth.presenter', values: ['client-2']}]})], want: {decision: 'DENY'}},
  {name: 'an experimental key cannot be evaluated offline: ALLOW fails closed', objects: [allowRule({when: [{key: 'experimental.envoy.filters.network.mysql_proxy[db.table]', values: ['[update]']}]})], want: {decision: 'DENY'}},
  {name: 'an experimental key cannot be evaluated offline: DENY fails closed', objects: [denyRule({when: [{key: 'experimental.envoy.filters.network.mysql_proxy[db.table]', values: ['[update]']}]})], want: {decision: 'DENY', policy: 'shop/deny'}},
  // --- TCP: HTTP-only fields
  {name: 'TCP: an ALLOW rule with HTTP-only fields never matches', req: {tcp: true, method: undefined, path: undefined, port: 27017}, objects: [allowRule({to: [{operation: {methods: ['GET'], ports: ['27017']}}]})], want: {decision: 'DENY'}},
  {name: 'TCP: an ALLOW rule with only TCP fields matches', req: {tcp: true, method: undefined, path: undefined, port: 27017}, objects: [allowRule({from: [{source: {principals: [FRONTEND]}}], to: [{operation: {ports: ['27017']}}]})], want: {decision: 'ALLOW'}},
  {name: 'TCP: a DENY rule ignores HTTP-only fields (treated as matching)', req: {tcp: true, method: undefined, path: undefined, port: 8080}, objects: [denyRule({to: [{operation: {methods: ['POST'], ports: ['8080']}}]})], want: {decision: 'DENY', policy: 'shop/deny'}},
  {name: 'TCP: the DENY still needs its TCP fields to match', req: {tcp: true, method: undefined, path: undefined, port: 9090}, objects: [denyRule({to: [{operation: {methods: ['POST'], ports: ['8080']}}]})], want: {decision: 'ALLOW'}},
  // --- mTLS before authorization
  {name: 'plaintext to a STRICT workload is refused before authorization', req: {fromPrincipal: undefined, plaintext: true}, objects: [pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), ap('shop', 'allow-all', {rules: [{}]})], want: {decision: 'DENY', policy: 'istio-system/default', reason: /STRICT/}},
  {name: 'plaintext to a PERMISSIVE port of a STRICT workload reaches authorization', req: {fromPrincipal: undefined, plaintext: true, port: 9090}, objects: [pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, portLevelMtls: {9090: {mode: 'PERMISSIVE'}}})], want: {decision: 'ALLOW', policy: null}},
  {name: 'mTLS DISABLE: the peer identity is not available to policies', objects: [pa('shop', 'default', {mtls: {mode: 'DISABLE'}}), allowRule({from: [{source: {principals: [FRONTEND]}}]})], want: {decision: 'DENY'}},
]

describe('authz evaluate (table)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const inv = inventoryOf([deployment('shop', 'orders', ORDERS_LABELS, 'orders'), ...c.objects], {rootNamespace: c.root})
      const {request} = buildRequest({...base, ...c.req} as RequestInput)
      const d = evaluate(readPolicies(inv), request, inv, {customVerdict: c.custom})
      assert.equal(d.decision, c.want.decision, `${d.reason}\n${JSON.stringify(d.trace, null, 1)}`)
      if (c.want.policy !== undefined) assert.equal(d.policy, c.want.policy)
      if (c.want.rule !== undefined) assert.equal(d.rule, c.want.rule)
      if (c.want.reason) assert.match(d.reason, c.want.reason)
    })
  }
})

describe('authz evaluate (trace and reporting)', () => {
  it('traces every policy with its scope and per-rule reasons', () => {
    const inv = inventoryOf([allowRule({to: [{operation: {methods: ['POST']}}]}), ap('billing', 'other', {rules: [{}]})])
    const {request} = buildRequest(base)
    const d = evaluate(readPolicies(inv), request, inv)
    assert.equal(d.trace.length, 2)
    const allow = d.trace.find((t) => t.policy === 'shop/allow')!
    assert.equal(allow.applies, true)
    assert.equal(allow.result, 'no-match')
    assert.match(allow.rules[0]!.why.join('\n'), /operation\.methods \["POST"\] vs "GET": no/)
    const other = d.trace.find((t) => t.policy === 'billing/other')!
    assert.equal(other.applies, false)
    assert.match(other.scope, /namespace billing/)
  })

  it('reports what a dry-run policy would have changed', () => {
    const inv = inventoryOf([ap('shop', 'trial', {action: 'DENY', rules: [{}]}, {'istio.io/dry-run': 'true'})])
    const d = evaluate(readPolicies(inv), buildRequest(base).request, inv)
    assert.equal(d.decision, 'ALLOW')
    assert.deepEqual({decision: d.dryRun?.decision, policy: d.dryRun?.policy}, {decision: 'DENY', policy: 'shop/trial'})
    assert.equal(d.trace[0]!.dryRun, true)
    assert.equal(d.trace[0]!.result, 'match')
  })

  it('lists matching AUDIT policies without changing the decision', () => {
    const inv = inventoryOf([ap('shop', 'audit-get', {action: 'AUDIT', rules: [{to: [{operation: {methods: ['GET']}}]}]}), ap('shop', 'allow-nothing', {})])
    const d = evaluate(readPolicies(inv), buildRequest(base).request, inv)
    assert.deepEqual(d.audited, ['shop/audit-get'])
    assert.equal(d.decision, 'DENY')
  })

  it('leaves invalid policies out and says so in the trace', () => {
    const inv = inventoryOf([ap('shop', 'deny-all', {action: 'DENY', rules: [{}]})])
    const d = evaluate(readPolicies(inv, () => true), buildRequest(base).request, inv)
    assert.equal(d.decision, 'ALLOW')
    assert.equal(d.trace[0]!.result, 'invalid')
  })

  it('evaluates CUSTOM first, then DENY, then ALLOW, then AUDIT in the trace', () => {
    const inv = inventoryOf([ap('shop', 'a', {action: 'AUDIT', rules: [{}]}), ap('shop', 'b', {rules: [{}]}), ap('shop', 'c', {action: 'DENY', rules: [{to: [{operation: {methods: ['PUT']}}]}]}), ap('shop', 'd', {action: 'CUSTOM', provider: {name: 'p'}, rules: [{}]})])
    const d = evaluate(readPolicies(inv), buildRequest(base).request, inv)
    assert.deepEqual(d.trace.map((t) => t.action), ['CUSTOM', 'DENY', 'ALLOW', 'AUDIT'])
  })
})

describe('authz evaluate (JWT notes)', () => {
  const ra = (ns: string, issuer: string, selector?: object) => ({apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: {name: 'jwt', namespace: ns}, spec: {...(selector ? {selector} : {}), jwtRules: [{issuer, jwksUri: 'https://example.com/jwks'}]}})
  const jwtReq = {...base, requestPrincipal: 'https://issuer.example.com/alice'}
  it('notes a JWT without any RequestAuthentication', () => {
    const inv = inventoryOf([])
    assert.match(evaluate([], buildRequest(jwtReq).request, inv).notes.join('\n'), /no RequestAuthentication/)
  })
  it('notes an issuer no RequestAuthentication accepts', () => {
    const inv = inventoryOf([ra('shop', 'https://other.example.com')])
    assert.match(evaluate([], buildRequest(jwtReq).request, inv).notes.join('\n'), /accepts issuer https:\/\/issuer\.example\.com/)
  })
  it('is quiet when a mesh-wide RequestAuthentication accepts the issuer', () => {
    const inv = inventoryOf([ra('istio-system', 'https://issuer.example.com')])
    assert.deepEqual(evaluate([], buildRequest(jwtReq).request, inv).notes, [])
  })
})

describe('authz evaluate (plaintext with mTLS-only fields)', () => {
  it('warns that mTLS-only fields saw an empty identity when mTLS is not STRICT', () => {
    const inv = inventoryOf([allowRule({from: [{source: {notNamespaces: ['foo']}}]})])
    const d = evaluate(readPolicies(inv), buildRequest({...base, fromPrincipal: undefined, plaintext: true}).request, inv)
    assert.equal(d.decision, 'ALLOW')
    assert.match(d.notes.join('\n'), /mTLS-only fields of shop\/allow .*2021-004/)
  })
  it('stays quiet for mTLS requests', () => {
    const inv = inventoryOf([allowRule({from: [{source: {notNamespaces: ['foo']}}]})])
    assert.deepEqual(evaluate(readPolicies(inv), buildRequest(base).request, inv).notes, [])
  })
})
