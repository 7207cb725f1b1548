import chalk, {Chalk} from 'chalk'
import type {Severity} from '../core/diagnostics/diagnostic.js'
import type {TextStyle} from '../core/diagnostics/format/text.js'

/** Colour only on a TTY, never with NO_COLOR (any value) or TERM=dumb, and not with --no-color. */
export function colorEnabled(stream: NodeJS.WriteStream, flagNoColor = false): boolean {
  if (flagNoColor) return false
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

export function textStyle(enabled: boolean): TextStyle {
  if (!enabled) return {severity: (_s, t) => t, file: (t) => t, dim: (t) => t}
  const c = new Chalk({level: chalk.level || 1})
  const sev: Record<Severity, (t: string) => string> = {error: c.red.bold, warning: c.yellow, info: c.cyan}
  return {severity: (s, t) => sev[s](t), file: c.underline, dim: c.dim}
}

/** Where command output goes: the process streams, or buffers in command tests. */
export interface OutputSink {
  out(text: string): void
  err(text: string): void
}

const PROCESS_SINK: OutputSink = {out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t)}
let sink: OutputSink = PROCESS_SINK

/** Redirect command output (command tests); returns a function that restores the previous sink. */
export function setOutputSink(next: OutputSink): () => void {
  const prev = sink
  sink = next
  return () => {
    sink = prev
  }
}

/** Results only. */
export function writeOut(text: string): void {
  sink.out(text)
}

/** Progress, warnings, notes, prompts' context. */
export function writeErr(text: string): void {
  sink.err(text.endsWith('\n') ? text : text + '\n')
}

/** Read all of standard input to EOF (oclif's own stdin helper gives up after a few milliseconds). */
export async function readAllStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks)
}

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}
