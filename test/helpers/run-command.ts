import {existsSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {Config, type Command} from '@oclif/core'
import {setOutputSink} from '../../src/cli/io.js'
import {REPO_ROOT} from './paths.js'

export interface CommandRun {
  stdout: string
  stderr: string
  exitCode: number
}

let config: Config | undefined

/**
 * Run a cleat command in-process from the TypeScript sources (`runCommand`-style), capturing what it
 * writes through the CLI's output sink, and return the exit code the process would have had.
 * `args` starts with the command id words, e.g. ['vm', 'bootstrap', '--vm-name', 'web-1'].
 */
export async function runCli(args: string[], opts: {stdin?: string} = {}): Promise<CommandRun> {
  config ??= await Config.load({root: REPO_ROOT})
  let n = args.length
  let file = ''
  for (; n > 0; n--) {
    if (args.slice(0, n).some((a) => a.startsWith('-'))) continue
    const base = path.join(REPO_ROOT, 'src', 'commands', ...args.slice(0, n))
    file = [base + '.ts', path.join(base, 'index.ts')].find((f) => existsSync(f)) ?? ''
    if (file) break
  }
  if (n === 0) throw new Error(`no command file for ${args.join(' ')}`)
  const mod = (await import(pathToFileURL(file).href)) as {default: typeof Command & (new (argv: string[], config: Config) => Command)}
  let stdout = ''
  let stderr = ''
  const restore = setOutputSink({out: (t) => (stdout += t), err: (t) => (stderr += t)})
  const before = process.exitCode
  process.exitCode = undefined
  let exitCode = 0
  try {
    if (opts.stdin !== undefined) throw new Error('stdin is only supported in end-to-end tests (runBin)')
    mod.default.id = args.slice(0, n).join(' ')
    await mod.default.run(args.slice(n), config)
    exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    const exit = (e as {oclif?: {exit?: number}}).oclif?.exit
    exitCode = typeof exit === 'number' ? exit : 1
    stderr += String((e as Error).message)
  } finally {
    process.exitCode = before
    restore()
  }
  return {stdout, stderr, exitCode}
}
