// Load order matters: the polyfill must run before @peculiar/x509 (and tsyringe) evaluate.
import 'reflect-metadata'
import {webcrypto} from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Crypto)

export {x509}
/** Node's WebCrypto implementation, typed for @peculiar/x509. */
export const subtle = webcrypto.subtle as unknown as SubtleCrypto
