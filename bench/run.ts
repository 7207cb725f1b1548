// `npm run bench`: runs every bench/<area>.ts in one process run and prints one table.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import type {BenchModule, BenchSection} from './types.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const AREAS = ['validate', 'vm', 'canary']
const only = process.argv.slice(2)

const sections: BenchSection[] = []
for (const area of AREAS) {
  if (only.length > 0 && !only.includes(area)) continue
  const file = path.join(here, `${area}.ts`)
  if (!existsSync(file)) continue
  process.stderr.write(`bench: ${area}…\n`)
  const mod = (await import(pathToFileURL(file).href)) as BenchModule
  sections.push(await mod.run())
}

let failed = 0
for (const s of sections) {
  console.log(`\n## ${s.title}\n`)
  console.log('| measure | value | goal | met |\n|---|---|---|---|')
  for (const r of s.rows) {
    if (r.met === false) failed++
    console.log(`| ${r.name} | ${r.value} | ${r.goal ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'} |`)
  }
  for (const n of s.notes ?? []) console.log(`\n${n}`)
}
console.log(`\n${failed === 0 ? 'all goals met' : `${failed} goal(s) not met`}`)
