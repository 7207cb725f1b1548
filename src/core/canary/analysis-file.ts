import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {parse} from 'yaml'
import {InputError} from '../errors.js'
import {newAjv, packageDir} from '../validate/schema-registry.js'
import type {CustomMetric} from './analysis.js'
import type {NoDataPolicy} from './types.js'

export interface AnalysisFile {
  onNoData?: NoDataPolicy
  metrics: CustomMetric[]
}

let validator: ReturnType<ReturnType<typeof newAjv>['compile']> | undefined

async function schemaValidator(): Promise<NonNullable<typeof validator>> {
  if (validator) return validator
  const schema = JSON.parse(await readFile(path.join(packageDir(), 'schemas', 'canary', 'analysis.schema.json'), 'utf8')) as object
  validator = newAjv().compile(schema)
  return validator
}

/** Parse and check an --analysis file (YAML or JSON) against schemas/canary/analysis.schema.json. */
export async function parseAnalysisFile(text: string, file: string): Promise<AnalysisFile> {
  let value: unknown
  try {
    value = parse(text)
  } catch (e) {
    throw new InputError(`${file}: not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`)
  }
  const validate = await schemaValidator()
  if (!validate(value)) {
    const errs = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    throw new InputError(`${file} is not a valid analysis file: ${errs.join('; ')}`, ['see docs/canary.md (--analysis) and schemas/canary/analysis.schema.json'])
  }
  const v = value as AnalysisFile
  const names = new Set<string>()
  for (const m of v.metrics) {
    if (names.has(m.name)) throw new InputError(`${file}: metric name '${m.name}' is used twice`)
    names.add(m.name)
  }
  return {onNoData: v.onNoData, metrics: v.metrics.map((m) => ({...m, onNoData: m.onNoData ?? v.onNoData}))}
}

export async function readAnalysisFile(file: string): Promise<AnalysisFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  return parseAnalysisFile(text, file)
}
