import {mkdtemp} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {Config} from '@oclif/core'
import {setOutputSink} from '../../../src/cli/io.js'
import Generate from '../../../src/commands/generate/index.js'
import {validateSources} from '../../../src/core/validate/engine.js'
import {REPO_ROOT} from '../../helpers/paths.js'
import {runCli, type CommandRun} from '../../helpers/run-command.js'

let config: Config | undefined

/** `cleat generate [KIND] …` in-process. runCli finds KIND commands; the topic command itself is src/commands/generate/index.ts. */
export async function runGenerate(args: string[]): Promise<CommandRun> {
  if (args[0] && !args[0].startsWith('-')) return runCli(['generate', ...args])
  config ??= await Config.load({root: REPO_ROOT})
  let stdout = ''
  let stderr = ''
  const restore = setOutputSink({out: (t) => (stdout += t), err: (t) => (stderr += t)})
  const before = process.exitCode
  process.exitCode = undefined
  let exitCode = 0
  try {
    Generate.id = 'generate'
    await Generate.run(args, config)
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

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'cleat-generate-'))
}

/**
 * Findings of cleat's validation engine on generated text: schemas and Istio's rules (the defaults);
 * with `analysis`, also the cross-resource analyzers (which need the rest of the mesh in the input).
 */
export function validateText(text: string, opts: {file?: string; analysis?: boolean} = {}) {
  return validateSources([{file: opts.file ?? 'generated.yaml', text}], opts.analysis ? {} : {analyzers: []})
}
