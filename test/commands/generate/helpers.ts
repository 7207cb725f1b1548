import {mkdtemp} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {validateSources} from '../../../src/core/validate/engine.js'
import {runCli, type CommandRun} from '../../helpers/run-command.js'

/** `cleat generate [KIND] …` in-process (KIND commands and the topic command src/commands/generate/index.ts). */
export async function runGenerate(args: string[]): Promise<CommandRun> {
  return runCli(['generate', ...args])
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
