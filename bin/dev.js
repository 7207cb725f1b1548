#!/usr/bin/env -S node --import tsx
// Development entry: runs a command straight from the TypeScript sources in src/commands (no build).
// Help for the whole CLI and unknown commands fall back to the normal oclif dispatch.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {Config, execute, flush, handle} from '@oclif/core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const argv = process.argv.slice(2)
let n = argv.findIndex((a) => a.startsWith('-'))
if (n < 0) n = argv.length
const commandFile = (k) => {
  const base = path.join(root, 'src', 'commands', ...argv.slice(0, k))
  return [base + '.ts', path.join(base, 'index.ts')].find((f) => existsSync(f))
}
for (; n > 0; n--) if (commandFile(n)) break

if (n === 0 || argv.includes('--help') || argv.includes('-h')) {
  await execute({development: true, dir: import.meta.url})
} else {
  try {
    const config = await Config.load({root})
    const mod = await import(pathToFileURL(commandFile(n)).href)
    mod.default.id = argv.slice(0, n).join(' ')
    await mod.default.run(argv.slice(n), config)
    await flush()
  } catch (error) {
    await handle(error)
  }
}
