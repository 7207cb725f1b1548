import {Flags} from '@oclif/core'
import {KEY_TYPES} from '../core/vm/pki.js'

/** Flags shared by the `cleat vm …` commands. */
export const keyTypeFlag = Flags.string({description: 'key algorithm', options: [...KEY_TYPES], default: 'ecdsa-p256'})

export const trustDomainFlag = Flags.string({description: 'SPIFFE trust domain of the mesh (meshConfig.trustDomain)'})

export const forceFlag = Flags.boolean({description: 'overwrite existing files', default: false})

export const outDirFlag = Flags.string({description: 'output directory (created with mode 0700)', required: true})

export const rootDirFlag = Flags.string({description: 'treat DIR as the file-system root of the VM (for images, containers and tests)', default: '/'})

export const outputFormatFlag = Flags.string({char: 'o', description: 'report format', options: ['text', 'json', 'sarif'], default: 'text'})

/** Parse a duration such as 600, 600s, 10m, 1h, 1h30m into seconds. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text)
  const re = /(\d+)(h|m|s)/gy
  let total = 0
  let m: RegExpExecArray | null
  let consumed = 0
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1)
    consumed = re.lastIndex
  }
  return consumed === text.length && consumed > 0 ? total : undefined
}
