import type {CatalogEntry} from './types.js'

/** Structural (schema) findings (CL1xxx), as the Kubernetes API server's strict validation reports them. */
export const SCHEMA_CODES = [
  {code: 'CL1000', name: 'schema', severity: 'error', istioCode: null, title: 'Schema violation',
    help: 'The value does not match the Istio API schema.'},
  {code: 'CL1001', name: 'unknown-field', severity: 'error', istioCode: null, title: 'Unknown field',
    help: 'The field is not part of the Istio API for this kind. The API server rejects it under strict field validation; check the spelling and the nesting level.'},
  {code: 'CL1002', name: 'wrong-type', severity: 'error', istioCode: null, title: 'Wrong type',
    help: 'The value has the wrong type (for example a string where a number is expected). Durations are strings like "5s"; ports are integers.'},
  {code: 'CL1003', name: 'bad-enum', severity: 'error', istioCode: null, title: 'Value not allowed',
    help: 'The value must be one of the listed enum values (case-sensitive).'},
  {code: 'CL1004', name: 'missing-field', severity: 'error', istioCode: null, title: 'Required field missing',
    help: 'A required field is missing. The location points at the parent object.'},
  {code: 'CL1005', name: 'bad-format', severity: 'error', istioCode: null, title: 'Value does not match the expected format',
    help: 'The string does not match the pattern or format the API requires.'},
  {code: 'CL1006', name: 'out-of-range', severity: 'error', istioCode: null, title: 'Value out of range',
    help: 'A number, string length or list length is outside the allowed range.'},
  {code: 'CL1007', name: 'exclusive-fields', severity: 'error', istioCode: null, title: 'Mutually exclusive fields',
    help: 'Only one of a group of alternative fields may be set.'},
] as const satisfies readonly CatalogEntry[]
