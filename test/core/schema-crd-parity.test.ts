// Parity between our hand-written Istio spec schemas (schemas/istio/*.json) and the upstream CRDs,
// plus a check of the schemas against the shared conformance corpus.
//
// The upstream data lives in ../shared/istio-corpus (outside the repo). It is read in place and the
// tests skip when it is absent.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {loadAll} from 'js-yaml';
import {Ajv2020} from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type {ValidateFunction} from 'ajv';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schemaDir = path.join(repoRoot, 'schemas/istio');
const corpusDir = path.resolve(repoRoot, '../shared/istio-corpus');
const crdFile = path.join(corpusDir, 'crds/istio-crds.yaml');
const haveCrds = fs.existsSync(crdFile);
const haveCorpus = fs.existsSync(path.join(corpusDir, 'invalid/expected.json'));

const BASE = 'https://cleat.dev/schemas/istio/';
const KIND_FILES: Record<string, string> = {
  VirtualService: 'virtualservice.json',
  DestinationRule: 'destinationrule.json',
  Gateway: 'gateway.json',
  ServiceEntry: 'serviceentry.json',
  Sidecar: 'sidecar.json',
  WorkloadEntry: 'workloadentry.json',
  WorkloadGroup: 'workloadgroup.json',
  AuthorizationPolicy: 'authorizationpolicy.json',
  PeerAuthentication: 'peerauthentication.json',
  RequestAuthentication: 'requestauthentication.json',
};
const GROUPS = new Set(['networking.istio.io', 'security.istio.io']);

type Aspect = 'missing' | 'extra' | 'type' | 'nullable' | 'enum' | 'required' | 'constraints' | 'exclusive' | 'closed';

/**
 * Places where our schema knowingly differs from the CRD's structural schema. Each entry must be
 * used by the comparison (a stale entry fails the test), so this list stays honest.
 */
const DELIBERATE_DIFFERENCES: Array<{kind: string; path: string; aspect: Aspect; reason: string}> = [
  // (none at present; add entries as {kind, path, aspect, reason})
];

type Json = Record<string, unknown>;
interface Facts {
  type: string;
  nullable: boolean;
  enum?: string;
  required?: string;
  constraints?: string;
  exclusive?: string;
  /** An object with named properties that rejects unknown fields. */
  closed: boolean;
}

const CONSTRAINT_KEYS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'format',
] as const;

function sortedJson(values: Iterable<unknown> | undefined): string | undefined {
  if (values === undefined) return undefined;
  const list = [...values].map((v) => JSON.stringify(v)).sort();
  return list.length === 0 ? undefined : `[${list.join(',')}]`;
}

function pairs(group: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < group.length; i++)
    for (let j = i + 1; j < group.length; j++) out.push([group[i], group[j]].sort().join('|'));
  return out;
}

function constraintsOf(c: Record<string, unknown>): string | undefined {
  const keys = Object.keys(c).sort();
  if (keys.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, c[k]])));
}

// ---------------------------------------------------------------------------------------------
// CRD side: OpenAPI v3 structural schema.

/** Reads the "at most one of" groups the CRD generator writes as oneOf/allOf of `required` lists. */
function crdExclusiveGroups(node: Json): string[][] {
  const groups: string[][] = [];
  const fromOneOf = (oneOf: unknown) => {
    if (!Array.isArray(oneOf)) return;
    const names: string[] = [];
    for (const branch of oneOf as Json[]) {
      if (Array.isArray(branch.required)) names.push(...(branch.required as string[]));
    }
    if (names.length > 0) groups.push(names);
  };
  fromOneOf(node.oneOf);
  if (Array.isArray(node.allOf)) for (const b of node.allOf as Json[]) fromOneOf(b.oneOf);
  return groups;
}

