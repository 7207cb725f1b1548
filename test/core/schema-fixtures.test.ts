// Hand-written fixtures for schemas/istio/*.json. Unlike schema-crd-parity.test.ts these need no
// external corpus, so they always run. Each case names the error we expect (instancePath + keyword),
// which is what the diagnostics layer turns into a message.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Ajv2020} from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type {ErrorObject, ValidateFunction} from 'ajv';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schemaDir = path.join(repoRoot, 'schemas/istio');
const BASE = 'https://cleat.dev/schemas/istio/';
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const ajv = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true});
addFormats(ajv);
for (const f of fs.readdirSync(schemaDir).filter((n) => n.endsWith('.json')))
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as object);

function validator(ref: string): ValidateFunction {
  const v = ajv.getSchema(BASE + ref);
  assert.ok(v, `schema ${ref} compiles`);
  return v;
}

function errors(ref: string, data: unknown): Array<Pick<ErrorObject, 'instancePath' | 'keyword'>> {
  const v = validator(ref);
  return v(data) ? [] : (v.errors ?? []).map((e) => ({instancePath: e.instancePath, keyword: e.keyword}));
}

const dest = {host: 'reviews'};

test('every schema file has the expected $id, draft and title', () => {
  for (const f of fs.readdirSync(schemaDir).filter((n) => n.endsWith('.json'))) {
    const s = JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as Record<string, unknown>;
    assert.equal(s.$id, BASE + f);
    assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(typeof s.title, 'string');
  }
});

