import assert from 'node:assert/strict'
import {mkdtemp, readdir, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {allowPolicies, guardResources, planOutputFiles, principalOf, writeOutputFiles} from '../../../src/core/generate/index.js'

const vs = (spec: object) => ({apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'reviews', namespace: 'shop'}, spec})

describe('the validation guard', () => {
  it('passes a valid resource', () => {
    assert.deepEqual(guardResources([vs({hosts: ['reviews'], http: [{route: [{destination: {host: 'reviews'}}]}]})]).errors, [])
  })

  it('turns every validation error of a generated resource into CL7020, naming resource and field', () => {
    const g = guardResources([vs({hosts: ['reviews'], htp: []}), {...vs({hosts: 'reviews'}), metadata: {name: 'Bad_Name', namespace: 'shop'}}])
    assert.ok(g.errors.length >= 3, JSON.stringify(g.errors))
    assert.ok(g.errors.every((d) => d.code === 'CL7020'))
    assert.ok(g.errors.some((d) => /VirtualService shop\/reviews spec\.htp: unknown field 'htp'.*\(CL1001\)/.test(d.message)), JSON.stringify(g.errors.map((d) => d.message)))
    assert.ok(g.errors.some((d) => /VirtualService shop\/Bad_Name .*name/.test(d.message)))
  })
})

describe('output planning and writing', () => {
  const objs = [
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'orders', namespace: 'a'}},
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'orders', namespace: 'b'}},
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'orders', namespace: 'a'}},
  ]

  it('--out-dir names files KIND-NAME, adding the namespace only where two would clash', () => {
    assert.deepEqual(planOutputFiles(objs, {format: 'yaml', outDir: 'out'}).map((f) => f.file), [
      path.join('out', 'serviceaccount-a-orders.yaml'),
      path.join('out', 'serviceaccount-b-orders.yaml'),
      path.join('out', 'service-orders.yaml'),
    ])
    assert.deepEqual(planOutputFiles(objs, {format: 'yaml'}), [])
    const one = planOutputFiles(objs, {format: 'json', outFile: 'all.json'})
    assert.equal(one.length, 1)
    assert.equal(JSON.parse(one[0]!.text).items.length, 3)
  })

  it('writes into directories that do not exist yet, and replaces files only with force', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-gen-out-'))
    const files = planOutputFiles(objs, {format: 'yaml', outDir: path.join('deep', 'er')})
    await writeOutputFiles(files, {cwd: dir, force: false})
    assert.equal((await readdir(path.join(dir, 'deep', 'er'))).length, 3)
    await assert.rejects(writeOutputFiles(files, {cwd: dir, force: false}), (e: Error & {exitCode?: number}) => e.exitCode === 64 && /these files already exist/.test(e.message))
    await writeOutputFiles(files, {cwd: dir, force: true})
    assert.match(await readFile(path.join(dir, 'deep', 'er', 'service-orders.yaml'), 'utf8'), /^apiVersion: v1\nkind: Service\n/)
  })
})

describe('zero-trust principals', () => {
  it('derives principals from service accounts, in the namespace or another one', () => {
    assert.equal(principalOf('frontend', 'shop', 'cluster.local'), 'cluster.local/ns/shop/sa/frontend')
    assert.equal(principalOf('ops/admin', 'shop', 'example.org'), 'example.org/ns/ops/sa/admin')
  })

  it('groups calls per destination and shares a rule between calls with the same operation', () => {
    const policies = allowPolicies({
      namespace: 'shop',
      trustDomain: 'cluster.local',
      allow: [
        {from: ['b'], to: 'orders', methods: ['POST', 'GET']},
        {from: ['a'], to: 'orders', methods: ['GET', 'POST']},
        {from: ['c'], to: 'orders'},
        {from: ['a'], to: 'cart'},
      ],
    })
    assert.deepEqual(policies.map((p) => p.to), ['cart', 'orders'])
    assert.deepEqual(policies[1]!.rules, [
      {from: [{source: {principals: ['cluster.local/ns/shop/sa/a', 'cluster.local/ns/shop/sa/b']}}], to: [{operation: {methods: ['GET', 'POST']}}]},
      {from: [{source: {principals: ['cluster.local/ns/shop/sa/c']}}]},
    ])
  })
})
