import assert from 'node:assert/strict'
import {test} from 'node:test'
import v8 from 'node:v8'
import vm from 'node:vm'
import {validateSources} from '../../src/core/validate/engine.js'

// Strings a parser returns are often slices that keep their whole file's text alive. What cleat
// remembers beyond one run (shared kind/namespace names, rule memos) must not hold on to a file.

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

function heapMiB(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

function resource(unique: string, filler: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: namespace-${unique}}
spec:
  hosts: ['*.wildcard-${unique}.example.com']
  http:
  - route:
    - destination: {host: reviews}
${filler}`
}

/** In a function of its own, so that no stack slot of the test still points at the text afterwards. */
function validateBigFile(i: number): void {
  // an 8 MiB comment makes the file's text large; the namespace and host are new each time
  const filler = `# ${String(i).repeat(8 * 2 ** 20)}\n`
  const report = validateSources([{file: `big-${i}.yaml`, text: resource(`run-${i}-${'z'.repeat(20)}`, filler)}])
  assert.equal(report.summary.resources, 1)
}

test('a validated file is not kept alive by names and memo keys remembered after the run', () => {
  // warm-up: schemas, rules and code are loaded once and stay
  validateSources([{file: 'warm.yaml', text: resource('warm-up', '')}])
  const before = heapMiB()
  for (let i = 0; i < 3; i++) validateBigFile(i)
  const grown = heapMiB() - before
  assert.ok(grown < 8, `the heap kept ${grown.toFixed(1)} MiB after three 8 MiB files were validated and dropped`)
})
