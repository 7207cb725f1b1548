import {Flags} from '@oclif/core'
import {parseKeyValues, parseMultiKeyValues, type RequestInput} from '../core/authz/request.js'
import type {Diagnostic} from '../core/diagnostics/diagnostic.js'
import {formatDiagnosticLines} from '../core/authz/render.js'
import {writeErr} from './io.js'

/** Flags shared by `authz check`, `authz graph` and `mtls status`: how the inputs are read. */
export const meshFlags = {
  'root-namespace': Flags.string({description: 'Istio root namespace: its policies apply mesh-wide', default: 'istio-system'}),
  'max-file-size': Flags.integer({description: 'largest input file to parse, in MiB', default: 16, min: 1}),
}

export const trustDomainFlag = Flags.string({description: 'trust domain of peer identities (for --from-namespace and the graph)', default: 'cluster.local'})

/** The request of `authz check`. */
export const requestFlags = {
  'to-namespace': Flags.string({description: 'namespace of the destination workload'}),
  'to-labels': Flags.string({description: 'label of the destination workload, key=value (repeat for more)', multiple: true, multipleNonGreedy: true}),
  'from-principal': Flags.string({description: 'peer identity of the caller (mTLS): <trust-domain>/ns/<ns>/sa/<sa>'}),
  'from-namespace': Flags.string({description: 'namespace of the caller (mTLS; service account assumed: default)'}),
  plaintext: Flags.boolean({description: 'the request is not mutual TLS: no peer identity', default: false}),
  tcp: Flags.boolean({description: 'a plain TCP connection (no method, path, host, headers or JWT)', default: false}),
  'source-ip': Flags.string({description: 'source IP address of the connection'}),
  'remote-ip': Flags.string({description: 'original client IP (X-Forwarded-For); default: --source-ip'}),
  'destination-ip': Flags.string({description: 'destination IP address'}),
  method: Flags.string({description: 'HTTP method (default GET)'}),
  path: Flags.string({description: 'HTTP path (default /)'}),
  port: Flags.integer({description: 'destination (workload) port', min: 0, max: 65535}),
  host: Flags.string({description: 'HTTP Host header'}),
  sni: Flags.string({description: 'TLS server name (connection.sni)'}),
  header: Flags.string({description: 'HTTP header, name=value (repeat for more)', multiple: true, multipleNonGreedy: true}),
  'request-principal': Flags.string({description: 'JWT identity <issuer>/<subject> (request.auth.principal)'}),
  'jwt-claim': Flags.string({description: 'JWT claim, name=value; repeat a name for a list; nested as a[b]=v', multiple: true, multipleNonGreedy: true}),
  'custom-verdict': Flags.string({description: 'what external authorizers of matching CUSTOM policies answer', options: ['allow', 'deny'], default: 'allow'}),
}

export interface RequestFlagValues {
  'to-namespace'?: string
  'to-labels'?: string[]
  'from-principal'?: string
  'from-namespace'?: string
  plaintext: boolean
  tcp: boolean
  'source-ip'?: string
  'remote-ip'?: string
  'destination-ip'?: string
  method?: string
  path?: string
  port?: number
  host?: string
  sni?: string
  header?: string[]
  'request-principal'?: string
  'jwt-claim'?: string[]
}

export function requestInputFromFlags(f: RequestFlagValues): RequestInput {
  return {
    toNamespace: f['to-namespace'] ?? '',
    toLabels: parseKeyValues(f['to-labels'], 'to-labels'),
    fromPrincipal: f['from-principal'],
    fromNamespace: f['from-namespace'],
    plaintext: f.plaintext,
    tcp: f.tcp,
    sourceIp: f['source-ip'],
    remoteIp: f['remote-ip'],
    destinationIp: f['destination-ip'],
    method: f.method,
    path: f.path,
    host: f.host,
    port: f.port,
    sni: f.sni,
    headers: parseKeyValues(f.header, 'header'),
    requestPrincipal: f['request-principal'],
    jwtClaims: parseMultiKeyValues(f['jwt-claim'], 'jwt-claim'),
  }
}

/** Input findings go to stderr, never mixed with the answer on stdout. */
export function reportDiagnostics(diags: readonly Diagnostic[]): void {
  if (diags.length > 0) writeErr(formatDiagnosticLines(diags))
}
