import type {CleatAnalyzer} from './analyzer.js'
import {conditionAnalyzer} from './conditions.js'
import {caCertificateAnalyzer, mtlsConflictAnalyzer, subsetSelectAnalyzer} from './destinationrule.js'
import {gatewayCertificateAnalyzer, gatewayConflictAnalyzer, gatewaySecretAnalyzer, gatewayWorkloadAnalyzer} from './gateway.js'
import {inventoryGapAnalyzer} from './gaps.js'
import {deprecationAnalyzer, matchAnalyzer} from './matches.js'
import {allowNothingAnalyzer, authorizationWorkloadAnalyzer, k8sGatewaySelectorAnalyzer, peerAuthenticationWorkloadAnalyzer, principalAnalyzer} from './security.js'
import {serviceEntryAddressAnalyzer, serviceEntryProtocolAnalyzer, serviceEntrySelectorAnalyzer} from './serviceentry.js'
import {sidecarSelectorAnalyzer} from './sidecar.js'
import {
  delegateAnalyzer,
  destinationHostAnalyzer,
  gatewayRefAnalyzer,
  ingressSubsetAnalyzer,
  jwtClaimRouteAnalyzer,
  meshHostConflictAnalyzer,
  subsetAnalyzer,
  weightAnalyzer,
} from './virtualservice.js'

export type {CleatAnalyzer} from './analyzer.js'
export {filterByNamespace} from './namespace-filter.js'

/** Cross-resource analyzers (the istioctl analyze equivalents), in reporting order. */
export const BUILTIN_ANALYZERS: readonly CleatAnalyzer[] = [
  inventoryGapAnalyzer,
  destinationHostAnalyzer,
  subsetAnalyzer,
  ingressSubsetAnalyzer,
  gatewayRefAnalyzer,
  delegateAnalyzer,
  meshHostConflictAnalyzer,
  weightAnalyzer,
  matchAnalyzer,
  jwtClaimRouteAnalyzer,
  deprecationAnalyzer,
  subsetSelectAnalyzer,
  caCertificateAnalyzer,
  mtlsConflictAnalyzer,
  gatewayWorkloadAnalyzer,
  gatewayConflictAnalyzer,
  gatewayCertificateAnalyzer,
  gatewaySecretAnalyzer,
  sidecarSelectorAnalyzer,
  serviceEntryAddressAnalyzer,
  serviceEntryProtocolAnalyzer,
  serviceEntrySelectorAnalyzer,
  authorizationWorkloadAnalyzer,
  principalAnalyzer,
  allowNothingAnalyzer,
  peerAuthenticationWorkloadAnalyzer,
  k8sGatewaySelectorAnalyzer,
  conditionAnalyzer,
]
