import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {confirm, input, select} from '@inquirer/prompts'
import {render} from '@inquirer/testing'
import {requestFromFlags, runGenerate} from '../../../src/cli/generate-flags.js'
import {setOutputSink} from '../../../src/cli/io.js'
import {askParam, unlessCancelled, type Asker} from '../../../src/cli/prompts.js'
import {formatResources, generateResources, loadTemplate} from '../../../src/core/generate/index.js'

/** What the user does at one prompt: keys to press (arrows), text to type; `bad` is typed first and must be refused. */
interface Step {
  keys?: string[]
  text?: string
  bad?: {text: string; error: RegExp}
}

const tick = () => new Promise((r) => setImmediate(r))

/** An Asker that runs the real @inquirer prompts through @inquirer/testing and plays a script. */
function scripted(steps: Step[]): {asker: Asker; screens: string[]} {
  const screens: string[] = []
  async function play<T>(prompt: (config: never, ctx?: never) => Promise<T>, config: unknown): Promise<T> {
    const step = steps.shift()
    assert.ok(step, `unexpected prompt: ${JSON.stringify((config as {message: string}).message)}`)
    const {answer, events, getScreen} = await render(prompt as never, config as never)
    screens.push(getScreen())
    if (step.bad) {
      events.type(step.bad.text)
      events.keypress('enter')
      await tick()
      await tick()
      assert.match(getScreen(), step.bad.error)
      for (let i = 0; i < step.bad.text.length; i++) events.keypress('backspace')
    }
    for (const k of step.keys ?? []) events.keypress(k)
    if (step.text !== undefined) events.type(step.text)
    events.keypress('enter')
    return answer
  }
  return {
    screens,
    asker: {
      input: (q) => play(input as never, q),
      select: (q) => play(select as never, q),
      confirm: (q) => play(confirm as never, q),
    },
  }
}

describe('prompts for missing values (@inquirer/prompts driven by @inquirer/testing)', () => {
  it('asks for every missing value of a VirtualService, showing defaults, and generates it', async () => {
    const {asker, screens} = scripted([{text: 'reviews'}, {text: 'shop'}, {text: ''}])
    const req = await requestFromFlags('virtualservice', {subset: ['v1=70', 'v2=30']}, asker, true)
    assert.match(screens[0]!, /VirtualService name/)
    assert.match(screens[1]!, /Namespace \(default\)/)
    assert.match(screens[2]!, /Hosts \(comma-separated\) \(reviews\)/, 'the host defaults to the name given a moment ago')
    const out = formatResources(generateResources([req]).resources, 'yaml')
    assert.match(out, /name: reviews\n {2}namespace: shop\nspec:\n {2}hosts:\n {2}- reviews\n/)
    assert.match(out, /subset: v2\n {6}weight: 30/)
  })

  it('refuses an invalid answer with the same message as the flag, then accepts a valid one', async () => {
    const {asker} = scripted([{bad: {text: 'Reviews_1', error: /'Reviews_1' is not a valid name/}, text: 'reviews'}])
    const req = await requestFromFlags('destinationrule', {namespace: 'shop', host: 'reviews'}, asker, true)
    assert.equal(req.params.name, 'reviews')
  })

  it('uses a select list for enums and asks for what the choice makes necessary (CUSTOM → provider)', async () => {
    const {asker, screens} = scripted([{text: 'ext-authz'}, {keys: ['down', 'down', 'down']}, {bad: {text: ' ', error: /a value is required/}, text: 'oauth2-proxy'}])
    const req = await requestFromFlags('authorizationpolicy', {namespace: 'shop', selector: ['app=frontend']}, asker, true)
    assert.match(screens[1]!, /Action/)
    assert.match(screens[1]!, /ALLOW/)
    assert.match(screens[1]!, /CUSTOM/)
    assert.match(screens[2]!, /Extension provider/)
    assert.deepEqual({action: req.params.action, provider: req.params.provider}, {action: 'CUSTOM', provider: 'oauth2-proxy'})
  })

  it('asks for a list one item at a time until an empty answer', async () => {
    const {asker} = scripted([{text: 'shop'}, {bad: {text: 'frontend=>orders', error: /is not SOURCE_SA->DEST_APP/}, text: 'frontend->orders:GET'}, {text: 'orders->payments'}, {text: ''}])
    const req = await requestFromFlags('zero-trust', {}, asker, true)
    assert.deepEqual(req.params.allow, [{from: ['frontend'], to: 'orders', methods: ['GET']}, {from: ['orders'], to: 'payments'}])
  })

  it('the select list starts on the default (Enter accepts it)', async () => {
    const {asker} = scripted([{}])
    const p = loadTemplate('peerauthentication').params.find((x) => x.name === 'mode')!
    assert.equal(await askParam('peerauthentication', p, 'STRICT', asker), 'STRICT')
  })

  it('asks nothing when every value is given, and nothing at all without a terminal', async () => {
    const {asker} = scripted([])
    const req = await requestFromFlags('peerauthentication', {namespace: 'shop', mode: 'STRICT'}, asker, true)
    assert.equal(req.params.mode, 'STRICT')
    await assert.rejects(requestFromFlags('peerauthentication', {namespace: 'shop'}, asker, false), /no terminal to ask on[\s\S]*--mode/)
    await assert.rejects(requestFromFlags('peerauthentication', {namespace: 'shop', 'no-input': true}, asker, true), /--mode/)
  })

  it('leaving a prompt is a usage error (exit 64), not a crash', async () => {
    const {answer} = await render(input as never, {message: 'Namespace'} as never)
    ;(answer as unknown as {cancel(): void}).cancel()
    await assert.rejects(unlessCancelled(answer as Promise<string>), (e: Error & {exitCode?: number}) => {
      assert.equal(e.exitCode, 64)
      assert.match(e.message, /cancelled at the prompt; nothing was generated/)
      return true
    })
  })

  it('cleat generate on a terminal without --from offers the generators, then asks that generator\'s questions', async () => {
    const {asker, screens} = scripted([{keys: ['down', 'down', 'down']}, {text: 'shop'}, {}])
    let out = ''
    const restore = setOutputSink({out: (t) => (out += t), err: () => undefined})
    try {
      await runGenerate(undefined, {output: 'yaml'}, asker, true)
    } finally {
      restore()
    }
    assert.match(screens[0]!, /What should cleat generate\?/)
    assert.match(screens[0]!, /zero-trust/)
    assert.equal(out, 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: shop\nspec:\n  mtls:\n    mode: STRICT\n')
  })
})
