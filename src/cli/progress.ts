import cliProgress from 'cli-progress'

export interface Progress {
  tick(done: number, total: number, label: string): void
  stop(): void
}

const NOOP: Progress = {tick: () => undefined, stop: () => undefined}

/** A progress bar on stderr, only when stderr is a TTY and there is more than one item. */
export function createProgress(total: number, title: string): Progress {
  if (!process.stderr.isTTY || total < 2 || process.env.TERM === 'dumb') return NOOP
  const bar = new cliProgress.SingleBar(
    {stream: process.stderr, format: `${title} [{bar}] {value}/{total} {label}`, hideCursor: true, clearOnComplete: true, etaBuffer: 50},
    cliProgress.Presets.shades_classic,
  )
  bar.start(total, 0, {label: ''})
  return {
    tick: (done, _total, label) => bar.update(done, {label}),
    stop: () => bar.stop(),
  }
}
