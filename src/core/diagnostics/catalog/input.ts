import type {CatalogEntry} from './types.js'

/** Input and document-level findings (CL0xxx). */
export const INPUT_CODES = [
  {code: 'CL0001', name: 'yaml-syntax', severity: 'error', istioCode: null, title: 'YAML or JSON syntax error',
    help: 'The document could not be parsed. Fix the syntax at the reported position; the other documents and files are still checked.'},
  {code: 'CL0002', name: 'unreadable-input', severity: 'error', istioCode: null, title: 'Input could not be read',
    help: 'The path does not exist, is not readable, or matched nothing. cleat exits 65 when any input cannot be read.'},
  {code: 'CL0003', name: 'not-text', severity: 'error', istioCode: null, title: 'Input is not UTF-8 text',
    help: 'The file contains NUL bytes or invalid UTF-8, so it is not a YAML or JSON document. cleat exits 65.'},
  {code: 'CL0004', name: 'too-large', severity: 'error', istioCode: null, title: 'Input exceeds the size limit',
    help: 'Files larger than --max-file-size (default 16 MiB) are not parsed, to keep time and memory bounded. cleat exits 65.'},
  {code: 'CL0005', name: 'resource-exhaustion', severity: 'error', istioCode: null, title: 'Document too deep or expands too much',
    help: 'The document nests deeper than 200 levels or its aliases expand to more than 1,000,000 nodes (a "billion laughs" alias bomb). It is not checked further.'},
  {code: 'CL0006', name: 'not-an-object', severity: 'error', istioCode: null, title: 'Document is not a Kubernetes object',
    help: 'Each document must be a mapping with apiVersion and kind (or a kind: List with items).'},
  {code: 'CL0007', name: 'missing-type', severity: 'error', istioCode: null, title: 'apiVersion or kind is missing',
    help: 'Kubernetes needs apiVersion and kind on every object.'},
  {code: 'CL0008', name: 'empty-input', severity: 'info', istioCode: null, title: 'Input holds no documents',
    help: 'The file or stream is empty or holds only comments.'},
  {code: 'CL0009', name: 'unknown-kind', severity: 'info', istioCode: null, title: 'Istio kind not checked by cleat',
    help: 'The kind belongs to an Istio API group but is not one of the kinds cleat validates (for example EnvoyFilter or Telemetry). It is counted, not checked.'},
  {code: 'CL0010', name: 'unknown-api-version', severity: 'error', istioCode: null, title: 'Unknown apiVersion for an Istio kind',
    help: 'The API group is known but the version is not served for this kind. networking.istio.io serves v1, v1beta1 and v1alpha3; security.istio.io serves v1 and v1beta1.'},
  {code: 'CL0011', name: 'metadata', severity: 'error', istioCode: null, title: 'Invalid object metadata',
    help: 'metadata.name is required (or metadata.generateName), and names, namespaces, labels and annotations must follow Kubernetes syntax.'},
] as const satisfies readonly CatalogEntry[]
