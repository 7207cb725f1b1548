// Runs the built CLI (bin/run.js) as a real child process, for end-to-end tests.
import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(REPO_ROOT, 'bin', 'run.js')

/** @returns {Promise<{stdout: string, stderr: string, exitCode: number}>} */
export function runBin(args, {input, env, cwd} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: cwd ?? REPO_ROOT, env: {...process.env, NO_COLOR: '1', ...env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({stdout, stderr, exitCode: code ?? -1}))
    if (input !== undefined) child.stdin.end(input)
    else child.stdin.end()
  })
}
