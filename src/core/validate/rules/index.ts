import type {Rule} from '../types.js'
import {destinationRuleRule} from './destinationrule.js'
import {gatewayRule} from './gateway.js'
import {serviceEntryRule} from './serviceentry.js'
import {virtualServiceRule} from './virtualservice.js'
import {workloadEntryRule, workloadGroupRule} from './workload.js'

/** Istio's own validation rules (webhook + CRD CEL), one file per rule family. */
export const BUILTIN_RULES: readonly Rule[] = [virtualServiceRule, destinationRuleRule, gatewayRule, serviceEntryRule, workloadEntryRule, workloadGroupRule]
