import {confirm, input, select} from '@inquirer/prompts'
import {UsageError} from '../core/errors.js'
import {checkParamValue, COMMAND_KINDS, loadTemplate, valueFromRaw, type GeneratorKind, type ParamSpec, type RawValue} from '../core/generate/index.js'

/**
 * Asking for missing generator values on a terminal. The questions come from the same parameter table
 * (templates/<kind>/params.schema.json) as the flags, and answers are checked by the same parsers and
 * checks, so a prompt accepts exactly what the flag accepts.
 */

export interface InputQuestion {
  message: string
  default?: string
  required?: boolean
  validate: (answer: string) => boolean | string
}

export interface SelectQuestion {
  message: string
  default?: string
  choices: {name: string; value: string; description?: string}[]
}

export interface ConfirmQuestion {
  message: string
  default?: boolean
}

/** What asks the questions: the terminal (prompts on stderr), or a test driver. */
export interface Asker {
  input(q: InputQuestion): Promise<string>
  select(q: SelectQuestion): Promise<string>
  confirm(q: ConfirmQuestion): Promise<boolean>
}

const CANCELLED = new Set(['ExitPromptError', 'CancelPromptError', 'AbortPromptError'])

/** A prompt the user left (Ctrl+C, closed terminal) ends the command as a usage error, not a crash. */
export async function unlessCancelled<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer
  } catch (e) {
    if (e instanceof Error && CANCELLED.has(e.name)) throw new UsageError('cancelled at the prompt; nothing was generated')
    throw e
  }
}

/** @inquirer/prompts on stdin/stderr, so standard output carries only the generated resources. */
export const terminalAsker: Asker = {
  input: (q) => unlessCancelled(input(q, {output: process.stderr})),
  select: (q) => unlessCancelled(select(q, {output: process.stderr})),
  confirm: (q) => unlessCancelled(confirm(q, {output: process.stderr})),
}

/** Validation of one answer: the parser of the flag, then the value checks of the parameter. */
export function answerProblem(kind: GeneratorKind, p: ParamSpec, answer: string): string | undefined {
  const parsed = valueFromRaw(p, p.type === 'array' ? [answer] : answer)
  const first = parsed.problems[0] ?? checkParamValue(kind, p.name, parsed.value)[0]
  return first?.message
}

function label(p: ParamSpec): string {
  return p.prompt ?? p.description
}

function defaultText(def: unknown): string | undefined {
  if (def === undefined) return undefined
  return Array.isArray(def) ? def.join(',') : String(def)
}

/** Ask for one parameter; returns its value as flag text (parsed afterwards like a flag). */
export async function askParam(kind: GeneratorKind, p: ParamSpec, def: unknown, asker: Asker = terminalAsker): Promise<RawValue> {
  if (p.type === 'boolean') return asker.confirm({message: label(p), default: def === true})
  if (p.enum) {
    return asker.select({
      message: label(p),
      default: defaultText(def),
      choices: p.enum.map((e) => ({name: e, value: e})),
    })
  }
  if (p.type === 'array' && p.promptList === 'loop') {
    const items: string[] = []
    for (;;) {
      const answer = await asker.input({
        message: label(p),
        validate: (a) => (a.trim() === '' ? (items.length ? true : 'give at least one') : (answerProblem(kind, p, a) ?? true)),
      })
      if (answer.trim() === '') return items
      items.push(answer.trim())
    }
  }
  return asker.input({
    message: label(p),
    default: defaultText(def),
    required: true,
    validate: (a) => (a.trim() === '' ? 'a value is required' : (answerProblem(kind, p, a) ?? true)),
  })
}

/** `cleat generate` on a terminal without --from: pick a generator from a list. */
export async function chooseGenerator(asker: Asker = terminalAsker): Promise<GeneratorKind> {
  const kind = await asker.select({
    message: 'What should cleat generate?',
    choices: COMMAND_KINDS.map((k) => ({name: k, value: k, description: loadTemplate(k).description})),
  })
  return kind as GeneratorKind
}
