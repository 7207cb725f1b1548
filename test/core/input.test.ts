import assert from 'node:assert/strict'
import {mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {parseEachDocument, parseSource, splitDocuments} from '../../src/core/input/documents.js'
import {Locator} from '../../src/core/input/locate.js'
import {decode, readInputSources} from '../../src/core/input/sources.js'
import {extractResources, stringMap} from '../../src/core/model/resource.js'
import {validatePaths, validationExitCode} from '../../src/core/validate/run-validate.js'

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'cleat-input-'))
}

describe('document splitting and parsing', () => {
  it('splits on document markers and keeps each document’s starting line', () => {
    const chunks = splitDocuments('a: 1\n---\nb: 2\n...\n---\nc: 3\n')
    assert.deepEqual(
      chunks.map((c) => [c.startLine, c.text]),
      [
        [0, 'a: 1\n'],
        [1, '---\nb: 2\n'],
        [4, '---\nc: 3\n'],
      ],
    )
  })

  it('reports a syntax error with its file position and still parses the other documents', () => {
    const r = parseSource({file: 'x.yaml', text: 'a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n'})
    assert.deepEqual(r.docs.map((d) => d.value), [{a: 1}, {d: 4}])
    assert.equal(r.diagnostics.length, 1)
    assert.equal(r.diagnostics[0]!.code, 'CL0001')
    assert.ok(r.diagnostics[0]!.line! >= 3 && r.diagnostics[0]!.line! <= 5, `line ${r.diagnostics[0]!.line}`)
  })

  it('applies merge keys but keeps dates and yes/no as YAML 1.2 core does', () => {
    const r = parseSource({file: 'x.yaml', text: 'base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\nd: 2024-01-02\nq: yes\n'})
    assert.deepEqual(r.docs[0]!.value, {base: {x: 1}, m: {x: 1, y: 2}, d: '2024-01-02', q: 'yes'})
  })

  it('reads JSON files and kind: List items as separate resources', () => {
    const text = JSON.stringify({apiVersion: 'v1', kind: 'List', items: [{apiVersion: 'v1', kind: 'Service', metadata: {name: 'a'}}, {apiVersion: 'v1', kind: 'Service', metadata: {name: 'b'}}]})
    const r = parseSource({file: 'list.json', text})
    const {resources} = extractResources(r.docs)
    assert.deepEqual(resources.map((x) => [x.name, x.pointer]), [['a', '/items/0'], ['b', '/items/1']])
  })

  it('refuses an alias bomb and a deeply nested document with CL0005, quickly', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`)
    const start = Date.now()
    const bomb = parseSource({file: 'bomb.yaml', text: lines.join('\n') + '\n'})
    assert.equal(bomb.docs.length, 0)
    assert.equal(bomb.diagnostics[0]!.code, 'CL0005')
    const deep = parseSource({file: 'deep.yaml', text: '['.repeat(5000) + ']'.repeat(5000)})
    assert.equal(deep.docs.length, 0)
    assert.equal(deep.diagnostics[0]!.code, 'CL0005')
    assert.ok(Date.now() - start < 10_000)
  })

  it('reads labels as a map of strings: shared when it holds only strings, copied without the rest', () => {
    const labels = {app: 'a', version: 'v1'}
    assert.equal(stringMap(labels), labels)
    assert.deepEqual(stringMap({app: 'a', replicas: 3, on: true}), {app: 'a'})
    assert.deepEqual(stringMap(null), {})
    assert.ok(Object.isFrozen(stringMap('x')))
    // js-yaml keeps a '__proto__' key as an own property; labels never carry it
    const parsed = parseSource({file: 'p.yaml', text: 'labels:\n  __proto__: x\n  app: a\n'}).docs[0]!.value as {labels: object}
    const read = stringMap(parsed.labels)
    assert.deepEqual(Object.keys(read), ['app'])
    assert.equal(Object.getPrototypeOf(read), Object.prototype)
  })

  it('reports an empty input as info CL0008', () => {
    const r = parseSource({file: 'empty.yaml', text: '# nothing here\n'})
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity]), [['CL0008', 'info']])
  })
})

/** What a parse gives a caller: per document its index, first line, own text and value. */
function view(text: string, parse: typeof parseSource) {
  const r = parse({file: 'f.yaml', text})
  return {docs: r.docs.map((d) => ({index: d.index, startLine: d.startLine, text: d.text, value: d.value})), codes: r.diagnostics.map((d) => d.code)}
}

describe('whole-file fast path', () => {
  const cases = [
    'a: 1\n---\nb: 2\n',
    '---\na: 1\n',
    '# header\n---\na: 1\n---\n# only a comment\n---\nb: [1, 2]\n',
    'a: 1\n...\n---\nb: 2\n...\n',
    '--- {a: 1}\n--- [x]\n---\n---\nc: |\n  text\n  ---not a marker\n',
    'a: 1\n---\n',
    'x: &v {k: 1}\ny: *v\n---\nz: "---"\n',
  ]
  for (const text of cases) {
    it(`gives the same documents, lines and texts as parsing each document: ${JSON.stringify(text).slice(0, 40)}`, () => {
      assert.deepEqual(view(text, parseSource), view(text, parseEachDocument))
    })
  }

  it('accepts a %YAML directive (the per-document reader cannot) and keeps it with its document', () => {
    const {docs, codes} = view('%YAML 1.2\n---\na: 1\n---\nb: 2\n', parseSource)
    assert.deepEqual(codes, [])
    assert.deepEqual(docs, [
      {index: 0, startLine: 0, text: '%YAML 1.2\n---\na: 1\n', value: {a: 1}},
      {index: 1, startLine: 3, text: '---\nb: 2\n', value: {b: 2}},
    ])
  })

  it('agrees with the per-document parse on 300 random multi-document files', () => {
    const pieces = ['---\n', '...\n', '# c\n', '\n', 'a: 1\n', 'b:\n  - x\n  - y\n', '--- k: v\n', 'n: null\n', 's: "q --- r"\n', 'm: {p: [1, 2]}\n']
    let seed = 7
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n)
    let compared = 0
    for (let i = 0; i < 300; i++) {
      const text = Array.from({length: 1 + rnd(9)}, () => pieces[rnd(pieces.length)]).join('')
      const fast = view(text, parseSource)
      const slow = view(text, parseEachDocument)
      // a per-document parse may refuse what the whole file accepts (and then reports it); otherwise equal
      if (slow.codes.length > 0) continue
      assert.deepEqual(fast, slow, JSON.stringify(text))
      compared++
    }
    assert.ok(compared >= 100, `only ${compared} of 300 files were compared`)
  })
})

describe('locating a JSON pointer', () => {
  const text = 'apiVersion: v1\nkind: X\nspec:\n  http:\n  - route:\n    - destination:\n        host: a\n      weight: 10\n'
  const doc = parseSource({file: 'x.yaml', text}).docs[0]!
  const loc = new Locator()
  it('finds the key of a nested field', () => {
    assert.deepEqual(loc.locate(doc, '/spec/http/0/route/0/weight'), {line: 8, column: 7})
    assert.deepEqual(loc.locate(doc, '/spec/http/0/route/0/destination/host'), {line: 7, column: 9})
  })
  it('falls back to the nearest existing parent for a missing field', () => {
    assert.deepEqual(loc.locate(doc, '/spec/http/0/timeout'), {line: 5, column: 5})
  })
  it('offsets positions by the document’s start line in a multi-document file', () => {
    const docs = parseSource({file: 'm.yaml', text: 'a: 1\n---\nb:\n  c: 2\n'}).docs
    assert.deepEqual(loc.locate(docs[1]!, '/b/c'), {line: 4, column: 3})
  })
})

describe('reading inputs', () => {
  it('walks directories recursively (yaml, yml, json only) and expands globs', async () => {
    const dir = await tempDir()
    await mkdir(path.join(dir, 'sub', 'deeper'), {recursive: true})
    await writeFile(path.join(dir, 'a.yaml'), 'a: 1\n')
    await writeFile(path.join(dir, 'sub', 'b.yml'), 'b: 1\n')
    await writeFile(path.join(dir, 'sub', 'deeper', 'c.json'), '{"c": 1}')
    await writeFile(path.join(dir, 'sub', 'notes.txt'), 'not yaml')
    const all = await readInputSources(['.'], {cwd: dir})
    assert.deepEqual(all.sources.map((s) => s.file).sort(), ['a.yaml', path.join('sub', 'b.yml'), path.join('sub', 'deeper', 'c.json')].sort())
    const globbed = await readInputSources(['sub/**/*.json'], {cwd: dir})
    assert.deepEqual(globbed.sources.map((s) => s.file), ['sub/deeper/c.json'])
  })

  it('locates NUL bytes and invalid UTF-8', () => {
    const bin = decode('b.yaml', Buffer.from('a: 1\nb: \u0000\n'), 1 << 20)
    assert.ok('diagnostic' in bin)
    assert.deepEqual([bin.diagnostic.code, bin.diagnostic.line, bin.diagnostic.column], ['CL0003', 2, 4])
    const bad = decode('u.yaml', Buffer.concat([Buffer.from('a: 1\nb: x'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]), 1 << 20)
    assert.ok('diagnostic' in bad)
    assert.deepEqual([bad.diagnostic.code, bad.diagnostic.line, bad.diagnostic.column], ['CL0003', 2, 5])
  })

  it('a 50 MB file is refused by the size limit without being read, and exits 65', async () => {
    const dir = await tempDir()
    const big = path.join(dir, 'big.yaml')
    await writeFile(big, Buffer.alloc(50 * 1024 * 1024, 'a: 1\n'))
    const start = Date.now()
    const r = await validatePaths([big], {cwd: dir})
    assert.equal(r.diagnostics[0]!.code, 'CL0004')
    assert.match(r.diagnostics[0]!.message, /50\.0 MiB, over the 16\.0 MiB limit/)
    assert.equal(validationExitCode(r.diagnostics, 'error', r.unreadable), 65)
    assert.ok(Date.now() - start < 5000)
  })

  it('a directory of 10,000 files is validated completely', async () => {
    const dir = await tempDir()
    const body = (i: number) => `apiVersion: v1\nkind: Service\nmetadata: {name: s${i}, namespace: shop}\nspec: {ports: [{port: 80}]}\n`
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({length: 500}, (_, k) => writeFile(path.join(dir, `f${i + k}.yaml`), body(i + k))))
    }
    const r = await validatePaths([dir], {cwd: dir})
    assert.equal(r.summary.files, 10_000)
    assert.equal(r.summary.resources, 10_000)
    assert.equal(r.summary.errors, 0)
  })
})
