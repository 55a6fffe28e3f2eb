import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { express, expressMajor, expressVersion } from './support/express.js'
import { listen } from './support/http.js'

const require = createRequire(import.meta.url)

/**
 * The test apps run on the Express that TEST_EXPRESS names (test/run.ts reruns the core and
 * Passport tests with TEST_EXPRESS=5): its package, and behaviour only that major has.
 */
describe(`the test apps' Express (TEST_EXPRESS=${process.env.TEST_EXPRESS ?? 'unset'})`, () => {
  it(`is Express ${expressMajor}`, () => {
    assert.equal(expressMajor, process.env.TEST_EXPRESS === '5' ? 5 : 4)
    assert.match(expressVersion, new RegExp(`^${expressMajor}\\.`))
    assert.equal(express, require(expressMajor === 5 ? 'express5' : 'express'))
  })

  it('routes as that major does (Express 5: named wildcards; Express 4: no such syntax)', async () => {
    const app = express()
    app.get('/files/*rest', (req, res) => {
      res.json({ rest: (req.params as Record<string, unknown>).rest })
    })
    const server = await listen(app)
    try {
      const response = await fetch(`${server.url}/files/a/b`)
      if (expressMajor === 5) {
        assert.equal(response.status, 200)
        assert.deepEqual(await response.json(), { rest: ['a', 'b'] })
      } else {
        assert.equal(response.status, 404)
      }
    } finally {
      await server.close()
    }
  })

  // docs/adminjs.md tells Express 5 users to keep ADMIN_JS_TMP_DIR out of dot-folders, because
  // @adminjs/express serves the production component bundle with res.sendFile.
  it(`sendFile ${expressMajor === 5 ? 'refuses' : 'serves'} a file under a dot-folder (.adminjs/bundle.js)`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'sendfile-'))
    mkdirSync(join(root, '.adminjs'))
    mkdirSync(join(root, 'adminjs-bundle'))
    writeFileSync(join(root, '.adminjs', 'bundle.js'), '// bundle')
    writeFileSync(join(root, 'adminjs-bundle', 'bundle.js'), '// bundle')
    const app = express()
    app.get('/dot', (_req, res) => res.sendFile(join(root, '.adminjs', 'bundle.js')))
    app.get('/plain', (_req, res) => res.sendFile(join(root, 'adminjs-bundle', 'bundle.js')))
    const server = await listen(app)
    try {
      assert.equal((await fetch(`${server.url}/plain`)).status, 200)
      assert.equal((await fetch(`${server.url}/dot`)).status, expressMajor === 5 ? 404 : 200)
    } finally {
      await server.close()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
