import {runGenerate} from './helpers.js'
const r = await runGenerate(process.argv.slice(2))
process.stdout.write(r.stdout); process.stderr.write(r.stderr); console.error('exit', r.exitCode)
