import {checkWorkloadSelector} from './common.js'
import {at, nativeRule, obj} from './util.js'

/** PeerAuthentication: portLevelMtls needs a selector with labels and valid port keys. */
export const peerAuthenticationRule = nativeRule('peerauthentication', ['PeerAuthentication'], (spec, out) => {
  const sel = obj(spec.selector)
  if (sel) checkWorkloadSelector(out, '/spec/selector/matchLabels', sel.matchLabels ?? {}, {warnEmpty: true})
  const ports = obj(spec.portLevelMtls)
  if (!ports) return
  const labels = obj(sel?.matchLabels)
  if (Object.keys(ports).length > 0 && (!labels || Object.keys(labels).length === 0)) {
    out.err('CL2800', '/spec/portLevelMtls', 'portLevelMtls needs a selector with matchLabels; a mesh-wide or namespace-wide PeerAuthentication cannot set per-port modes')
  }
  for (const key of Object.keys(ports)) {
    if (!/^\d+$/.test(key)) out.err('CL2800', at('/spec/portLevelMtls', key), `portLevelMtls key ${JSON.stringify(key)} is not a port number`)
    else if (Number(key) < 1 || Number(key) > 65535) out.err('CL2002', at('/spec/portLevelMtls', key), `port ${key} is out of range: it must be between 1 and 65535`)
  }
})