test('minimal valid specs are accepted', () => {
  const ok: Array<[string, unknown]> = [
    ['virtualservice.json', {hosts: ['reviews'], http: [{match: [{uri: {prefix: '/v1'}, headers: {end: {}}}], route: [{destination: {...dest, subset: 'v1', port: {number: 9080}}, weight: 100}]}]}],
    ['destinationrule.json', {host: 'reviews', trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: 'c', ttl: '0s'}, ringHash: {minimumRingSize: 1024}}}, tls: {mode: 'ISTIO_MUTUAL', insecureSkipVerify: null}}, subsets: [{name: 'v1', labels: {version: 'v1'}}]}],
    ['gateway.json', {selector: {istio: 'ingressgateway'}, servers: [{port: {number: 443, name: 'https', protocol: 'HTTPS'}, hosts: ['*'], tls: {mode: 'SIMPLE', credentialName: 'cert'}}]}],
    ['serviceentry.json', {hosts: ['example.com'], ports: [{number: 443, name: 'https', protocol: 'TLS'}], resolution: 'DNS', location: 'MESH_EXTERNAL'}],
    ['sidecar.json', {egress: [{hosts: ['./*', 'istio-system/*']}], outboundTrafficPolicy: {mode: 'REGISTRY_ONLY'}}],
    ['workloadentry.json', {address: '10.0.0.1', ports: {http: 8080}, labels: {app: 'vm'}, serviceAccount: 'sa'}],
    ['workloadgroup.json', {template: {serviceAccount: 'sa'}, probe: {httpGet: {port: 8080, path: '/ready'}, periodSeconds: 5}}],
    ['authorizationpolicy.json', {action: 'ALLOW', rules: [{from: [{source: {principals: ['cluster.local/ns/a/sa/b']}}], to: [{operation: {methods: ['GET'], ports: ['8080']}}], when: [{key: 'request.auth.claims[iss]', values: ['x']}]}]}],
    ['peerauthentication.json', {selector: {matchLabels: {app: 'a'}}, mtls: {mode: 'STRICT'}, portLevelMtls: {'8080': {mode: 'DISABLE'}}}],
    ['requestauthentication.json', {targetRefs: [{kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw'}], jwtRules: [{issuer: 'https://issuer', jwksUri: 'https://issuer/jwks', fromHeaders: [{name: 'Authorization', prefix: 'Bearer '}]}]}],
  ];
  for (const [ref, spec] of ok) assert.deepEqual(errors(ref, spec), [], ref);
});

test('structural defects are reported at the offending field', () => {
  const bad: Array<[string, unknown, Array<{instancePath: string; keyword: string}>]> = [
    // unknown field
    ['virtualservice.json', {http: [{routes: []}]}, [{instancePath: '/http/0', keyword: 'additionalProperties'}]],
    // wrong scalar type (weight is an int32)
    ['virtualservice.json', {http: [{route: [{destination: dest, weight: '50'}]}]}, [{instancePath: '/http/0/route/0/weight', keyword: 'type'}]],
    // StringMatch: at most one of exact/prefix/regex
    ['virtualservice.json', {http: [{match: [{uri: {exact: '/a', prefix: '/a'}}]}]}, [{instancePath: '/http/0/match/0/uri', keyword: 'maxProperties'}]],
    // abort: at most one of httpStatus/grpcStatus/http2Error; the error sits on the conflicting field
    ['virtualservice.json', {http: [{fault: {abort: {httpStatus: 500, grpcStatus: 'UNAVAILABLE'}}}]}, [{instancePath: '/http/0/fault/abort/grpcStatus', keyword: 'false schema'}]],
    // redirect: port and derivePort are exclusive
    ['virtualservice.json', {http: [{redirect: {port: 8080, derivePort: 'FROM_REQUEST_PORT'}}]}, [{instancePath: '/http/0/redirect/derivePort', keyword: 'false schema'}]],
    // required destination.host
    ['virtualservice.json', {tcp: [{route: [{destination: {subset: 'v1'}}]}]}, [{instancePath: '/tcp/0/route/0/destination', keyword: 'required'}]],
    // base64 body
    ['virtualservice.json', {http: [{directResponse: {status: 200, body: {bytes: 'not base64!'}}}]}, [{instancePath: '/http/0/directResponse/body/bytes', keyword: 'format'}]],
    // enum: Istio's enum names only, no integers
    ['destinationrule.json', {host: 'r', trafficPolicy: {loadBalancer: {simple: 'ROUND_ROBBIN'}}}, [{instancePath: '/trafficPolicy/loadBalancer/simple', keyword: 'enum'}]],
    ['destinationrule.json', {host: 'r', trafficPolicy: {tls: {mode: 2}}}, [{instancePath: '/trafficPolicy/tls/mode', keyword: 'type'}, {instancePath: '/trafficPolicy/tls/mode', keyword: 'enum'}]],
    // simple vs consistentHash
    ['destinationrule.json', {host: 'r', trafficPolicy: {loadBalancer: {simple: 'RANDOM', consistentHash: {useSourceIp: true}}}}, [{instancePath: '/trafficPolicy/loadBalancer/consistentHash', keyword: 'false schema'}]],
    // ranges
    ['destinationrule.json', {host: 'r', trafficPolicy: {loadBalancer: {warmup: {duration: '10s', minimumPercent: 150}}}}, [{instancePath: '/trafficPolicy/loadBalancer/warmup/minimumPercent', keyword: 'maximum'}]],
    ['destinationrule.json', {host: 'r', trafficPolicy: {outlierDetection: {outlierDetectionHttpErrorCodes: [700]}}}, [{instancePath: '/trafficPolicy/outlierDetection/outlierDetectionHttpErrorCodes/0', keyword: 'maximum'}]],
    ['destinationrule.json', {host: 'r', trafficPolicy: {connectionPool: {tcp: {maxConnections: 2147483648}}}}, [{instancePath: '/trafficPolicy/connectionPool/tcp/maxConnections', keyword: 'maximum'}]],
    // missing required host
    ['destinationrule.json', {subsets: []}, [{instancePath: '', keyword: 'required'}]],
    // maxItems on tlsCertificates
    ['gateway.json', {servers: [{port: {number: 443, name: 'h', protocol: 'HTTPS'}, hosts: ['*'], tls: {mode: 'SIMPLE', tlsCertificates: [{}, {}, {}]}}]}, [{instancePath: '/servers/0/tls/tlsCertificates', keyword: 'maxItems'}]],
    // null is accepted only where the CRD says nullable
    ['gateway.json', {servers: null}, [{instancePath: '/servers', keyword: 'type'}]],
    ['serviceentry.json', {hosts: []}, [{instancePath: '/hosts', keyword: 'minItems'}]],
    ['sidecar.json', {workloadSelector: {labels: {app: 'x'.repeat(64)}}}, [{instancePath: '/workloadSelector/labels/app', keyword: 'maxLength'}]],
    ['workloadentry.json', {ports: {http: -1}}, [{instancePath: '/ports/http', keyword: 'minimum'}]],
    ['workloadgroup.json', {}, [{instancePath: '', keyword: 'required'}]],
    ['workloadgroup.json', {template: {}, probe: {httpGet: {port: 80}, tcpSocket: {port: 80}}}, [{instancePath: '/probe/tcpSocket', keyword: 'false schema'}]],
    ['authorizationpolicy.json', {action: 'REJECT'}, [{instancePath: '/action', keyword: 'enum'}]],
    ['peerauthentication.json', {portLevelMtls: {}}, [{instancePath: '/portLevelMtls', keyword: 'minProperties'}]],
    ['requestauthentication.json', {targetRef: {kind: 'Gate way', name: 'gw'}}, [{instancePath: '/targetRef/kind', keyword: 'pattern'}]],
    ['requestauthentication.json', {jwtRules: [null]}, [{instancePath: '/jwtRules/0', keyword: 'type'}]],
  ];
  for (const [ref, spec, expected] of bad) assert.deepEqual(errors(ref, spec), expected, `${ref} ${JSON.stringify(spec).slice(0, 120)}`);
});

test('Resource wrappers check apiVersion, kind and whether spec is required', () => {
  const se = 'serviceentry.json#/$defs/Resource';
  assert.deepEqual(errors(se, {apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {name: 'x'}}), [{instancePath: '', keyword: 'required'}]);
  assert.deepEqual(errors(se, {apiVersion: 'networking.istio.io/v1beta1', kind: 'ServiceEntry', metadata: {name: 'x'}, spec: {hosts: ['a.com']}}), []);
  assert.deepEqual(errors('virtualservice.json#/$defs/Resource', {apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: {}}), []);
  assert.deepEqual(errors('peerauthentication.json#/$defs/Resource', {apiVersion: 'networking.istio.io/v1', kind: 'PeerAuthentication', spec: {}}), [{instancePath: '/apiVersion', keyword: 'enum'}]);
});

test('descriptions reach ajv errors through the schema', () => {
  // The renderer can show the description of the failing schema node; check one survives compilation.
  const v = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true, verbose: true});
  addFormats(v);
  for (const f of fs.readdirSync(schemaDir).filter((n) => n.endsWith('.json')))
    v.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as object);
  const validate = v.getSchema(BASE + 'peerauthentication.json')!;
  assert.equal(validate({mtls: {mode: 'ON'}}), false);
  const err = validate.errors!.find((e) => e.keyword === 'enum')!;
  assert.match(String((err.parentSchema as {description?: string}).description), /Mutual TLS mode/);
});
