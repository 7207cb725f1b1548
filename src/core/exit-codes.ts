/**
 * The one exit-code table of cleat. Shown in every command's --help and in the README.
 * The exit code never depends on the output format.
 */
export const EXIT = {
  OK: 0,
  BUG: 1,
  CANARY_PAUSED: 10,
  CANARY_ROLLED_BACK_ANALYSIS: 20,
  CANARY_ROLLED_BACK_PREFLIGHT: 21,
  CANARY_LOCK_HELD: 30,
  CANARY_DRIFT: 31,
  USAGE: 64,
  INPUT: 65,
  FINDINGS: 79,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export interface ExitCodeRow {
  code: ExitCode
  meaning: string
  /** Commands the code applies to; empty = all. */
  commands: readonly string[]
}

export const EXIT_CODE_TABLE: readonly ExitCodeRow[] = [
  {code: EXIT.OK, meaning: 'success: nothing at or above --fail-on; canary completed (promoted); authz expectation met', commands: []},
  {code: EXIT.BUG, meaning: 'internal error (a bug in cleat: please report it)', commands: []},
  {code: EXIT.CANARY_PAUSED, meaning: 'canary stopped at a manual gate or paused (no data, --on-no-data pause, or pause)', commands: ['canary']},
  {code: EXIT.CANARY_ROLLED_BACK_ANALYSIS, meaning: 'canary rolled back after failed analysis', commands: ['canary']},
  {code: EXIT.CANARY_ROLLED_BACK_PREFLIGHT, meaning: 'canary rolled back after a failed preflight or drift', commands: ['canary']},
  {code: EXIT.CANARY_LOCK_HELD, meaning: 'canary lock held by another run', commands: ['canary']},
  {code: EXIT.CANARY_DRIFT, meaning: 'canary drift: live weights differ from the last written ones', commands: ['canary']},
  {code: EXIT.USAGE, meaning: 'usage error: unknown flag, bad flag value, missing required input (also without a TTY)', commands: []},
  {code: EXIT.INPUT, meaning: 'an input could not be read (missing, unreadable, not text, too large)', commands: []},
  {code: EXIT.FINDINGS, meaning: 'findings at or above --fail-on (validate, vm verify), or an authz --expect mismatch', commands: []},
]

/** The EXIT CODES help section, for the given command id (topic words separated by spaces). */
export function exitCodeHelp(commandId?: string): string {
  const topic = commandId?.split(' ')[0]
  const rows = EXIT_CODE_TABLE.filter((r) => r.commands.length === 0 || (topic !== undefined && r.commands.includes(topic)))
  return rows.map((r) => `${String(r.code).padStart(3)}  ${r.meaning}`).join('\n')
}
