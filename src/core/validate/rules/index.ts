import type {Rule} from '../types.js'
import {annotationsRule} from './annotations.js'
import {authorizationPolicyRule} from './authorizationpolicy.js'
import {destinationRuleRule} from './destinationrule.js'
import {gatewayRule} from './gateway.js'
import {peerAuthenticationRule} from './peerauthentication.js'
import {requestAuthenticationRule} from './requestauthentication.js'
import {serviceEntryRule} from './serviceentry.js'
import {sidecarRule} from './sidecar.js'
import {virtualServiceRule} from './virtualservice.js'
import {workloadEntryRule, workloadGroupRule} from './workload.js'

/** Istio's own validation rules (webhook + CRD CEL), one file per rule family. */
export const BUILTIN_RULES: readonly Rule[] = [
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