function walkCrd(node: Json, p: string, out: Map<string, Facts>): void {
  let type = typeof node.type === 'string' ? node.type : 'any';
  if (node['x-kubernetes-int-or-string'] === true) type = 'int-or-string';
  const c: Record<string, unknown> = {};
  for (const k of CONSTRAINT_KEYS) if (node[k] !== undefined) c[k] = node[k];
  // protobuf scalar formats: int32 is a range; double/int64 add nothing for JSON.
  if (c.format === 'int32') {
    c.minimum ??= -2147483648;
    c.maximum ??= 2147483647;
  }
  if (c.format !== 'byte') delete c.format;
  const exclusivePairs = crdExclusiveGroups(node).flatMap(pairs);
  out.set(p, {
    type,
    nullable: node.nullable === true,
    enum: sortedJson(node.enum as unknown[] | undefined),
    required: sortedJson(node.required as string[] | undefined),
    constraints: constraintsOf(c),
    exclusive: sortedJson(exclusivePairs),
    // The API server rejects unknown fields (strict field validation) unless the node preserves them.
    closed: node.properties !== undefined && node['x-kubernetes-preserve-unknown-fields'] !== true,
  });
  if (node.properties) for (const [k, v] of Object.entries(node.properties as Record<string, Json>)) walkCrd(v, `${p}.${k}`, out);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    walkCrd(node.additionalProperties as Json, `${p}.*`, out);
  if (node.items) walkCrd(node.items as Json, `${p}[]`, out);
}

// ---------------------------------------------------------------------------------------------
// Our side: JSON Schema 2020-12 with $ref into common.json.

function loadSchemas(): Map<string, Json> {
  const byId = new Map<string, Json>();
  for (const f of fs.readdirSync(schemaDir).filter((n) => n.endsWith('.json'))) {
    const s = JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as Json;
    byId.set(s.$id as string, s);
  }
  return byId;
}

