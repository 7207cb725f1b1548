import {authorizationPolicy} from './kinds/authorizationpolicy.js'
import type {Generator} from './kinds/common.js'
import {destinationRule} from './kinds/destinationrule.js'
import {namespace} from './kinds/namespace.js'
import {peerAuthentication} from './kinds/peerauthentication.js'
import {virtualService} from './kinds/virtualservice.js'
import {workload} from './kinds/workload.js'
import {zeroTrust} from './kinds/zero-trust.js'
import type {GeneratorKind} from './template.js'

export const GENERATORS: Record<GeneratorKind, Generator> = {
  namespace,
  workload,
  virtualservice: virtualService,
  destinationrule: destinationRule,
  authorizationpolicy: authorizationPolicy,
  peerauthentication: peerAuthentication,
  'zero-trust': zeroTrust,
}
