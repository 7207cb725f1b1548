import type {CatalogEntry} from './types.js'

/** Authorization and mTLS findings (CL6xxx). */
export const AUTHZ_CODES = [
  {code: 'CL6001', name: 'authz-invalid-policy', severity: 'warning', istioCode: null, title: 'Invalid security policy left out of the evaluation',
    help: 'An AuthorizationPolicy, PeerAuthentication or DestinationRule failed validation (see the other findings on it). Istio would refuse to store it, so `authz check`, `authz graph` and `mtls status` answer as if it were absent. Fix it, or expect the answer to change once it is valid.'},
  {code: 'CL6002', name: 'authz-no-such-workload', severity: 'info', istioCode: null, title: 'No workload in the inputs has the queried labels',
    help: 'The destination of `authz check` (or the `mtls status` query) matches no Deployment, Pod or WorkloadEntry in the inputs. The answer is still computed for a workload with exactly these labels; check for a typo if you expected one.'},
  {code: 'CL6003', name: 'authz-cases-file', severity: 'error', istioCode: null, title: 'Invalid --cases file',
    help: 'The file given to `authz check --cases` is not valid YAML or JSON, or does not follow schemas/authz/cases.json (a list of cases, each with a name, the destination, the request and expect: allow|deny). cleat exits 65.'},
  {code: 'CL6004', name: 'mtls-tls-conflict', severity: 'warning', istioCode: null, title: 'DestinationRule TLS setting conflicts with the server mTLS mode',
    help: 'Clients configured by this DestinationRule send traffic the destination refuses: plaintext or their own TLS to a STRICT workload, or Istio mTLS to a workload with mTLS DISABLE. Align the DestinationRule tls.mode (ISTIO_MUTUAL for in-mesh workloads, or remove tls to use auto mTLS) with the PeerAuthentication.'},
] as const satisfies readonly CatalogEntry[]
