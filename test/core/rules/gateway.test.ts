import {test} from 'node:test'
import {checkCases, type Case} from './helpers.js'

const server = (extra: Record<string, unknown> = {}) => ({hosts: ['shop.example.com'], port: {number: 80, name: 'http', protocol: 'HTTP'}, ...extra})
const https = (tls: unknown, extra: Record<string, unknown> = {}) => server({port: {number: 443, name: 'https', protocol: 'HTTPS'}, tls, ...extra})
const gw = (...servers: unknown[]) => ({selector: {istio: 'ingressgateway'}, servers})

const cases: Case[] = [
  {name: 'HTTP and HTTPS servers are clean', spec: gw(server(), https({mode: 'SIMPLE', credentialName: 'shop-cert'})), expect: []},
  {name: 'no servers', spec: {selector: {istio: 'ingressgateway'}}, expect: [{code: 'CL2300', path: '/spec'}]},
  {name: 'dotted Gateway name', spec: gw(server()), metadata: {name: 'public.gw'}, expect: [{code: 'CL2009', path: '/metadata/name'}]},
  {name: 'short host name', spec: gw(server({hosts: ['shop']})), expect: [{code: 'CL2003', path: '/spec/servers/0/hosts/0'}]},
  {name: 'partial wildcard host', spec: gw(server({hosts: ['*shop.example.com']})), expect: [{code: 'CL2003', path: '/spec/servers/0/hosts/0'}]},
  {name: 'bad namespace in host', spec: gw(server({hosts: ['shop_ns/shop.example.com']})), expect: [{code: 'CL2003', path: '/spec/servers/0/hosts/0'}]},
  {name: 'namespaced host is fine', spec: gw(server({hosts: ['shop/shop.example.com', './*.example.com']})), expect: []},
  {name: 'unknown protocol', spec: gw(server({port: {number: 80, name: 'quic', protocol: 'QUIC'}})), expect: [{code: 'CL2014', path: '/spec/servers/0/port/protocol'}]},
  {name: 'port out of range', spec: gw(server({port: {number: 70000, name: 'http', protocol: 'HTTP'}})), expect: [{code: 'CL2002', path: '/spec/servers/0/port/number'}]},
  {name: 'duplicate port names', spec: gw(server(), server({port: {number: 8080, name: 'http', protocol: 'HTTP'}})), expect: [{code: 'CL2010', path: '/spec/servers/1/port/name'}]},
  {name: 'bind not an IP', spec: gw(server({bind: 'localhost'})), expect: [{code: 'CL2005', path: '/spec/servers/0/bind'}]},
  {name: 'HTTPS without tls', spec: gw(server({port: {number: 443, name: 'https', protocol: 'HTTPS'}})), expect: [{code: 'CL2301', path: '/spec/servers/0'}]},
  {name: 'TLS settings on a TCP server', spec: gw(server({port: {number: 9000, name: 'tcp', protocol: 'TCP'}, tls: {mode: 'SIMPLE', credentialName: 'c'}})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls'}]},
  {name: 'httpsRedirect on HTTP is fine', spec: gw(server({tls: {httpsRedirect: true}})), expect: []},
  {name: 'httpsRedirect on HTTPS warns', spec: gw(https({mode: 'SIMPLE', credentialName: 'c', httpsRedirect: true})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls/httpsRedirect', severity: 'warning'}]},
  {name: 'SIMPLE without certificate', spec: gw(https({mode: 'SIMPLE'})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls'}]},
  {name: 'MUTUAL without client CA', spec: gw(https({mode: 'MUTUAL', serverCertificate: '/c.pem', privateKey: '/k.pem'})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls'}]},
  {name: 'ISTIO_MUTUAL with a credential', spec: gw(https({mode: 'ISTIO_MUTUAL', credentialName: 'c'})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls/credentialName'}]},
  {name: 'two certificate sources', spec: gw(https({mode: 'SIMPLE', credentialNames: ['a'], serverCertificate: '/c.pem', privateKey: '/k.pem'})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls'}]},
  {name: 'CRL with SIMPLE', spec: gw(https({mode: 'SIMPLE', serverCertificate: '/c.pem', privateKey: '/k.pem', caCrl: '/crl.pem'})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls/caCrl'}]},
  {name: 'unknown cipher suite warns', spec: gw(https({mode: 'SIMPLE', credentialName: 'c', cipherSuites: ['NOT-A-SUITE']})), expect: [{code: 'CL2301', path: '/spec/servers/0/tls/cipherSuites/0', severity: 'warning'}]},
  {name: 'credentialName and credentialNames (CEL)', spec: gw(https({mode: 'SIMPLE', credentialName: 'a', credentialNames: ['b']})), expect: [{code: 'CL2000', path: '/spec/servers/0/tls'}]},
  {name: 'unix bind with a port number', spec: gw(server({bind: 'unix:///var/run/gw.sock'})), expect: [{code: 'CL2300', path: '/spec/servers/0/port/number'}]},
]

test('Gateway rules', () => checkCases('Gateway', cases))
