import {execa} from 'execa'
import type {CheckCommandResult} from './analysis.js'

/**
 * Run a --check command through the shell (execa). Exit 0 passes; anything else, a signal or the
 * timeout fails. The canary context is passed as CLEAT_CANARY_* environment variables.
 */
export async function runCheckCommand(command: string, env: Record<string, string>, timeoutSeconds: number): Promise<CheckCommandResult> {
  const r = await execa(command, [], {shell: true, reject: false, all: true, env, timeout: timeoutSeconds * 1000, stdin: 'ignore'})
  return {exitCode: typeof r.exitCode === 'number' ? r.exitCode : 1, output: String(r.all ?? ''), timedOut: r.timedOut}
}
