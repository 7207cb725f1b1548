import {dump} from 'js-yaml'
import {parseSource} from '../../../src/core/input/documents.js'
import {buildInventory, type Inventory} from '../../../src/core/model/inventory.js'
import {extractResources} from '../../../src/core/model/resource.js'

/** Build an inventory from plain objects (dumped to YAML and parsed like real input). */
export function inventoryOf(objects: readonly object[], opts: {rootNamespace?: string} = {}): Inventory {
  const text = objects.map((o) => dump(o)).join('---\n')
  const {docs} = parseSource({file: 'test.yaml', text})
  return buildInventory(extractResources(docs).resources, opts)
}

export function pa(ns: string, name: string, spec: object, extra: {creationTimestamp?: string} = {}): object {
  return {apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: {name, namespace: ns, ...extra}, spec}
}

export function ap(ns: string, name: string, spec: object, annotations?: Record<string, string>): object {
  return {apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name, namespace: ns, ...(annotations ? {annotations} : {})}, spec}
}

export function deployment(ns: string, name: string, labels: Record<string, string>, sa = name, ports: {name?: string; containerPort: number}[] = []): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name, namespace: ns},
    spec: {selector: {matchLabels: labels}, template: {metadata: {labels}, spec: {serviceAccountName: sa, containers: [{name: 'app', image: 'x', ports}]}}},
  }
}

export function service(ns: string, name: string, selector: Record<string, string>, ports: {port: number; targetPort?: number | string; name?: string}[]): object {
  return {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns}, spec: {selector, ports}}
}

export function dr(ns: string, name: string, spec: object): object {
  return {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace: ns}, spec}
}
