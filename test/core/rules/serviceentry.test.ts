import {test} from 'node:test'
import {checkCases, type Case} from './helpers.js'

const port = (number: number, name: string, protocol = 'HTTPS') => ({number, name, protocol})
const se = (extra: Record<string, unknown> = {}) => ({hosts: ['api.payments.example'], ports: [port(443, 'https')], resolution: 'DNS', location: 'MESH_EXTERNAL', ...extra})

const cases: Case[] = [
  {name: 'external HTTPS service is clean', spec: se(), expect: []},
  {name: "host '*' (CEL)", spec: se({hosts: ['*'], resolution: 'NONE'}), expect: [{code: 'CL2000', path: '/spec/hosts/0'}]},
  {name: 'partial wildcard host warns', spec: se({hosts: ['*payments.example'], resolution: 'NONE'}), expect: [{code: 'CL2003', path: '/spec/hosts/0', severity: 'warning'}]},
  {name: 'wildcard host with DNS and no endpoints', spec: se({hosts: ['*.payments.example']}), expect: [{code: 'CL2003', path: '/spec/hosts/0'}]},
  {name: 'bad address', spec: se({addresses: ['10.0.0.300']}), expect: [{code: 'CL2005', path: '/spec/addresses/0'}]},
  {name: 'CIDR address with DNS (CEL)', spec: se({addresses: ['10.0.0.0/24']}), expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'duplicate port number (CEL)', spec: se({ports: [port(443, 'https'), port(443, 'https-2')]}), expect: [{code: 'CL2000', path: '/spec/ports'}]},
  {name: 'duplicate port name', spec: se({ports: [port(443, 'https'), port(8443, 'https')]}), expect: [{code: 'CL2010', path: '/spec/ports/1/name'}]},
  {name: 'port out of range (CEL)', spec: se({ports: [port(0, 'https')]}), expect: [{code: 'CL2000', path: '/spec/ports/0/number'}]},
  {name: 'unknown protocol', spec: se({ports: [port(443, 'https', 'SPDY')]}), expect: [{code: 'CL2014', path: '/spec/ports/0/protocol'}]},
  {name: 'TCP port without addresses warns', spec: se({ports: [port(5432, 'pg', 'TCP')]}), expect: [{code: 'CL2400', path: '/spec/ports/0', severity: 'warning'}]},
  {name: 'NONE with endpoints (CEL)', spec: se({resolution: 'NONE', endpoints: [{address: '10.0.0.1'}]}), expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'STATIC endpoint with a DNS name', spec: se({resolution: 'STATIC', endpoints: [{address: 'pay.example'}]}), expect: [{code: 'CL2005', path: '/spec/endpoints/0/address'}]},
  {name: 'endpoint port not defined by the entry', spec: se({resolution: 'STATIC', endpoints: [{address: '10.0.0.1', ports: {grpc: 9090}}]}), expect: [{code: 'CL2400', path: '/spec/endpoints/0/ports/grpc'}]},
  {name: 'DNS_ROUND_ROBIN with two endpoints (CEL)', spec: se({resolution: 'DNS_ROUND_ROBIN', endpoints: [{address: 'a.example'}, {address: 'b.example'}]}), expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'DYNAMIC_DNS with an FQDN host', spec: se({resolution: 'DYNAMIC_DNS'}), expect: [{code: 'CL2400', path: '/spec/hosts/0'}]},
  {name: 'several hosts with a TCP port', spec: se({hosts: ['a.example', 'b.example'], ports: [port(5432, 'pg', 'TCP')], addresses: ['10.0.0.1']}), expect: [{code: 'CL2400', path: '/spec/hosts'}]},
  {name: 'selector and endpoints (CEL)', spec: se({resolution: 'STATIC', workloadSelector: {labels: {app: 'pay'}}, endpoints: [{address: '10.0.0.1'}]}), expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'selector with resolution NONE warns', spec: se({resolution: 'NONE', workloadSelector: {labels: {app: 'pay'}}}), expect: [{code: 'CL2400', path: '/spec/workloadSelector', severity: 'warning'}]},
  {name: "exportTo '~' alone is fine", spec: se({exportTo: ['~']}), expect: []},
  {name: "exportTo '~' with others", spec: se({exportTo: ['~', 'shop']}), expect: [{code: 'CL2008', path: '/spec/exportTo'}]},
]

test('ServiceEntry rules', () => checkCases('ServiceEntry', cases))
