/**
 * The panel's actions that change something refuse a POST that says it comes from another site
 * (Origin, Sec-Fetch-Site), with a 403, a notice that says why and nothing done; a POST with
 * neither header (a script) or from the panel's own origin runs. Through a real HTTP server.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { foreignSource, normalizeTrustedOrigins } from '../src/adminjs/cross-site.js'
import { isSingleSessionError } from '../src/index.js'
import { examplePanel } from './support/admin-panel.js'
import type { Browser, Response } from './support/http.js'
import { sqlRegistry } from './support/sql-backend.js'

interface ActionBody {
  notice?: { type: string; message: string; options?: { text?: string; code?: string } }
  singleSession?: { phase: string }
}

const USERS_BULK = '/admin/api/resources/User/bulk/bulkLogoutAllSessions'
const EVIL = 'https://evil.example'

function assertRefused(res: Response<ActionBody>, from: string): void {
  assert.equal(res.status, 403, res.text.slice(0, 300))
  assert.equal(res.body.notice?.type, 'error')
  assert.equal(res.body.notice?.options?.code, 'CROSS_SITE_REQUEST')
  assert.equal(
    res.body.notice?.options?.text,
    `Refused: this request came from another site (${from}), not from this panel; nothing was done`,
  )
  assert.equal(res.body.singleSession, undefined, 'the action did not run')
}

describe('cross-site POSTs to the panel actions', () => {
  const suite = examplePanel('admin_csrf')
  const post = (browser: Browser, path: string, headers: Record<string, string>) =>
    browser.request<ActionBody>('POST', path, {}, headers)

  it('logging out users: Origin of another site → 403, alice still signed in', async () => {
    const alice = await suite.site('alice')
    const admin = await suite.panel('admin')
    const url = `${USERS_BULK}?recordIds=${suite.ids.alice}`
    assertRefused(await post(admin, url, { origin: EVIL }), EVIL)
    assertRefused(
      await post(admin, `/admin/api/resources/User/records/${suite.ids.alice}/logoutAllSessions`, {
        origin: EVIL,
      }),
      EVIL,
    )
    assertRefused(await post(admin, url, { 'sec-fetch-site': 'cross-site' }), 'cross-site')
    // A sibling subdomain is the same site, but not this panel.
    const sibling = 'https://blog.example.com'
    assertRefused(
      await post(admin, url, { origin: sibling, 'sec-fetch-site': 'same-site' }),
      sibling,
    )
    // `null` (a sandboxed frame) is no origin of ours.
    assertRefused(await post(admin, url, { origin: 'null' }), 'null')
    assert.equal(await suite.sessions('alice'), 1)
    assert.equal((await alice.get('/me')).status, 200)
    // The GET preview is still answered.
    const preview = await admin.request<ActionBody>('GET', url, undefined, { origin: EVIL })
    assert.equal(preview.body.singleSession?.phase, 'preview')
  })

  it('logging out one session and deleting a user: refused the same way', async () => {
    await suite.site('bob')
    const admin = await suite.panel('admin')
    const row = await sqlRegistry(suite.example.singleSession).model.findOne({
      where: { userId: String(suite.ids.bob) },
    })
    assertRefused(
      await post(admin, `/admin/api/resources/UserSession/records/${row!.id}/logoutSession`, {
        origin: EVIL,
      }),
      EVIL,
    )
    assertRefused(
      await post(
        admin,
        `/admin/api/resources/UserSession/bulk/bulkLogoutSessions?recordIds=${row!.id}`,
        {
          origin: EVIL,
        },
      ),
      EVIL,
    )
    assertRefused(
      await post(admin, `/admin/api/resources/User/records/${suite.ids.bob}/delete`, {
        origin: EVIL,
      }),
      EVIL,
    )
    assertRefused(
      await post(admin, `/admin/api/resources/User/bulk/bulkDelete?recordIds=${suite.ids.bob}`, {
        origin: EVIL,
      }),
      EVIL,
    )
    assert.equal(await suite.sessions('bob'), 1)
    assert.ok(await suite.example.User.findByPk(suite.ids.bob))
  })

  it('the panel’s own origin, and a request with neither header, run', async () => {
    await suite.site('alice')
    await suite.site('bob')
    const admin = await suite.panel('admin')
    const own = await post(admin, `${USERS_BULK}?recordIds=${suite.ids.alice}`, {
      origin: suite.url,
      'sec-fetch-site': 'same-origin',
    })
    assert.equal(own.status, 200)
    assert.equal(own.body.notice?.type, 'success')
    assert.equal(await suite.sessions('alice'), 0)

    const script = await post(admin, `${USERS_BULK}?recordIds=${suite.ids.bob}`, {})
    assert.equal(script.status, 200)
    assert.equal(script.body.notice?.type, 'success')
    assert.equal(await suite.sessions('bob'), 0)
  })
})

describe('trustedOrigins', () => {
  const host = { host: 'panel.example.com' }

  it('lets the listed origins through, and only them', () => {
    const trusted = normalizeTrustedOrigins(['https://admin.example.com/'])
    assert.deepEqual(trusted, ['https://admin.example.com'])
    const from = (headers: Record<string, string>) =>
      foreignSource({ ...host, ...headers }, trusted)
    assert.equal(from({ origin: 'https://admin.example.com', 'sec-fetch-site': 'same-site' }), null)
    assert.equal(from({ origin: 'https://panel.example.com' }), null)
    assert.equal(from({}), null)
    assert.equal(
      from({ origin: 'https://admin.example.com.evil.example' }),
      'https://admin.example.com.evil.example',
    )
    assert.equal(from({ origin: 'http://admin.example.com' }), 'http://admin.example.com')
  })

  it('throws INVALID_OPTION naming the option for anything but a list of origins', () => {
    for (const bad of ['https://a.example', ['https://a.example/path'], [42], ['*'], ['null']]) {
      assert.throws(
        () => normalizeTrustedOrigins(bad),
        (error: unknown) =>
          isSingleSessionError(error, 'INVALID_OPTION') && /`trustedOrigins`/.test(error.message),
        JSON.stringify(bad),
      )
    }
  })
})
