#!/usr/bin/env node
import module from 'node:module'

// Node 22.1+ keeps compiled code on disk between runs (faster start-up); a no-op on Node 20.
module.enableCompileCache?.()
// @oclif/core checks its own engines range with the full semver package when it loads (~15 ms of
// start-up). cleat's package.json declares the supported Node versions (and npm enforces them), so
// that check is skipped; the variable is removed again so that child processes do not inherit it.
const userSet = 'OCLIF_DISABLE_ENGINE_WARNING' in process.env
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute} = await import('@oclif/core')
if (!userSet) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
await execute({dir: import.meta.url})
