// End-to-end: the built CLI (bin/run.js) as a child process.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {BIN, REPO_ROOT, runBin} from '../helpers/cli-process.js'

const hasScript = spawnSync('script', ['--version'], {encoding: 'utf8'}).status === 0

describe('cleat generate (end-to-end)', () => {
  it('regenerates the bundled example from its spec, and the result validates', async () => {
    const r = await runBin(['generate', '--from', 'examples/shop.spec.yaml'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, await readFile(path.join(REPO_ROOT, 'examples', 'shop.yaml'), 'utf8'))
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-e2e-gen-'))
    const file = path.join(dir, 'shop.yaml')
    const w = await runBin(['generate', '--from', 'examples/shop.spec.yaml', '--out-file', file])
    assert.equal(w.exitCode, 0, w.stderr)
    const v = await runBin(['validate', file, '-o', 'json'])
    assert.equal(v.exitCode, 0, v.stdout)
    const report = JSON.parse(v.stdout)
    assert.equal(report.summary.errors + report.summary.warnings, 0)
  })

  it('pipes the issue example straight into cleat validate', async () => {
    const vs = await runBin(['generate', 'virtualservice', '--name', 'reviews', '--namespace', 'shop', '--host', 'reviews', '--subset', 'v1=70', '--subset', 'v2=30'])
    const dr = await runBin(['generate', 'destinationrule', '--name', 'reviews', '--namespace', 'shop', '--host', 'reviews', '--subset', 'v1:version=v1', '--subset', 'v2:version=v2', '--tls', 'ISTIO_MUTUAL'])
    assert.equal(vs.exitCode, 0, vs.stderr)
    assert.equal(dr.exitCode, 0, dr.stderr)
    const v = await runBin(['validate', '-'], {input: `${vs.stdout}---\n${dr.stdout}`})
    assert.equal(v.exitCode, 0, v.stdout)
  })

  for (const [kind, flag] of [['virtualservice', '--name'], ['destinationrule', '--host'], ['authorizationpolicy', '--action'], ['peerauthentication', '--mode'], ['zero-trust', '--allow']]) {
    it(`${kind} without a terminal exits 64 naming the missing flags (${flag}, …)`, async () => {
      const r = await runBin(['generate', kind])
      assert.equal(r.exitCode, 64)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /no terminal to ask on/)
      assert.match(r.stderr, new RegExp(`^\\s+${flag}\\b`, 'm'))
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace')
    })
  }

  it('--help lists the flags from the parameter table and the exit codes', async () => {
    const r = await runBin(['generate', 'virtualservice', '--help'])
    assert.equal(r.exitCode, 0)
    for (const s of ['--subset=NAME=WEIGHT', '--match-header=NAME=VALUE', '--out-dir=DIR', '--dry-run', '--no-input', 'EXIT CODES', '64']) assert.ok(r.stdout.includes(s), s)
  })

  it('on a terminal, asks on stderr and prints only YAML on stdout', {skip: hasScript ? false : 'script(1) is not available for a pseudo-terminal'}, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cleat-e2e-pty-'))
    const out = path.join(dir, 'pa.yaml')
    const cmd = `'${process.execPath}' '${BIN}' generate peerauthentication > '${out}'`
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {cwd: REPO_ROOT, env: {...process.env, NO_COLOR: '1', TERM: 'xterm'}})
    let screen = ''
    const waitFor = (re) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; screen: ${screen}`)), 15000)
        const check = () => {
          if (re.test(screen)) {
            clearTimeout(timer)
            child.stdout.off('data', check)
            resolve()
          }
        }
        child.stdout.on('data', check)
        check()
      })
    child.stdout.on('data', (d) => (screen += d))
    await waitFor(/Namespace/)
    child.stdin.write('shop\r')
    await waitFor(/Mutual TLS mode/)
    await waitFor(/UNSET/)
    child.stdin.write('\r')
    const code = await new Promise((resolve) => child.on('close', resolve))
    assert.equal(code, 0, screen)
    assert.match(screen, /\(default\)/, 'the default is shown')
    assert.equal(await readFile(out, 'utf8'), 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: shop\nspec:\n  mtls:\n    mode: STRICT\n')
  })
})

describe('cleat generate --from - (end-to-end)', () => {
  it('reads a spec file from standard input', async () => {
    const spec = 'apiVersion: cleat.dev/v1alpha1\nkind: GenerateSpec\nresources:\n- {generate: peerauthentication, namespace: shop, mode: STRICT}\n'
    const r = await runBin(['generate', '--from', '-', '-o', 'json'], {input: spec})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout).spec, {mtls: {mode: 'STRICT'}})
  })
})
