#!/usr/bin/env node
// Runs one test layer with Node's own test runner: `node scripts/run-tests.js core|commands|e2e [--node BIN]`.
// Node 20 does not expand globs in `node --test`, so the files are listed here.
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const layer = args[0]
const nodeBin = args.includes('--node') ? args[args.indexOf('--node') + 1] : process.execPath
const layers = {core: '.test.ts', commands: '.test.ts', e2e: '.test.js'}
if (!(layer in layers)) {
  console.error(`usage: run-tests.js ${Object.keys(layers).join('|')} [--node BIN]`)
  process.exit(64)
}

function find(dir, suffix) {
  const out = []
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...find(full, suffix))
    else if (e.name.endsWith(suffix)) out.push(path.relative(root, full))
  }
  return out.sort()
}

const files = find(path.join(root, 'test', layer), layers[layer])
if (files.length === 0) {
  console.error(`no test files in test/${layer}`)
  process.exit(1)
}
const loader = layers[layer] === '.test.ts' ? ['--import', 'tsx'] : []
const r = spawnSync(nodeBin, [...loader, '--test', '--test-reporter=spec', ...files], {cwd: root, stdio: 'inherit'})
process.exit(r.status ?? 1)
