import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {ExportScope, hostCovers, hostsOverlap, istioGlobMatch, resolveHost, splitNamespaced, wildcardKeys} from '../../../src/core/analysis/hosts.js'

describe('Istio host names', () => {
  it('resolves short names in the namespace of the resource, and leaves FQDNs, wildcards and IPs alone', () => {
    assert.equal(resolveHost('reviews', 'shop', 'cluster.local'), 'reviews.shop.svc.cluster.local')
    assert.equal(resolveHost('reviews', 'shop', 'corp.example'), 'reviews.shop.svc.corp.example')
    assert.equal(resolveHost('reviews.other.svc.cluster.local', 'shop', 'cluster.local'), 'reviews.other.svc.cluster.local')
    assert.equal(resolveHost('reviews.other', 'shop', 'cluster.local'), 'reviews.other', 'a name with a dot is taken as written, as Istio does')
    assert.equal(resolveHost('*', 'shop', 'cluster.local'), '*')
    assert.equal(resolveHost('*.example.com', 'shop', 'cluster.local'), '*.example.com')
    assert.equal(resolveHost('10.0.0.1', 'shop', 'cluster.local'), '10.0.0.1')
  })

  it('matches wildcards by suffix, in both directions for overlap', () => {
    assert.ok(hostCovers('*.eu.example.com', 'a.eu.example.com'))
    assert.ok(!hostCovers('*.eu.example.com', 'eu.example.com'))
    assert.ok(hostCovers('*', 'anything.at.all'))
    assert.ok(hostCovers('*.d', '*.productpage.d'))
    assert.ok(!hostCovers('*.productpage.d', '*.d'))
    assert.ok(hostsOverlap('*.productpage.d', '*.d'))
    assert.ok(!hostsOverlap('a.example.com', 'b.example.com'))
  })

  it('lists the wildcard keys that may cover a host, so lookups need no scan', () => {
    assert.deepEqual(wildcardKeys('a.b.c'), ['*', '*.b.c', '*.c'])
    assert.deepEqual(wildcardKeys('*.b.c'), ['*', '*.b.c', '*.c'])
    for (const k of wildcardKeys('x.y.example.com')) assert.ok(hostCovers(k, 'x.y.example.com'))
  })

  it('evaluates exportTo scopes', () => {
    const own = new ExportScope(['.'], 'shop')
    const all = new ExportScope(undefined, 'shop')
    const two = new ExportScope(['a', 'b'], 'shop')
    assert.ok(own.visibleIn('shop') && !own.visibleIn('other'))
    assert.ok(all.visibleIn('anything'))
    assert.ok(two.visibleIn('b') && !two.visibleIn('shop'))
    assert.ok(!own.overlaps(new ExportScope(['.'], 'other')))
    assert.ok(own.overlaps(all))
    assert.ok(!new ExportScope(['~'], 'shop').visibleIn('shop'))
  })

  it('splits gateway references and matches namespace globs', () => {
    assert.deepEqual(splitNamespaced('gw', 'shop'), {namespace: 'shop', name: 'gw'})
    assert.deepEqual(splitNamespaced('istio-system/gw', 'shop'), {namespace: 'istio-system', name: 'gw'})
    assert.ok(istioGlobMatch('prod-*', 'prod-eu'))
    assert.ok(istioGlobMatch('*-test', 'httpbin-test'))
    assert.ok(!istioGlobMatch('prod-*', 'staging'))
  })
})
