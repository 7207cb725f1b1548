import assert from 'node:assert/strict'
import {test} from 'node:test'
import {decide, toScalar} from '../../../src/core/canary/analysis.js'
import {
  applyJudgement,
  applyPause,
  applyPromote,
  applyResume,
  applyRollback,
  applyShift,
  decodeState,
  encodeState,
  lockHeldByOther,
  newState,
  nextAction,
  parseDuration,
  parseGates,
  parseSteps,
  withLock,
} from '../../../src/core/canary/state.js'
import type {CanaryState, CheckResult} from '../../../src/core/canary/types.js'
import {UsageError} from '../../../src/core/errors.js'
import {startOptions} from './fixtures/files.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

function fresh(steps = [30, 60, 100], gates: number[] = []): CanaryState {
  const o = startOptions({plan: {steps, gates, bakeSeconds: 60}})
  return newState({runId: 'r', target: {route: {index: 0, name: 'p'}, stable: o.stable, canary: o.canary}, plan: o.plan, analysis: o.analysis, snapshot: {stable: 100, canary: 0}, createdAnnotations: false, firstSplit: {stable: 70, canary: 30}, now: T0})
}

test('a run walks Baking → Passed → Baking … → Succeeded, one transition at a time', () => {
  let s = fresh()
  assert.equal(s.phase, 'Baking')
  assert.equal(s.bakeUntil, new Date(T0 + 60_000).toISOString())
  assert.equal(nextAction(s), 'judge')
  s = applyJudgement(s, {verdict: 'pass'}, [], T0 + 60_000)
  assert.equal(s.phase, 'Passed')
  assert.equal(nextAction(s), 'shift')
  s = applyShift(s, 1, {stable: 40, canary: 60}, T0 + 61_000)
  assert.deepEqual([s.phase, s.step, s.lastWrite.weights], ['Baking', 1, {stable: 40, canary: 60}])
  s = applyJudgement(s, {verdict: 'pass'}, [], T0 + 200_000)
  s = applyShift(s, 2, {stable: 0, canary: 100}, T0 + 201_000)
  s = applyJudgement(s, {verdict: 'pass'}, [], T0 + 300_000)
  assert.equal(s.phase, 'Succeeded')
  assert.equal(nextAction(s), 'done')
})

test('invalid transitions are rejected', () => {
  const s = fresh()
  assert.throws(() => applyShift(s, 0, {stable: 70, canary: 30}, T0), /bug: shift/)
  assert.throws(() => applyShift(s, 5, {stable: 0, canary: 100}, T0), /bug: shift/)
  const passed = applyJudgement(s, {verdict: 'pass'}, [], T0)
  assert.throws(() => applyJudgement(passed, {verdict: 'pass'}, [], T0), UsageError)
  const done = applyRollback(s, 'x', 20, T0)
  assert.throws(() => applyPause(done, 'user', T0), UsageError)
  assert.throws(() => applyPromote(done, T0), UsageError)
})

test('gates, no-data pauses, resume and promote', () => {
  const gated = applyJudgement(fresh([30, 100], [30]), {verdict: 'pass'}, [], T0)
  assert.deepEqual([gated.phase, gated.pause?.reason], ['Paused', 'gate'])
  assert.throws(() => applyResume(gated, T0), /promote/)
  assert.equal(applyPromote(gated, T0).phase, 'Passed')
  const nodata = applyJudgement(fresh(), {verdict: 'no-data', reason: 'r'}, [], T0)
  assert.deepEqual([nodata.phase, nodata.pause?.reason, nodata.pause?.resume], ['Paused', 'no-data', 'Baking'])
  const resumed = applyResume(nodata, T0 + 5000)
  assert.equal(resumed.phase, 'Baking')
  assert.equal(resumed.bakeUntil, new Date(T0 + 5000 + 60_000).toISOString(), 'the bake restarts')
  const paused = applyPause(applyJudgement(fresh(), {verdict: 'pass'}, [], T0), 'user', T0)
  assert.equal(applyResume(paused, T0).phase, 'Passed')
  const rb = applyRollback(fresh(), 'bad', 20, T0)
  assert.deepEqual([rb.phase, rb.lastWrite.weights, rb.lock], ['RolledBack', {stable: 100, canary: 0}, null])
})

test('locks: held, expired, ours', () => {
  const s = withLock(fresh(), 'a', T0 + 1000)
  assert.equal(lockHeldByOther(s, 'a', T0), null)
  assert.deepEqual(lockHeldByOther(s, 'b', T0)?.expired, false)
  assert.deepEqual(lockHeldByOther(s, 'b', T0 + 1000)?.expired, true)
})

test('the annotation round-trips and rejects foreign content', () => {
  const s = fresh()
  assert.deepEqual(decodeState(encodeState(s)), s)
  assert.ok(!encodeState(s).includes('\n'))
  assert.throws(() => decodeState('{nope'), /not valid JSON/)
  assert.throws(() => decodeState('{"v":2}'), /not a state/)
})

test('flag parsing: steps, gates, durations', () => {
  assert.deepEqual(parseSteps('30,100'), [30, 100])
  assert.deepEqual(parseSteps(' 5, 25 ,100'), [5, 25, 100])
  for (const bad of ['30', '100,30', '0,100', '30,30,100', '30,x,100', '30,101']) assert.throws(() => parseSteps(bad), UsageError, bad)
  assert.deepEqual(parseGates('30', [30, 100]), [30])
  assert.throws(() => parseGates('40', [30, 100]), UsageError)
  assert.equal(parseDuration('2m'), 120)
  assert.equal(parseDuration('1m30s'), 90)
  assert.equal(parseDuration('500ms'), 0.5)
  assert.equal(parseDuration('45'), 45)
  assert.throws(() => parseDuration('2 minutes'), UsageError)
})

const r = (verdict: CheckResult['verdict']): CheckResult => ({name: verdict, verdict, value: null, threshold: 'x'})

test('verdicts: fail beats all; no data follows the policy; invalid never passes', () => {
  assert.equal(decide([r('pass'), r('fail')], ['pause', 'pass']).verdict, 'fail')
  assert.equal(decide([r('pass'), r('no-data')], ['pause', 'pause']).verdict, 'no-data')
  assert.equal(decide([r('no-data')], ['fail']).verdict, 'fail')
  assert.equal(decide([r('no-data')], ['pass']).verdict, 'pass')
  assert.equal(decide([r('invalid')], ['pass']).verdict, 'no-data', 'several series or provider errors never pass')
  assert.equal(decide([r('invalid')], ['fail']).verdict, 'fail')
  assert.equal(decide([], []).verdict, 'pass')
})

test('toScalar: one finite sample is a value; empty, NaN, ±Inf are no data; several series are invalid', () => {
  assert.deepEqual(toScalar([{labels: {}, value: '99.5'}]), {kind: 'value', value: 99.5})
  assert.equal(toScalar([]).kind, 'no-data')
  for (const v of ['NaN', '+Inf', '-Inf']) assert.equal(toScalar([{labels: {}, value: v}]).kind, 'no-data', v)
  assert.equal(toScalar([{labels: {a: '1'}, value: '1'}, {labels: {a: '2'}, value: '1'}]).kind, 'invalid')
})
