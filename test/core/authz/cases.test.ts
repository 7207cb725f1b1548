import assert from 'node:assert/strict'
import path from 'node:path'
import {describe, it} from 'node:test'
import {formatCasesText, parseCases, readCasesFile, runCases} from '../../../src/core/authz/cases.js'
import {loadAuthzInputs} from '../../../src/core/authz/load.js'
import {InputError} from '../../../src/core/errors.js'
import {REPO_ROOT} from '../../helpers/paths.js'
import {assertSchema} from './schemas.js'

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'authz')

describe('authz --cases', () => {
  it('runs the shop suite: every case passes', async () => {
    const inputs = await loadAuthzInputs([path.join(FIXTURES, 'shop')], {cwd: REPO_ROOT})
    const file = await readCasesFile(path.join(FIXTURES, 'shop-cases.yaml'), REPO_ROOT)
    const report = runCases(file, inputs.policies, inputs.inventory)
    assert.deepEqual(report.summary, {total: 5, passed: 5, failed: 0}, formatCasesText(report))
    assert.equal(report.cases[0]!.policy, 'shop/orders-api')
    assertSchema('cases-report', report)
    assertSchema('cases', file)
  })

  it('reports a failing case with expected and actual decisions', async () => {
    const inputs = await loadAuthzInputs([path.join(FIXTURES, 'shop')], {cwd: REPO_ROOT})
    const file = parseCases('cases:\n  - {name: wrong, toNamespace: shop, toLabels: {app: payments}, fromPrincipal: cluster.local/ns/shop/sa/orders, expect: deny}\n', 'x.yaml')
    const report = runCases(file, inputs.policies, inputs.inventory)
    assert.deepEqual(report.summary, {total: 1, passed: 0, failed: 1})
    assert.match(formatCasesText(report), /^FAIL  wrong: expected DENY, got ALLOW \(allowed by ALLOW policy shop\/payments-from-orders rule 0\)/)
  })

  for (const [name, text, pattern] of [
    ['not YAML', 'cases: [', /not valid YAML/],
    ['no cases', 'defaults: {}\n', /must have required property 'cases'/],
    ['a case without expect', 'cases:\n  - {name: a, toNamespace: shop}\n', /expect/],
    ['an unknown field (typo)', 'cases:\n  - {name: a, toNamespace: shop, expect: allow, methd: GET}\n', /methd/],
    ['a bad expectation', 'cases:\n  - {name: a, toNamespace: shop, expect: maybe}\n', /must be equal to one of/],
  ] as const) {
    it(`refuses ${name} (exit 65, CL6003)`, () => {
      assert.throws(() => parseCases(text, 'cases.yaml'), (e: unknown) => e instanceof InputError && e.exitCode === 65 && /CL6003/.test(e.message) && pattern.test(e.message))
    })
  }

  it('refuses a case without a destination namespace', async () => {
    const inputs = await loadAuthzInputs([path.join(FIXTURES, 'shop')], {cwd: REPO_ROOT})
    assert.throws(() => runCases(parseCases('cases:\n  - {name: a, expect: allow}\n', 'c.yaml'), inputs.policies, inputs.inventory), /toNamespace is missing/)
  })

  it('names the case and the field when a request value is bad', async () => {
    const inputs = await loadAuthzInputs([path.join(FIXTURES, 'shop')], {cwd: REPO_ROOT})
    assert.throws(() => runCases(parseCases('cases:\n  - {name: bad-ip, toNamespace: shop, sourceIp: nope, expect: allow}\n', 'c.yaml'), inputs.policies, inputs.inventory), /case 'bad-ip': sourceIp 'nope' is not an IP/)
  })

  it('refuses a missing cases file', async () => {
    await assert.rejects(readCasesFile('does-not-exist.yaml', REPO_ROOT), (e: unknown) => e instanceof InputError && /cannot read the cases file/.test(e.message))
  })
})
