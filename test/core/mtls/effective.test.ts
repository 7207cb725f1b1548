// mTLS precedence, written from Istio's documented PeerAuthentication semantics:
// workload (selector) > namespace > mesh (root namespace); oldest wins within a level; UNSET inherits;
// portLevelMtls applies only from a workload-level policy; with nothing set the mode is PERMISSIVE.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {effectiveMtls} from '../../../src/core/mtls/effective.js'
import {inventoryOf, pa} from '../authz/helpers.js'

const ORDERS = {namespace: 'shop', labels: {app: 'orders', version: 'v1'}}

interface Case {
  name: string
  objects: object[]
  port?: number
  root?: string
  want: {mode: string; policy: string | null; level: string}
}

const CASES: Case[] = [
  {name: 'no policy at all → PERMISSIVE (Istio default)', objects: [], want: {mode: 'PERMISSIVE', policy: null, level: 'default'}},
  {name: 'mesh-wide STRICT in the root namespace', objects: [pa('istio-system', 'default', {mtls: {mode: 'STRICT'}})], want: {mode: 'STRICT', policy: 'istio-system/default', level: 'mesh'}},
  {
    name: 'namespace policy overrides the mesh',
    objects: [pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'default', {mtls: {mode: 'PERMISSIVE'}})],
    want: {mode: 'PERMISSIVE', policy: 'shop/default', level: 'namespace'},
  },
  {
    name: 'workload policy overrides namespace and mesh',
    objects: [pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, mtls: {mode: 'DISABLE'}})],
    want: {mode: 'DISABLE', policy: 'shop/orders', level: 'workload'},
  },
  {
    name: 'workload policy with UNSET inherits the namespace mode',
    objects: [pa('shop', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, mtls: {mode: 'UNSET'}})],
    want: {mode: 'STRICT', policy: 'shop/default', level: 'namespace'},
  },
  {
    name: 'workload policy without an mtls block inherits',
    objects: [pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}})],
    want: {mode: 'STRICT', policy: 'istio-system/default', level: 'mesh'},
  },
  {
    name: 'namespace UNSET inherits the mesh',
    objects: [pa('istio-system', 'default', {mtls: {mode: 'DISABLE'}}), pa('shop', 'default', {mtls: {mode: 'UNSET'}})],
    want: {mode: 'DISABLE', policy: 'istio-system/default', level: 'mesh'},
  },
  {
    name: 'a selector that does not match the workload is ignored',
    objects: [pa('shop', 'payments', {selector: {matchLabels: {app: 'payments'}}, mtls: {mode: 'DISABLE'}})],
    want: {mode: 'PERMISSIVE', policy: null, level: 'default'},
  },
  {
    name: 'policies of another namespace do not apply',
    objects: [pa('billing', 'default', {mtls: {mode: 'STRICT'}})],
    want: {mode: 'PERMISSIVE', policy: null, level: 'default'},
  },
  {
    name: 'a root-namespace policy with a selector is not mesh-wide and not workload level',
    objects: [pa('istio-system', 'orders', {selector: {matchLabels: {app: 'orders'}}, mtls: {mode: 'STRICT'}})],
    want: {mode: 'PERMISSIVE', policy: null, level: 'default'},
  },
  {
    name: 'an empty selector is namespace level',
    objects: [pa('shop', 'all', {selector: {matchLabels: {}}, mtls: {mode: 'STRICT'}})],
    want: {mode: 'STRICT', policy: 'shop/all', level: 'namespace'},
  },
  {
    name: 'two namespace policies: the oldest wins',
    objects: [pa('shop', 'newer', {mtls: {mode: 'DISABLE'}}, {creationTimestamp: '2025-02-01T00:00:00Z'}), pa('shop', 'older', {mtls: {mode: 'STRICT'}}, {creationTimestamp: '2025-01-01T00:00:00Z'})],
    want: {mode: 'STRICT', policy: 'shop/older', level: 'namespace'},
  },
  {
    name: 'two workload policies without timestamps: the first in the input wins',
    objects: [pa('shop', 'b', {selector: {matchLabels: {app: 'orders'}}, mtls: {mode: 'DISABLE'}}), pa('shop', 'a', {selector: {matchLabels: {version: 'v1'}}, mtls: {mode: 'STRICT'}})],
    want: {mode: 'DISABLE', policy: 'shop/b', level: 'workload'},
  },
  {
    name: 'portLevelMtls overrides the workload mode for that port',
    port: 8080,
    objects: [pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, mtls: {mode: 'STRICT'}, portLevelMtls: {8080: {mode: 'DISABLE'}}})],
    want: {mode: 'DISABLE', policy: 'shop/orders', level: 'port'},
  },
  {
    name: 'portLevelMtls does not touch other ports',
    port: 9090,
    objects: [pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, mtls: {mode: 'STRICT'}, portLevelMtls: {8080: {mode: 'DISABLE'}}})],
    want: {mode: 'STRICT', policy: 'shop/orders', level: 'workload'},
  },
  {
    name: 'UNSET at port level inherits the workload-level result (here: from the namespace)',
    port: 8080,
    objects: [pa('shop', 'default', {mtls: {mode: 'STRICT'}}), pa('shop', 'orders', {selector: {matchLabels: {app: 'orders'}}, mtls: {mode: 'UNSET'}, portLevelMtls: {8080: {mode: 'UNSET'}}})],
    want: {mode: 'STRICT', policy: 'shop/default', level: 'namespace'},
  },
  {
    name: 'portLevelMtls on a namespace-level policy has no effect',
    port: 8080,
    objects: [pa('shop', 'default', {mtls: {mode: 'STRICT'}, portLevelMtls: {8080: {mode: 'DISABLE'}}})],
    want: {mode: 'STRICT', policy: 'shop/default', level: 'namespace'},
  },
  {
    name: 'a custom root namespace',
    root: 'mesh-root',
    objects: [pa('mesh-root', 'default', {mtls: {mode: 'STRICT'}}), pa('istio-system', 'default', {mtls: {mode: 'DISABLE'}})],
    want: {mode: 'STRICT', policy: 'mesh-root/default', level: 'mesh'},
  },
]

describe('effectiveMtls precedence', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const inv = inventoryOf(c.objects, {rootNamespace: c.root})
      const got = effectiveMtls(inv, ORDERS, c.port ?? null)
      assert.deepEqual({mode: got.mode, policy: got.policy, level: got.level}, c.want)
    })
  }

  it('reports the steps it applied and the policies that lost within a level', () => {
    const inv = inventoryOf([
      pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}),
      pa('shop', 'first', {mtls: {mode: 'UNSET'}}),
      pa('shop', 'second', {mtls: {mode: 'DISABLE'}}),
    ])
    const got = effectiveMtls(inv, ORDERS)
    assert.deepEqual(got.steps, [
      {level: 'mesh', policy: 'istio-system/default', mode: 'STRICT'},
      {level: 'namespace', policy: 'shop/first', mode: 'UNSET'},
    ])
    assert.deepEqual(got.shadowed, ['shop/second'])
    assert.equal(got.mode, 'STRICT')
  })

  it('leaves out policies the caller ignores (e.g. invalid ones)', () => {
    const inv = inventoryOf([pa('shop', 'default', {mtls: {mode: 'STRICT'}})])
    assert.equal(effectiveMtls(inv, ORDERS, null, {ignore: (r) => r.name === 'default'}).mode, 'PERMISSIVE')
  })
})
