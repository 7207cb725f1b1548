#!/usr/bin/env node
import module from 'node:module'
import {execute} from '@oclif/core'

// Node 22.1+ keeps compiled code on disk between runs (faster start-up); a no-op on Node 20.
module.enableCompileCache?.()
await execute({dir: import.meta.url})
