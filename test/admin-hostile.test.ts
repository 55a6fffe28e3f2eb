/**
 * Hostile calls of the panel's logout actions, through a real HTTP server with the example app
 * (AdminJS at /admin on the site's session cookie) on a fresh database. Every case asserts the
 * outcome, that it is never a 500, and what was (not) written: the victims' recorded sessions
 * and whether their browsers are still signed in. test/admin.test.ts covers the ordinary use and
 * the first round of bad input; this file covers what an attacker or a broken client would try.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { hashPassword } from '../example-app/passwords.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { Browser, listen, type Response } from './support/http.js'
import { siteSession, panelSession } from './support/panel.js'
import { sqlRegistry } from './support/sql-backend.js'

interface ActionBody {
  notice?: { message: string; type: string; options?: { text?: string } }
  singleSession?: {
    phase: string
    text: string
    targets: Array<{ id: string; label: string; sessions: number }>
    skipped: Array<{ id: string; label: string }>
    missing: string[]
    sessions: number
    canProceed: boolean
  }
}

const USERS_BULK = '/admin/api/resources/User/bulk/bulkLogoutAllSessions'
const SESSIONS_BULK = '/admin/api/resources/UserSession/bulk/bulkLogoutSessions'
const userRecord = (id: number | string) =>
  `/admin/api/resources/User/records/${id}/logoutAllSessions`
const sessionRecord = (id: number | string) =>
  `/admin/api/resources/UserSession/records/${id}/logoutSession`
const noticeText = (body: ActionBody) => body.notice?.options?.text ?? body.notice?.message
const methods = ['GET', 'POST'] as const

describe('AdminJS actions under hostile calls', () => {
  let db: TestDatabase
  let example: ExampleApp
  let server: Awaited<ReturnType<typeof listen>>
  const ids: Record<string, number> = {}

  before(async () => {
    db = await freshDatabase('admin_hostile')
    example = await createExampleApp({
      databaseUrl: db.url,
      sessionSecret: 'admin hostile secret',
      singleSession: { limit: 3 },
    })
    server = await listen(example.app)
    for (const user of await example.User.findAll()) ids[user.email.split('@')[0]!] = user.id
  })
  after(async () => {
    await server.close()
    await example.close()
    await db.drop()
  })

  // ---- helpers ------------------------------------------------------------------------------

  const site = (who: string) => siteSession(server.url, who)
  const panel = (who: string) => panelSession(server.url, who)

  const sessionCount = (who: string) =>
    sqlRegistry(example.singleSession).model.count({ where: { userId: String(ids[who]) } })
  const allRows = () => sqlRegistry(example.singleSession).model.count()
  async function sessionRowIds(who: string): Promise<number[]> {
    const rows = await sqlRegistry(example.singleSession).model.findAll({
      where: { userId: String(ids[who]) },
      order: [['id', 'ASC']],
    })
    return rows.map((r) => r.id)
  }

  /** The people an attacker would like to sign out, each signed into the site. */
  interface Victims {
    browsers: Array<[who: string, browser: Browser]>
    counts: Record<string, number>
    rows: number
  }

  /**
   * Signs the victims into the site (and `attacker`, if given, into the panel), then notes what
   * is recorded: `untouched()` compares against it.
   */
  async function victims(attacker?: string): Promise<{ v: Victims; attacker: Browser }> {
    await example.singleSession.logoutUsers(Object.values(ids))
    const browsers: Victims['browsers'] = []
    for (const who of ['alice', 'alice', 'bob', 'root', 'admin']) {
      browsers.push([who, await site(who)])
    }
    const counts: Record<string, number> = {}
    const countAll = async () => {
      for (const who of ['alice', 'bob', 'root', 'admin']) counts[who] = await sessionCount(who)
    }
    await countAll()
    assert.deepEqual(counts, { alice: 2, bob: 1, root: 1, admin: 1 })
    const panelBrowser = attacker ? await panel(attacker) : new Browser(server.url)
    await countAll() // the attacker's panel session included
    return { v: { browsers, counts, rows: await allRows() }, attacker: panelBrowser }
  }

  /** Nothing was written: every recorded session is still there and still signs its browser in. */
  async function untouched(v: Victims, context: string): Promise<void> {
    assert.equal(await allRows(), v.rows, `${context}: the sessions table changed`)
    for (const who of Object.keys(v.counts)) {
      assert.equal(await sessionCount(who), v.counts[who], `${context}: ${who}'s sessions`)
    }
    for (const [who, browser] of v.browsers) {
      assert.equal((await browser.get('/me')).status, 200, `${context}: ${who} was signed out`)
    }
  }

  function call(
    b: Browser,
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<Response<ActionBody>> {
    return b.request<ActionBody>(method, path, method === 'POST' ? '{}' : undefined, {
      'content-type': 'application/json',
      ...headers,
    })
  }

  /** Never a 500, never a stack trace or a database error in the answer. */
  function noCrash(res: Response<unknown>, context: string): void {
    assert.notEqual(res.status, 500, `${context}: 500 ${res.text.slice(0, 300)}`)
    assert.ok(res.status < 500, `${context}: ${res.status} ${res.text.slice(0, 300)}`)
    assert.doesNotMatch(
      res.text,
      /\bat [\w.<>]+ \(|Sequelize\w*Error|SQLITE_|syntax error|ER_\w+/,
      `${context}: internals leaked`,
    )
  }

  /** Every action URL an attacker could aim at alice (and at the others' sessions). */
  async function actionUrls(): Promise<string[]> {
    const aliceRows = await sessionRowIds('alice')
    const rootRows = await sessionRowIds('root')
    return [
      `${USERS_BULK}?recordIds=${ids.alice},${ids.bob},${ids.root},${ids.admin}`,
      userRecord(ids.alice!),
      userRecord(ids.root!),
      `${SESSIONS_BULK}?recordIds=${[...aliceRows, ...rootRows].join(',')}`,
      sessionRecord(aliceRows[0]!),
      sessionRecord(rootRows[0]!),
    ]
  }

  // ---- no session, or a session that may not use the panel ----------------------------------

  describe('without a panel session', () => {
    it('no cookie at all (GET, POST as JSON, POST as a form): sent to the login form, nothing ended', async () => {
      const { v } = await victims()
      for (const url of await actionUrls()) {
        for (const [method, body, type] of [
          ['GET', undefined, undefined],
          ['POST', '{}', 'application/json'],
          ['POST', 'confirm=1', 'application/x-www-form-urlencoded'],
        ] as const) {
          const stranger = new Browser(server.url)
          const res = await stranger.request<ActionBody>(
            method,
            url,
            body,
            type ? { 'content-type': type } : {},
          )
          noCrash(res, `${method} ${url}`)
          assert.equal(res.status, 302, `${method} ${url}`)
          assert.equal(res.headers.get('location'), '/admin/login', `${method} ${url}`)
          assert.equal(res.body, undefined, 'no action answer')
          assert.equal(stranger.cookie, undefined, 'no session was created for a stranger')
        }
      }
      await untouched(v, 'no cookie')
    })

    it('a forged or tampered cookie: the same as none', async () => {
      const { v, attacker: staff } = await victims('staff')
      const forged = [
        's%3Aforged-session-id.invalidsignature',
        // A real session id with its signature cut off, and one with the signature altered.
        staff.cookie!.slice(0, staff.cookie!.lastIndexOf('.')),
        staff.cookie!.slice(0, -3) + 'AAA',
        'x'.repeat(4000),
      ]
      for (const cookie of forged) {
        for (const url of await actionUrls()) {
          for (const method of methods) {
            const b = new Browser(server.url)
            b.cookie = cookie
            const res = await call(b, method, url)
            noCrash(res, `${method} ${url} with ${cookie.slice(0, 40)}`)
            assert.equal(res.status, 302)
            assert.equal(res.headers.get('location'), '/admin/login')
          }
        }
      }
      await untouched(v, 'forged cookie')
    })

    it('alice’s site session (role user, may not enter the panel): refused, and she stays signed in to the site', async () => {
      const { v } = await victims()
      const [, alice] = v.browsers[0]!
      // She tries to get in first: the form refuses her and leaves her site session alone.
      const login = await alice.request(
        'POST',
        '/admin/login',
        'email=alice%40example.com&password=password',
        { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      )
      assert.equal(login.status, 200, 'the login form again')
      assert.equal(login.headers.get('location'), null)
      for (const url of await actionUrls()) {
        for (const method of methods) {
          const res = await call(alice, method, url)
          noCrash(res, `alice ${method} ${url}`)
          assert.equal(res.status, 302, `alice ${method} ${url}`)
          assert.equal(res.headers.get('location'), '/admin/login')
        }
      }
      // Nor can she read the sessions list (it would show everyone's devices and IPs).
      const list = await alice.get('/admin/api/resources/UserSession/actions/list')
      assert.equal(list.status, 302)
      await untouched(v, 'alice')
    })
  })

  // ---- a `logout` holder aiming at admins -------------------------------------------------

  describe('staff (holds only `logout`) with admins hidden in a long selection', () => {
    it('users: root and admin among 3,000 alice/bob ids are skipped and named, never logged out', async () => {
      const { v, attacker: staff } = await victims('staff')
      const list: number[] = []
      for (let i = 0; i < 3000; i++) list.push(i % 2 ? ids.alice! : ids.bob!)
      list[1234] = ids.root!
      list[2890] = ids.admin!
      list[2891] = ids.root!
      const url = `${USERS_BULK}?recordIds=${list.join(',')}`

      const preview = await staff.get<ActionBody>(url)
      noCrash(preview, 'preview')
      assert.equal(preview.status, 200)
      const planned = preview.body.singleSession!
      assert.deepEqual(planned.targets.map((t) => t.label).sort(), [
        'alice@example.com',
        'bob@example.com',
      ])
      assert.equal(planned.sessions, 3, 'duplicates counted once')
      assert.deepEqual(planned.skipped.map((t) => t.label).sort(), [
        'admin@example.com',
        'root@example.com',
      ])
      assert.match(planned.text, /2 admins will be skipped: .*(needs logout_all)/)
      await untouched(v, 'preview')

      const done = await staff.post<ActionBody>(url)
      noCrash(done, 'post')
      assert.equal(done.status, 200)
      assert.equal(done.body.notice!.type, 'info', 'not a plain success: some were skipped')
      assert.match(
        noticeText(done.body)!,
        /^2 users logged out \(3 sessions\); 2 admins skipped: (admin|root)@example\.com, (admin|root)@example\.com \(needs logout_all\)$/,
      )
      assert.equal(done.body.singleSession!.sessions, 3)
      assert.equal(await sessionCount('alice'), 0)
      assert.equal(await sessionCount('bob'), 0)
      assert.equal(await sessionCount('root'), 1, 'root never logged out')
      assert.equal(await sessionCount('admin'), 1, 'admin never logged out')
      for (const [who, browser] of v.browsers) {
        const expected = who === 'root' || who === 'admin' ? 200 : 401
        assert.equal((await browser.get('/me')).status, expected, who)
      }
    })

    it('sessions: root’s session rows among alice’s, repeated, are skipped; the record action refuses them too', async () => {
      const { v, attacker: staff } = await victims('staff')
      const [aliceRow1, aliceRow2] = await sessionRowIds('alice')
      const [rootRow] = await sessionRowIds('root')
      const [adminRow] = await sessionRowIds('admin')

      for (const row of [rootRow!, adminRow!]) {
        for (const method of methods) {
          const res = await call(staff, method, sessionRecord(row))
          noCrash(res, `record ${row}`)
          assert.equal(res.status, 200)
          if (method === 'POST') {
            assert.equal(res.body.notice?.type, 'error')
            assert.match(
              noticeText(res.body)!,
              /^No session was logged out; 1 admin's session skipped: (root|admin)@example\.com \(Firefox on Linux\) \(needs logout_all\)$/,
            )
          } else assert.equal(res.body.singleSession?.canProceed, false)
        }
      }
      await untouched(v, 'record action on admins’ sessions')

      const list = [aliceRow1, rootRow, aliceRow1, adminRow, aliceRow2, rootRow, ' ' + rootRow]
      const done = await staff.post<ActionBody>(`${SESSIONS_BULK}?recordIds=${list.join(',')}`)
      noCrash(done, 'bulk')
      assert.equal(done.body.notice?.type, 'info')
      assert.match(noticeText(done.body)!, /^2 sessions logged out; 2 admins' sessions skipped: /)
      assert.equal(done.body.singleSession!.skipped.length, 2)
      assert.equal(await sessionCount('alice'), 0)
      assert.equal(await sessionCount('root'), 1)
      assert.equal(await sessionCount('admin'), 1)
    })
  })

  // ---- malformed, duplicate and huge selections --------------------------------------------

  describe('malformed ids: a clear answer, never a 500, nothing done that is not reported', () => {
    // Ids that are not exactly an id. Loose databases may find a record for some ("1e0" is 1 on
    // MariaDB and SQLite): the action must still not touch it.
    const malformed = (alice: number) => [
      `1' OR 1=1`,
      `1' OR '1'='1`,
      `${alice} OR 1=1`,
      `-1`,
      `-${alice}`,
      `1e3`,
      `${alice}e0`,
      `${alice}.0`,
      `%2B${alice}`, // a literal '+' ('+' alone is a space in a query)
      `0x${alice.toString(16)}`,
      `${alice}abc`,
      `abc`,
      `NaN`,
      `Infinity`,
      `null`,
      `%00`,
      `%E2%91%A0`, // ①
      `%D9%A3`, // Arabic-Indic three
      `%EF%BC%91`, // full-width 1
      `%F0%9F%92%A5`,
      `%ED%A0%80`, // a lone surrogate, as UTF-8 bytes
      `${'9'.repeat(400)}`,
      `%25`,
      `[]`,
    ]

    it('on the bulk actions of both resources: refused (4xx) or "nobody was logged out", victims untouched', async () => {
      // admin may log out anyone: the strongest attacker.
      const { v, attacker: admin } = await victims('admin')
      // The admin's own panel session is a row too: it must survive as well.
      const rows = await allRows()
      for (const id of malformed(ids.alice!)) {
        for (const base of [USERS_BULK, SESSIONS_BULK]) {
          for (const method of methods) {
            const res = await call(admin, method, `${base}?recordIds=${id}`)
            const context = `${method} ${base} ${id}`
            noCrash(res, context)
            if (res.status >= 400) {
              assert.ok([400, 404].includes(res.status), `${context}: ${res.status}`)
              assert.equal(res.body.notice?.type, 'error', context)
              assert.match(noticeText(res.body)!, /nothing was done/, context)
            } else if (method === 'GET') {
              assert.equal(res.body.singleSession?.canProceed, false, context)
            } else {
              assert.equal(res.body.notice?.type, 'error', context)
              assert.match(noticeText(res.body)!, /^(Nobody|No session) was logged out/, context)
              assert.equal(res.body.singleSession?.sessions, 0, context)
            }
            assert.equal(await allRows(), rows, `${context}: something was logged out`)
          }
        }
      }
      // The record actions, with the same ids in the path.
      for (const id of malformed(ids.alice!)) {
        for (const path of [userRecord(id), sessionRecord(id)]) {
          const res = await call(admin, 'POST', path)
          noCrash(res, `POST ${path}`)
          // Express's 400 for a path it cannot decode, AdminJS's own "no such record", or (a
          // database that compares loosely found one) ours: nobody logged out, id not found.
          if (res.status === 400 && res.body.notice === undefined) continue
          assert.equal(res.body.notice?.type, 'error', path)
          if (res.body.singleSession) {
            assert.equal(res.body.singleSession.sessions, 0, path)
            assert.deepEqual(res.body.singleSession.missing, [decodeURIComponent(id)], path)
          }
          assert.equal(await allRows(), v.rows, `${path}: something was logged out`)
        }
      }
      await untouched(v, 'malformed ids')
    })

    it('a valid id next to a malformed one: either all refused, or exactly the valid one done and the rest reported', async () => {
      const base = `${USERS_BULK}?recordIds=`
      for (const bad of [`abc`, `${ids.root}.0`, `-1`, `%E2%91%A0`]) {
        const { v, attacker: admin } = await victims('admin')
        const res = await call(admin, 'POST', `${base}${ids.alice},${bad}`)
        noCrash(res, bad)
        if (res.status >= 400) {
          // PostgreSQL rejects the whole query: nothing was done, and the notice says so.
          assert.equal(res.status, 400, bad)
          assert.match(noticeText(res.body)!, /nothing was done/)
          await untouched(v, `alice + ${bad}`)
        } else {
          assert.equal(res.status, 200)
          assert.equal(
            noticeText(res.body),
            `1 user logged out (2 sessions); 1 id not found: ${decodeURIComponent(bad)}`,
            bad,
          )
          assert.equal(await sessionCount('alice'), 0)
          assert.equal(await sessionCount('root'), 1, `${bad} must not reach root`)
          assert.equal(await sessionCount('bob'), 1)
        }
      }
    })

    it('empty segments and whitespace are dropped (or the list refused), duplicates count once', async () => {
      const { v, attacker: staff } = await victims('staff')
      const url = `${USERS_BULK}?recordIds=,${ids.alice},,${ids.bob},%20${ids.alice}%20,${ids.bob},,`
      const preview = await staff.get<ActionBody>(url)
      noCrash(preview, 'preview')
      if (preview.status === 400) {
        // PostgreSQL: AdminJS hands the empty ids to the database, which refuses '' as an
        // integer; the whole selection is refused and nothing is done.
        assert.match(noticeText(preview.body)!, /nothing was done/)
        const post = await staff.post<ActionBody>(url)
        assert.equal(post.status, 400)
        assert.match(noticeText(post.body)!, /nothing was done/)
        await untouched(v, 'empty segments refused')
        return
      }
      assert.equal(preview.body.singleSession!.targets.length, 2)
      assert.deepEqual(preview.body.singleSession!.missing, [])
      const done = await staff.post<ActionBody>(url)
      assert.equal(noticeText(done.body), '2 users logged out (3 sessions)')
      assert.equal(done.body.notice!.type, 'success')
      assert.equal(await sessionCount('alice'), 0)
      assert.equal(await sessionCount('bob'), 0)
      assert.equal(await sessionCount('root'), 1)
    })

    it('recordIds given twice, as an array or as an object: a 4xx notice, nothing done', async () => {
      const { v, attacker: admin } = await victims('admin')
      for (const query of [
        `recordIds=${ids.alice}&recordIds=${ids.bob}`,
        `recordIds[]=${ids.alice}`,
        `recordIds[0]=${ids.alice}&recordIds[1]=${ids.bob}`,
        `recordIds[a]=${ids.alice}`,
        `recordIds[toString]=${ids.alice}`,
        `recordIds[__proto__][x]=1`,
      ]) {
        for (const base of [USERS_BULK, SESSIONS_BULK]) {
          for (const method of methods) {
            const res = await call(admin, method, `${base}?${query}`)
            const context = `${method} ${base}?${query}`
            noCrash(res, context)
            // Not a 503 "temporarily unavailable" either: the request is wrong, not the server.
            assert.ok([400, 404].includes(res.status), `${context}: ${res.status} ${res.text}`)
            assert.equal(res.body.notice?.type, 'error', context)
            assert.match(noticeText(res.body)!, /nothing was done/, context)
            assert.equal(await allRows(), v.rows, context)
          }
        }
      }
      await untouched(v, 'recordIds as array/object')
    })
  })

  describe('huge selections', () => {
    it('5,000 ids that are alice and bob repeated: counted once, done, and reported', async () => {
      const { attacker: staff } = await victims('staff')
      const list = Array.from({ length: 5000 }, (_, i) => (i % 2 ? ids.alice : ids.bob))
      const done = await staff.post<ActionBody>(`${USERS_BULK}?recordIds=${list.join(',')}`)
      noCrash(done, '5000 duplicates')
      assert.equal(noticeText(done.body), '2 users logged out (3 sessions)')
      assert.equal(await sessionCount('root'), 1)
      assert.equal(await sessionCount('admin'), 1)
    })

    it('2,500 distinct ids (a URL just under the server’s limit): refused with a notice, nothing done', async () => {
      const { v, attacker: staff } = await victims('staff')
      const many = Array.from({ length: 2500 }, (_, i) => i + 1)
      const url = `${USERS_BULK}?recordIds=${many.join(',')}`
      assert.ok(url.length > 10_000 && url.length < 16_000, String(url.length))
      for (const method of methods) {
        const res = await call(staff, method, url)
        noCrash(res, method)
        assert.equal(res.status, 200)
        assert.equal(res.body.notice?.type, 'error')
        assert.match(noticeText(res.body)!, /at most 1000 .*2500 selected.*nothing was done/)
      }
      // The same on the sessions resource.
      const sessions = await call(staff, 'POST', `${SESSIONS_BULK}?recordIds=${many.join(',')}`)
      noCrash(sessions, 'sessions')
      assert.equal(sessions.body.notice?.type, 'error')
      assert.match(noticeText(sessions.body)!, /nothing was done/)
      await untouched(v, '2500 ids')
    })

    it('5,000 distinct ids and a URL over the server’s limit: a 4xx from the server, nothing done', async () => {
      const { v, attacker: staff } = await victims('staff')
      const many = Array.from({ length: 5000 }, (_, i) => 100_000 + i)
      many[2500] = ids.alice!
      const over = await call(staff, 'POST', `${USERS_BULK}?recordIds=${many.join(',')}`)
      assert.equal(over.status, 431, 'Request Header Fields Too Large')
      const huge = await call(staff, 'POST', `${USERS_BULK}?recordIds=${'1,'.repeat(40_000)}`)
      assert.equal(huge.status, 431)
      await untouched(v, 'over the limit')
    })
  })

  // ---- cross-site GET ------------------------------------------------------------------------

  describe('cross-site GET (a link or an <img> on another site, with the admin’s cookie)', () => {
    it('the cookie set at login (panel or site) is SameSite=Lax and HttpOnly: another site’s POST carries none', async () => {
      const panelLogin = await new Browser(server.url).request(
        'POST',
        '/admin/login',
        'email=admin%40example.com&password=password',
        { 'content-type': 'application/x-www-form-urlencoded' },
      )
      const siteLogin = await new Browser(server.url).post('/login', {
        email: 'bob@example.com',
        password: 'password',
      })
      for (const res of [panelLogin, siteLogin]) {
        const cookie = res.headers.getSetCookie().find((line) => line.startsWith('sid='))
        assert.ok(cookie)
        assert.match(cookie, /;\s*SameSite=Lax/i)
        assert.match(cookie, /;\s*HttpOnly/i)
        assert.match(
          cookie,
          /;\s*Expires=/i,
          'the site’s 8-hour lifetime, not a browser-session cookie',
        )
      }
    })

    it('GET of every action, API or page, with cross-site headers: a preview, nothing changes', async () => {
      const { v, attacker: admin } = await victims('admin')
      const crossSite = {
        referer: 'https://evil.example/page',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
      }
      for (const url of await actionUrls()) {
        for (const accept of ['application/json', 'text/html', 'image/*', '*/*']) {
          const res = await call(admin, 'GET', url, { ...crossSite, accept })
          noCrash(res, `GET ${url} (${accept})`)
          assert.equal(res.status, 200)
          assert.notEqual(res.body.notice?.type, 'success')
          assert.notEqual(res.body.notice?.type, 'info')
          if (res.body.singleSession) assert.equal(res.body.singleSession.phase, 'preview')
        }
        // The panel's own page for the action (what a link would open): the React app,
        // which only previews until the admin confirms.
        const page = await call(admin, 'GET', url.replace('/admin/api/', '/admin/'), {
          ...crossSite,
          accept: 'text/html',
        })
        noCrash(page, `page ${url}`)
        assert.equal(page.status, 200)
      }
      // HEAD and OPTIONS are GETs to Express: also previews.
      for (const method of ['HEAD', 'OPTIONS']) {
        const res = await admin.request(method, `${USERS_BULK}?recordIds=${ids.alice}`, undefined, {
          ...crossSite,
        })
        assert.ok(res.status < 500, `${method}: ${res.status}`)
      }
      await untouched(v, 'cross-site GET')
    })
  })

  // ---- permission revoked while signed in ---------------------------------------------------

  describe('a permission revoked while the admin stays signed in', () => {
    it('staff loses `logout`: refused on the record action and both UserSession actions, nothing ended', async () => {
      const { v, attacker: staff } = await victims('staff')
      // Allowed a moment ago: the preview offers alice.
      const before = await staff.get<ActionBody>(userRecord(ids.alice!))
      assert.equal(before.body.singleSession?.canProceed, true)
      const aliceRows = await sessionRowIds('alice')
      try {
        await example.User.update({ permissions: [] }, { where: { email: 'staff@example.com' } })
        for (const url of [
          userRecord(ids.alice!),
          `${USERS_BULK}?recordIds=${ids.alice},${ids.bob}`,
          sessionRecord(aliceRows[0]!),
          `${SESSIONS_BULK}?recordIds=${aliceRows.join(',')}`,
        ]) {
          for (const method of methods) {
            const res = await call(staff, method, url)
            noCrash(res, `${method} ${url}`)
            assert.equal(res.status, 200, url)
            assert.equal(res.body.notice?.type, 'error', `${method} ${url}`)
            assert.match(noticeText(res.body)!, /not allowed.*nothing was done/, url)
            assert.equal(res.body.singleSession?.canProceed, false)
          }
        }
        await untouched(v, 'revoked')
      } finally {
        await example.User.update(
          { permissions: ['logout'] },
          { where: { email: 'staff@example.com' } },
        )
      }
    })

    it('permissions stored as junk, or the account deleted: refused, nothing ended', async () => {
      const temp = await example.User.create({
        email: 'temp-staff@example.com',
        name: 'Temp',
        role: 'staff',
        permissions: ['logout'],
        passwordHash: await hashPassword('password'),
      })
      ids['temp-staff'] = temp.id
      const { v, attacker: staff } = await victims('temp-staff')
      const aliceRows = await sessionRowIds('alice')
      const urls = [
        userRecord(ids.alice!),
        `${USERS_BULK}?recordIds=${ids.alice}`,
        sessionRecord(aliceRows[0]!),
        `${SESSIONS_BULK}?recordIds=${aliceRows.join(',')}`,
      ]
      const refusedEverywhere = async (context: string) => {
        for (const url of urls) {
          const res = await call(staff, 'POST', url)
          noCrash(res, `${context} ${url}`)
          assert.equal(res.body.notice?.type, 'error', `${context} ${url}`)
          assert.match(noticeText(res.body)!, /not allowed.*nothing was done/, `${context} ${url}`)
        }
        await untouched(v, context)
      }
      for (const junk of ['logout', { logout: true }, ['LOGOUT'], [['logout']], 'not json']) {
        await example.User.update(
          { permissions: junk as unknown as string[] },
          { where: { id: temp.id } },
        )
        await refusedEverywhere(`permissions ${JSON.stringify(junk)}`)
      }
      await example.User.update({ permissions: ['logout'] }, { where: { id: temp.id } })
      await example.User.destroy({ where: { id: temp.id } })
      await refusedEverywhere('deleted account')
    })
  })
})
