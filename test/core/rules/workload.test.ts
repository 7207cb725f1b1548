import {test} from 'node:test'
import {checkCases, type Case} from './helpers.js'

const weCases: Case[] = [
  {name: 'VM with an IP and ports is clean', spec: {address: '10.0.0.7', ports: {http: 8080}, labels: {app: 'cart'}, serviceAccount: 'cart'}, expect: []},
  {name: 'DNS name address is fine', spec: {address: 'vm1.shop.example'}, expect: []},
  {name: 'no address (CEL)', spec: {labels: {app: 'cart'}}, expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'network instead of address warns', spec: {network: 'vm-net'}, expect: [{code: 'CL2600', path: '/spec', severity: 'warning'}]},
  {name: 'address not an IP or name', spec: {address: 'vm_1!'}, expect: [{code: 'CL2005', path: '/spec/address'}]},
  {name: 'relative unix socket (CEL)', spec: {address: 'unix://sock'}, expect: [{code: 'CL2000', path: '/spec/address'}]},
  {name: 'unix socket with ports (CEL)', spec: {address: 'unix:///var/run/app.sock', ports: {http: 80}}, expect: [{code: 'CL2000', path: '/spec'}]},
  {name: 'port out of range (CEL)', spec: {address: '10.0.0.7', ports: {http: 70000}}, expect: [{code: 'CL2000', path: '/spec/ports/http'}]},
  {name: 'invalid port name (CEL)', spec: {address: '10.0.0.7', ports: {HTTP_1: 80}}, expect: [{code: 'CL2000', path: '/spec/ports'}]},
  {name: 'invalid label', spec: {address: '10.0.0.7', labels: {'app name': 'cart'}}, expect: [{code: 'CL2007', path: '/spec/labels/app name'}]},
]

const wgCases: Case[] = [
  {name: 'template with probe is clean', spec: {metadata: {labels: {app: 'cart'}}, template: {serviceAccount: 'cart', ports: {http: 8080}}, probe: {httpGet: {port: 8080, path: '/ready'}}}, expect: []},
  {name: 'probe without a method', spec: {template: {serviceAccount: 'cart'}, probe: {periodSeconds: 5}}, expect: [{code: 'CL2600', path: '/spec/probe'}]},
  {name: 'probe port 0 (CEL)', spec: {template: {serviceAccount: 'cart'}, probe: {tcpSocket: {port: 0}}}, expect: [{code: 'CL2000', path: '/spec/probe/tcpSocket/port'}]},
  {name: 'probe scheme (CEL)', spec: {template: {serviceAccount: 'cart'}, probe: {httpGet: {port: 80, scheme: 'FTP'}}}, expect: [{code: 'CL2000', path: '/spec/probe/httpGet/scheme'}]},
  {name: 'bad metadata label', spec: {metadata: {labels: {'a b': 'x'}}, template: {serviceAccount: 'cart'}}, expect: [{code: 'CL2007', path: '/spec/metadata/labels/a b'}]},
]

test('WorkloadEntry rules', () => checkCases('WorkloadEntry', weCases))
test('WorkloadGroup rules', () => checkCases('WorkloadGroup', wgCases))
