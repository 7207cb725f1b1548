import type {Rule} from '../types.js'
import {annotationsRule} from './annotations.js'
import {celRule} from './cel.js'
import {authorizationPolicyRule} from './authorizationpolicy.js'
import {destinationRuleRule} from './destinationrule.js'
import {gatewayRule} from './gateway.js'
import {peerAuthenticationRule} from './peerauthentication.js'
import {requestAuthenticationRule} from './requestauthentication.js'
import {serviceEntryRule} from './serviceentry.js'
import {sidecarRule} from './sidecar.js'
import {virtualServiceRule} from './virtualservice.js'
import {workloadEntryRule, workloadGroupRule} from './workload.js'

/**
 * Istio's own validation rules (webhook + CRD CEL), one file per rule family. The CEL rule comes
 * first: native rules stay quiet at a field a CEL rule already reported.
 */
export const BUILTIN_RULES: readonly Rule[] = [
  celRule,
  annotationsRule,
  virtualServiceRule,
  destinationRuleRule,
  gatewayRule,
  serviceEntryRule,
  sidecarRule,
  workloadEntryRule,
  workloadGroupRule,
  authorizationPolicyRule,
  peerAuthenticationRule,
  requestAuthenticationRule,
]