function resolveRef(ref: string, base: string, byId: Map<string, Json>): {node: Json; base: string} {
  const url = new URL(ref, base);
  const docId = url.href.replace(/#.*$/, '');
  const doc = byId.get(docId);
  assert.ok(doc, `unresolvable $ref ${ref} from ${base}`);
  let node: unknown = doc;
  const pointer = decodeURIComponent(url.hash.replace(/^#/, ''));
  for (const part of pointer.split('/').slice(1)) node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  assert.ok(node && typeof node === 'object', `dangling $ref ${ref}`);
  return {node: node as Json, base: docId};
}

interface Flat {
  types: Set<string>;
  enum?: unknown[];
  required: Set<string>;
  constraints: Record<string, unknown>;
  properties: Map<string, {node: Json; base: string}>;
  additional?: {node: Json; base: string};
  items?: {node: Json; base: string};
  exclusive: Set<string>;
  closed: boolean;
}

/** Flattens a schema node: follows $ref and allOf/anyOf/oneOf branches and merges what they say. */
function flatten(node: Json, base: string, byId: Map<string, Json>, acc?: Flat): Flat {
  const f: Flat = acc ?? {types: new Set(), required: new Set(), constraints: {}, properties: new Map(), exclusive: new Set(), closed: false};
  if (typeof node.$ref === 'string') {
    const r = resolveRef(node.$ref, base, byId);
    flatten(r.node, r.base, byId, f);
  }
  if (typeof node.type === 'string') f.types.add(node.type);
  if (Array.isArray(node.type)) for (const t of node.type) f.types.add(t as string);
  if (Array.isArray(node.enum)) f.enum = node.enum;
  if (Array.isArray(node.required)) for (const r of node.required) f.required.add(r as string);
  for (const k of CONSTRAINT_KEYS) if (node[k] !== undefined) f.constraints[k] = node[k];
  if (node.properties)
    for (const [k, v] of Object.entries(node.properties as Record<string, Json>)) f.properties.set(k, {node: v, base});
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    f.additional = {node: node.additionalProperties as Json, base};
  if (node.additionalProperties === false) f.closed = true;
  if (node.items && typeof node.items === 'object') f.items = {node: node.items as Json, base};
  // "at most one of" written as dependentSchemas: {a: {properties: {b: false}}}
  if (node.dependentSchemas)
    for (const [a, dep] of Object.entries(node.dependentSchemas as Record<string, Json>))
      for (const [b, s] of Object.entries((dep.properties ?? {}) as Record<string, unknown>))
        if (s === false) f.exclusive.add([a, b].sort().join('|'));
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const)
    if (Array.isArray(node[key])) for (const b of node[key] as Json[]) flatten(b, base, byId, f);
  return f;
}

function walkOurs(node: Json, base: string, p: string, byId: Map<string, Json>, out: Map<string, Facts>): void {
  const f = flatten(node, base, byId);
  const nullable = f.types.delete('null');
  let type = f.types.size === 0 ? 'any' : [...f.types].sort().join('|');
  if (type === 'integer|string') type = 'int-or-string';
  const c = {...f.constraints};
  // maxProperties: 1 on an object with named properties is our "at most one of" marker.
  if (c.maxProperties === 1 && f.properties.size > 1) {
    delete c.maxProperties;
    for (const pr of pairs([...f.properties.keys()])) f.exclusive.add(pr);
  }
  out.set(p, {
    type,
    nullable,
    enum: sortedJson(f.enum),
    required: sortedJson(f.required.size ? f.required : undefined),
    constraints: constraintsOf(c),
    exclusive: sortedJson(f.exclusive.size ? f.exclusive : undefined),
    closed: f.closed && f.properties.size > 0,
  });
  for (const [k, v] of f.properties) walkOurs(v.node, v.base, `${p}.${k}`, byId, out);
  if (f.additional) walkOurs(f.additional.node, f.additional.base, `${p}.*`, byId, out);
  if (f.items) walkOurs(f.items.node, f.items.base, `${p}[]`, byId, out);
}

function loadCrdSpecs(): Map<string, Json> {
  const specs = new Map<string, Json>();
  for (const doc of loadAll(fs.readFileSync(crdFile, 'utf8')) as Json[]) {
    const spec = doc.spec as Json;
    const kind = (spec.names as Json).kind as string;
    const v1 = (spec.versions as Json[]).find((v) => v.name === 'v1');
    assert.ok(v1, `${kind}: no v1 version`);
    const root = (v1.schema as Json).openAPIV3Schema as Json;
    specs.set(kind, (root.properties as Json).spec as Json);
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------

test('schemas match the CRD structural schemas (paths, types, enums, required, limits)', {skip: !haveCrds && 'istio corpus absent'}, (t) => {
  const byId = loadSchemas();
  const crds = loadCrdSpecs();
  assert.deepEqual([...crds.keys()].sort(), Object.keys(KIND_FILES).sort(), 'CRD file holds exactly our 10 kinds');
  const used = new Set<number>();
  const problems: string[] = [];
  const excused = (kind: string, p: string, aspect: Aspect) => {
    const i = DELIBERATE_DIFFERENCES.findIndex((d) => d.kind === kind && d.path === p && d.aspect === aspect);
    if (i >= 0) used.add(i);
    return i >= 0;
  };
  let total = 0;
  for (const [kind, file] of Object.entries(KIND_FILES)) {
    const theirs = new Map<string, Facts>();
    walkCrd(crds.get(kind)!, 'spec', theirs);
    const ours = new Map<string, Facts>();
    walkOurs(byId.get(BASE + file)!, BASE + file, 'spec', byId, ours);
    for (const p of theirs.keys()) if (!ours.has(p) && !excused(kind, p, 'missing')) problems.push(`${kind} ${p}: missing from our schema`);
    for (const p of ours.keys()) if (!theirs.has(p) && !excused(kind, p, 'extra')) problems.push(`${kind} ${p}: not in the CRD`);
    let compared = 0;
    for (const [p, a] of theirs) {
      const b = ours.get(p);
      if (!b) continue;
      compared++;
      for (const aspect of ['type', 'nullable', 'enum', 'required', 'constraints', 'exclusive', 'closed'] as const) {
        if (a[aspect] !== b[aspect] && !excused(kind, p, aspect))
          problems.push(`${kind} ${p}: ${aspect} differs: CRD ${String(a[aspect])} / ours ${String(b[aspect])}`);
      }
    }
    total += compared;
    t.diagnostic(`${kind}: ${compared} paths compared (CRD ${theirs.size}, ours ${ours.size})`);
  }
  t.diagnostic(`total: ${total} paths compared, ${DELIBERATE_DIFFERENCES.length} deliberate differences`);
  const stale = DELIBERATE_DIFFERENCES.filter((_, i) => !used.has(i)).map((d) => `${d.kind} ${d.path} ${d.aspect}`);
  assert.deepEqual(stale, [], 'every DELIBERATE_DIFFERENCES entry must still apply');
  assert.deepEqual(problems, []);
});

// ---------------------------------------------------------------------------------------------
// Corpus checks.

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

function compileAll(): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true});
  addFormats(ajv);
  for (const s of loadSchemas().values()) ajv.addSchema(s);
  const validators = new Map<string, ValidateFunction>();
  for (const file of fs.readdirSync(schemaDir).filter((n) => n.endsWith('.json'))) {
    const v = ajv.getSchema(BASE + file);
    assert.ok(v, `${file} compiles`);
  }
  for (const [kind, file] of Object.entries(KIND_FILES)) {
    const v = ajv.getSchema(`${BASE}${file}#/$defs/Resource`);
    assert.ok(v, `${file}#/$defs/Resource compiles`);
    validators.set(kind, v);
  }
  return validators;
}

function inScope(doc: unknown): doc is Json {
  if (!doc || typeof doc !== 'object') return false;
  const d = doc as Json;
  const group = typeof d.apiVersion === 'string' ? d.apiVersion.split('/')[0] : '';
  return GROUPS.has(group) && typeof d.kind === 'string' && d.kind in KIND_FILES;
}

function resourcesIn(file: string): Json[] {
  const out: Json[] = [];
  const visit = (doc: unknown) => {
    if (doc && typeof doc === 'object' && (doc as Json).kind === 'List' && Array.isArray((doc as Json).items))
      for (const item of (doc as Json).items as unknown[]) visit(item);
    else if (inScope(doc)) out.push(doc);
  };
  for (const doc of loadAll(fs.readFileSync(file, 'utf8'))) visit(doc);
  return out;
}

function errorsOf(v: ValidateFunction, doc: Json): string[] {
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** valid/index.json notes: docs that only fail because of the noted CRD-version or YAML-parser caveat. */
function excusedValidDoc(note: string | undefined, doc: Json): boolean {
  if (!note) return false;
  const spec = (doc.spec ?? {}) as Json;
  if (note.includes('presence') && Array.isArray(spec.jwtRules))
    return (spec.jwtRules as Json[]).some((r) => r && typeof r === 'object' && 'presence' in r);
  if (note.includes('001:db8') && Array.isArray(spec.addresses))
    return (spec.addresses as unknown[]).some((a) => typeof a !== 'string');
  return false;
}

/**
 * How the API server words its OpenAPI (structural) failures. CEL rule failures use the rule's own
 * message instead, e.g. "port must be between 1-65535".
 */
const STRUCTURAL_MESSAGE = /Required value|Unsupported value|in body should|must be of type|Duplicate value|Too many/;
/** "Invalid value" is used both for range violations and for CEL failures; decided per case. */
const INVALID_VALUE_CASES: Record<string, 'structural' | 'cel'> = {
  'destinationrule-bookinfo-ratings.yaml': 'structural', // warmup.minimumPercent > maximum 100
  'destinationrule-crd-bookinfo-ratings-2.yaml': 'structural', // warmup.aggression < minimum 0
  'workloadentry-bad-port-name.yaml': 'cel', // CEL rule on port-name map keys
};
/** Structural CRD failures JSON Schema cannot express (no custom keywords in our Ajv setup). */
const NOT_EXPRESSIBLE: Record<string, string> = {
  'serviceentry-duplicate-ports-name.yaml':
    'ports is a list-type map keyed by name; uniqueness by key has no JSON Schema keyword',
};

function isStructural(file: string, message: string | undefined): boolean {
  if (!message) return false;
  if (STRUCTURAL_MESSAGE.test(message)) return true;
  if (/Invalid value/.test(message)) {
    const verdict = INVALID_VALUE_CASES[file];
    assert.ok(verdict, `${file}: classify its "Invalid value" message in INVALID_VALUE_CASES`);
    return verdict === 'structural';
  }
  return false;
}

test('schemas compile in strict mode and agree with the corpus', {skip: !haveCorpus && 'istio corpus absent'}, (t) => {
  const validators = compileAll();
  const failures: string[] = [];

  // (a) valid/ files: every in-scope resource must validate.
  const index = JSON.parse(fs.readFileSync(path.join(corpusDir, 'valid/index.json'), 'utf8')) as Array<{file: string; notes?: string}>;
  const notes = new Map(index.map((e) => [e.file, e.notes]));
  let validDocs = 0;
  let excusedDocs = 0;
  for (const file of fs.readdirSync(path.join(corpusDir, 'valid')).filter((n) => n.endsWith('.yaml')).sort()) {
    for (const doc of resourcesIn(path.join(corpusDir, 'valid', file))) {
      const errs = errorsOf(validators.get(doc.kind as string)!, doc);
      if (errs.length === 0) validDocs++;
      else if (excusedValidDoc(notes.get(file), doc)) excusedDocs++;
      else failures.push(`valid/${file} ${doc.kind}/${(doc.metadata as Json | undefined)?.name}: ${errs.join('; ')}`);
    }
  }

  // (a) valid-cases/: every case except the documented CRD-schema conflicts.
  const validCases = JSON.parse(fs.readFileSync(path.join(corpusDir, 'valid-cases/expected.json'), 'utf8')) as Array<{file: string; crdSchemaConflict?: unknown}>;
  let validCaseDocs = 0;
  let conflictsRejected = 0;
  for (const c of validCases) {
    for (const doc of resourcesIn(path.join(corpusDir, 'valid-cases', c.file))) {
      const errs = errorsOf(validators.get(doc.kind as string)!, doc);
      if (c.crdSchemaConflict) {
        if (errs.length > 0) conflictsRejected++;
        continue;
      }
      if (errs.length === 0) validCaseDocs++;
      else failures.push(`valid-cases/${c.file}: ${errs.join('; ')}`);
    }
  }

  // (b) invalid/: count what the schema alone rejects; structural crd-schema cases must all be rejected.
  const invalid = JSON.parse(fs.readFileSync(path.join(corpusDir, 'invalid/expected.json'), 'utf8')) as Array<{file: string; layer: string; expectedError?: string}>;
  let rejected = 0;
  let crdCases = 0;
  let crdRejected = 0;
  let structural = 0;
  for (const c of invalid) {
    const docs = resourcesIn(path.join(corpusDir, 'invalid', c.file));
    assert.equal(docs.length, 1, `invalid/${c.file} holds one resource`);
    const isRejected = errorsOf(validators.get(docs[0].kind as string)!, docs[0]).length > 0;
    if (isRejected) rejected++;
    if (!c.layer.startsWith('crd-schema')) continue;
    crdCases++;
    if (isRejected) crdRejected++;
    if (isStructural(c.file, c.expectedError) && !(c.file in NOT_EXPRESSIBLE)) {
      structural++;
      if (!isRejected) failures.push(`invalid/${c.file} should be rejected (${c.expectedError})`);
    }
  }

  t.diagnostic(`valid/: ${validDocs} resources accepted, ${excusedDocs} excused by index.json notes`);
  t.diagnostic(`valid-cases/: ${validCaseDocs} accepted; ${conflictsRejected} of the crdSchemaConflict cases rejected`);
  t.diagnostic(`invalid/ crd-schema layer: ${crdRejected}/${crdCases} rejected by the schema alone (${structural} structural, all required)`);
  t.diagnostic(`invalid/ overall: ${rejected}/${invalid.length} rejected by the schema alone`);
  assert.deepEqual(failures, []);
  assert.ok(validDocs > 200 && validCaseDocs > 250, 'the corpus was actually exercised');
});
