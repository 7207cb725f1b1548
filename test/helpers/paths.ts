import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The repository root (test/helpers → ../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Upstream Istio data, read in place; tests skip when it is absent. */
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/istio-corpus')

export const corpusAvailable = existsSync(CORPUS_DIR)

/** Pass as `{skip: corpusSkip}` to node:test. */
export const corpusSkip: string | false = corpusAvailable ? false : '../shared/istio-corpus is absent'
