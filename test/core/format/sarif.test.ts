/**
 * SARIF 2.1.0 output. The official JSON schema (sarif-schema-2.1.0.json) cannot be downloaded here, so
 * this test checks the output against the parts of that schema we use, written from the OASIS SARIF
 * 2.1.0 specification: required properties, types, enums, and — as the official schema does with
 * additionalProperties: false — no properties outside those the specification defines for each object.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {Ajv} from 'ajv'
import addFormats from 'ajv-formats'
import {CATALOG, docUrl} from '../../../src/core/diagnostics/catalog/index.js'
import {FINGERPRINT_VERSION} from '../../../src/core/diagnostics/format/fingerprint.js'
import {toSarif} from '../../../src/core/diagnostics/format/sarif.js'
import {fixtureReport, fixtureText} from './fixture.js'

const props = (names: string[], extra: Record<string, unknown> = {}) => ({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(names.map((n) => [n, extra[n] ?? {}])),
})
const message = {...props(['text', 'markdown', 'id', 'arguments', 'properties'], {text: {type: 'string'}}), anyOf: [{required: ['text']}, {required: ['id']}]}
const mfMessage = {...props(['text', 'markdown', 'properties'], {text: {type: 'string'}, markdown: {type: 'string'}}), required: ['text']}
const propertyBag = {type: 'object', properties: {tags: {type: 'array', uniqueItems: true, items: {type: 'string'}}}}
const artifactLocation = props(['uri', 'uriBaseId', 'index', 'description', 'properties'], {uri: {type: 'string', format: 'uri-reference'}, uriBaseId: {type: 'string'}, description: message})
const region = props(['startLine', 'startColumn', 'endLine', 'endColumn', 'charOffset', 'charLength', 'byteOffset', 'byteLength', 'snippet', 'message', 'sourceLanguage', 'properties'], {
  startLine: {type: 'integer', minimum: 1},
  startColumn: {type: 'integer', minimum: 1},
})
const logicalLocation = props(['name', 'index', 'fullyQualifiedName', 'decoratedName', 'parentIndex', 'kind', 'properties'], {fullyQualifiedName: {type: 'string'}, kind: {type: 'string'}})
const location = props(['id', 'physicalLocation', 'logicalLocations', 'message', 'annotations', 'relationships', 'properties'], {
  physicalLocation: {...props(['address', 'artifactLocation', 'region', 'contextRegion', 'properties'], {artifactLocation, region}), anyOf: [{required: ['address']}, {required: ['artifactLocation']}]},
  logicalLocations: {type: 'array', minItems: 0, uniqueItems: true, items: logicalLocation},
})
const level = {enum: ['none', 'note', 'warning', 'error']}
const rule = {
  ...props(['id', 'deprecatedIds', 'guid', 'deprecatedGuids', 'name', 'deprecatedNames', 'shortDescription', 'fullDescription', 'messageStrings', 'defaultConfiguration', 'helpUri', 'help', 'relationships', 'properties'], {
    id: {type: 'string'},
    name: {type: 'string'},
    shortDescription: mfMessage,
    fullDescription: mfMessage,
    help: mfMessage,
    helpUri: {type: 'string', format: 'uri'},
    defaultConfiguration: props(['enabled', 'level', 'rank', 'parameters', 'properties'], {level}),
    properties: propertyBag,
  }),
  required: ['id'],
}
const result = {
  ...props(
    ['ruleId', 'ruleIndex', 'rule', 'kind', 'level', 'message', 'analysisTarget', 'locations', 'guid', 'correlationGuid', 'occurrenceCount', 'partialFingerprints', 'fingerprints', 'stacks', 'codeFlows', 'graphs', 'graphTraversals', 'relatedLocations', 'suppressions', 'baselineState', 'rank', 'attachments', 'hostedViewerUri', 'workItemUris', 'provenance', 'fixes', 'taxa', 'webRequest', 'webResponse', 'properties'],
    {
      ruleId: {type: 'string'},
      ruleIndex: {type: 'integer', minimum: -1},
      level,
      message,
      locations: {type: 'array', minItems: 0, items: location},
      partialFingerprints: {type: 'object', additionalProperties: {type: 'string'}},
      properties: propertyBag,
    },
  ),
  required: ['message'],
}
const toolComponent = {
  ...props(
    ['guid', 'name', 'organization', 'product', 'productSuite', 'shortDescription', 'fullDescription', 'fullName', 'version', 'semanticVersion', 'dottedQuadFileVersion', 'releaseDateUtc', 'downloadUri', 'informationUri', 'globalMessageStrings', 'notifications', 'rules', 'taxa', 'locations', 'language', 'contents', 'isComprehensive', 'localizedDataSemanticVersion', 'minimumRequiredLocalizedDataSemanticVersion', 'associatedComponent', 'translationMetadata', 'supportedTaxonomies', 'properties'],
    {name: {type: 'string'}, version: {type: 'string'}, informationUri: {type: 'string', format: 'uri'}, rules: {type: 'array', uniqueItems: true, items: rule}},
  ),
  required: ['name'],
}
const run = {
  ...props(
    ['tool', 'invocations', 'conversion', 'language', 'versionControlProvenance', 'originalUriBaseIds', 'artifacts', 'logicalLocations', 'graphs', 'results', 'automationDetails', 'runAggregates', 'baselineGuid', 'redactionTokens', 'defaultEncoding', 'defaultSourceLanguage', 'newlineSequences', 'columnKind', 'externalPropertyFileReferences', 'threadFlowLocations', 'taxonomies', 'addresses', 'translations', 'policies', 'webRequests', 'webResponses', 'specialLocations', 'properties'],
    {
      tool: {...props(['driver', 'extensions', 'properties'], {driver: toolComponent}), required: ['driver']},
      originalUriBaseIds: {type: 'object', additionalProperties: artifactLocation},
      results: {type: 'array', minItems: 0, items: result},
      columnKind: {enum: ['utf16CodeUnits', 'unicodeCodePoints']},
    },
  ),
  required: ['tool'],
}
const SARIF_SUBSET = {
  ...props(['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'], {$schema: {type: 'string', format: 'uri'}, version: {enum: ['2.1.0']}, runs: {type: ['array', 'null'], minItems: 0, items: run}}),
  required: ['version', 'runs'],
}

const ajv = new Ajv({allErrors: true, strict: false})
;(addFormats as unknown as (a: Ajv) => void)(ajv)
const validate = ajv.compile(SARIF_SUBSET)

describe('SARIF 2.1.0', () => {
  it('has the structure of SARIF 2.1.0 (required properties, types, enums, no unknown properties)', () => {
    const log = toSarif(fixtureReport())
    const ok = validate(JSON.parse(JSON.stringify(log)))
    assert.ok(ok, JSON.stringify(validate.errors, null, 2))
    assert.ok(log.runs[0]!.results.length > 0)
  })

  it('the structural check rejects what SARIF forbids (so it is a real check)', () => {
    const log = JSON.parse(JSON.stringify(toSarif(fixtureReport())))
    log.runs[0].results[0].level = 'info'
    assert.equal(validate(log), false)
    const log2 = JSON.parse(JSON.stringify(toSarif(fixtureReport())))
    log2.runs[0].results[0].severity = 'error'
    assert.equal(validate(log2), false)
  })

  it('describes every reported rule with help text and a documentation link from the catalog; results point at their rule', () => {
    const log = toSarif(fixtureReport())
    const rules = log.runs[0]!.tool.driver.rules
    for (const r of rules) {
      const e = CATALOG.find((x) => x.code === r.id)!
      assert.equal(r.helpUri, docUrl(r.id))
      assert.ok(r.help.text.startsWith(e.help))
      assert.ok(r.help.markdown.includes(docUrl(r.id)))
      assert.equal(r.shortDescription.text, e.title)
    }
    for (const res of log.runs[0]!.results) assert.equal(rules[res.ruleIndex]!.id, res.ruleId)
    const levels = new Set(log.runs[0]!.results.map((r) => r.level))
    assert.ok(levels.has('note') && levels.has('error'), 'info maps to note')
  })

  it('keeps partial fingerprints when lines move, and changes them when the finding changes', () => {
    const shifted = (prefix: string) => toSarif(fixtureReport(`${prefix}${fixtureText()}`, 'mesh.yaml'))
    const a = shifted('')
    const b = shifted('# a comment\n# and another\n\n')
    const fa = a.runs[0]!.results.map((r) => r.partialFingerprints[FINGERPRINT_VERSION])
    const fb = b.runs[0]!.results.map((r) => r.partialFingerprints[FINGERPRINT_VERSION])
    assert.deepEqual(fa, fb)
    assert.notDeepEqual(
      a.runs[0]!.results.map((r) => (r.locations![0] as {physicalLocation: {region: {startLine: number}}}).physicalLocation.region.startLine),
      b.runs[0]!.results.map((r) => (r.locations![0] as {physicalLocation: {region: {startLine: number}}}).physicalLocation.region.startLine),
    )
    assert.equal(new Set(fa).size, fa.length, 'fingerprints are unique within a run')
    assert.ok(fa.length > 0)
    const edited = toSarif(fixtureReport(fixtureText().replace('subset: v2', 'subset: v3'), 'mesh.yaml'))
    const fe = edited.runs[0]!.results.map((r) => r.partialFingerprints[FINGERPRINT_VERSION])
    assert.deepEqual(fe, fa, 'the same field with the same code keeps its fingerprint even if the message changes')
    const moved = toSarif(fixtureReport(fixtureText(), 'other.yaml')).runs[0]!.results.map((r) => r.partialFingerprints[FINGERPRINT_VERSION])
    assert.notDeepEqual(moved, fa, 'another file is another finding')
  })
})

