/**
 * The AdminJS integration through a real HTTP server: the example app (AdminJS at /admin on the
 * site's session cookie) on a fresh database, driven like the panel's own API client does.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { hashPassword } from '../example-app/passwords.js'
import type { LogoutSummary } from '../src/adminjs/types.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { Browser, listen, sidOf } from './support/http.js'
import { panelSession, siteSession } from './support/panel.js'
import { sqlRegistry } from './support/sql-backend.js'

interface Notice {
  message: string
  type: string
  options?: { text?: string }
}
interface ActionBody {
  notice?: Notice
  singleSession?: LogoutSummary
  redirectUrl?: string
  records?: Array<{
    id: string
    params: Record<string, unknown>
    recordActions: Array<{ name: string }>
    bulkActions: Array<{ name: string }>
  }>
  record?: { id: string; recordActions: Array<{ name: string }> }
}

const BULK = '/admin/api/resources/User/bulk/bulkLogoutAllSessions'
const noticeText = (body: ActionBody) => body.notice?.options?.text ?? body.notice?.message

describe('AdminJS integration', () => {
  let db: TestDatabase
  let example: ExampleApp
  let server: Awaited<ReturnType<typeof listen>>
  const ids: Record<string, number> = {}

  before(async () => {
    db = await freshDatabase('admin')
    example = await createExampleApp({
      databaseUrl: db.url,
      sessionSecret: 'admin test secret',
      singleSession: { limit: 3 },
    })
    server = await listen(example.app)
    // An admin whose permissions were taken away, and one more plain user.
    for (const [email, role] of [
      ['powerless@example.com', 'admin'],
      ['carol@example.com', 'user'],
    ] as const) {
      await example.User.create({
        email,
        name: email,
        role,
        permissions: [],
        passwordHash: await hashPassword('password'),
      })
    }
    for (const user of await example.User.findAll()) ids[user.email.split('@')[0]!] = user.id
  })
  after(async () => {
    await server.close()
    await example.close()
    await db.drop()
  })

  /** Signs `who` into the site `times` times (separate browsers): that many sessions. */
  async function siteSessions(who: string, times: number): Promise<Browser[]> {
    const browsers: Browser[] = []
    for (let i = 0; i < times; i++) browsers.push(await siteSession(server.url, who))
    return browsers
  }

  const panel = (who: string) => panelSession(server.url, who)

  async function sessionCount(who: string): Promise<number> {
    return sqlRegistry(example.singleSession).model.count({ where: { userId: String(ids[who]) } })
  }

  async function resetSessions(): Promise<void> {
    await example.singleSession.logoutUsers(Object.values(ids))
  }

  describe('panel login and logout', () => {
    it('signs in through the core: a new session id, recorded, with a small currentAdmin', async () => {
      await resetSessions()
      const b = new Browser(server.url)
      await b.get('/admin/login') // no session yet
      b.cookie = 's%3Afixated-session-id.invalid'
      const before = b.cookie
      await b.request('POST', '/admin/login', 'email=admin%40example.com&password=password', {
        'content-type': 'application/x-www-form-urlencoded',
      })
      assert.notEqual(b.cookie, before)
      const sid = sidOf(b.cookie)!
      const records = await example.singleSession.listSessions(ids.admin)
      assert.deepEqual(
        records.map((r) => r.sid),
        [sid],
      )
      const page = await b.request('GET', '/admin', undefined, { accept: 'text/html' })
      assert.equal(page.status, 200)
      assert.match(page.text, /admin@example\.com/)
      assert.doesNotMatch(page.text, /scrypt\$/)
    })

    it('applies the limit to panel logins (limit 3: the oldest session is signed out)', async () => {
      await resetSessions()
      const browsers = [await panel('root'), await panel('root'), await panel('root')]
      await panel('root')
      assert.equal(await sessionCount('root'), 3)
      const first = await browsers[0]!.get('/admin/api/resources/User/actions/list')
      assert.equal(first.status, 302) // sent back to the login form
    })

    it('refuses alice and bob, and wrong passwords', async () => {
      for (const body of [
        'email=alice%40example.com&password=password',
        'email=bob%40example.com&password=password',
        'email=admin%40example.com&password=wrong',
      ]) {
        const res = await new Browser(server.url).request('POST', '/admin/login', body, {
          'content-type': 'application/x-www-form-urlencoded',
        })
        assert.equal(res.status, 200, body) // the login form again, with an error
        assert.equal(res.headers.get('location'), null)
      }
      assert.equal(await sessionCount('alice'), 0)
    })

    it('logout from the panel ends all the admin’s sessions (logoutAllSessions)', async () => {
      await resetSessions()
      const [site] = await siteSessions('admin', 1)
      const b = await panel('admin')
      assert.equal(await sessionCount('admin'), 2)
      const out = await b.get('/admin/logout')
      assert.equal(out.status, 302)
      assert.equal(await sessionCount('admin'), 0)
      assert.equal((await site!.get('/me')).status, 401)
    })
  })

  describe('bulk "Log out the user on all sessions"', () => {
    it('staff (logout only): GET previews and changes nothing; POST logs out alice, skips root', async () => {
      await resetSessions()
      const alice = await siteSessions('alice', 3)
      await siteSessions('root', 2)
      const staff = await panel('staff')
      const url = `${BULK}?recordIds=${ids.alice},${ids.root}`

      const preview = await staff.get<ActionBody>(url)
      assert.equal(preview.status, 200)
      const summary = preview.body.singleSession!
      assert.equal(summary.phase, 'preview')
      assert.deepEqual(
        summary.targets.map((t) => [t.label, t.sessions]),
        [['alice@example.com', 3]],
      )
      assert.deepEqual(
        summary.skipped.map((t) => t.label),
        ['root@example.com'],
      )
      assert.match(summary.text, /1 user will be logged out on all sessions \(3 sessions\)/)
      assert.match(summary.text, /1 admin will be skipped: root@example\.com \(needs logout_all\)/)
      assert.equal(preview.body.notice, undefined)
      assert.equal(await sessionCount('alice'), 3, 'GET changed nothing')

      const done = await staff.post<ActionBody>(url)
      assert.equal(done.status, 200)
      assert.equal(
        noticeText(done.body),
        '1 user logged out (3 sessions); 1 admin skipped: root@example.com (needs logout_all)',
      )
      assert.equal(done.body.notice!.type, 'info')
      assert.equal(done.body.notice!.message, 'singleSessionNotice')
      assert.equal(await sessionCount('alice'), 0)
      assert.equal(await sessionCount('root'), 2)
      assert.equal((await alice[0]!.get('/me')).status, 401)
      assert.equal(done.body.redirectUrl, '/admin/resources/User?refresh=true')
    })

    it('staff: two plain users and an admin, the notice names the skipped admin', async () => {
      await resetSessions()
      await siteSessions('alice', 3)
      await siteSessions('bob', 2)
      await siteSessions('root', 1)
      const staff = await panel('staff')
      const done = await staff.post<ActionBody>(
        `${BULK}?recordIds=${ids.alice},${ids.bob},${ids.root}`,
      )
      assert.equal(
        noticeText(done.body),
        '2 users logged out (5 sessions); 1 admin skipped: root@example.com (needs logout_all)',
      )
      assert.equal(await sessionCount('root'), 1)
    })

    it('admin (logout_all): logs out alice and root', async () => {
      await resetSessions()
      await siteSessions('alice', 2)
      await siteSessions('root', 1)
      const admin = await panel('admin')
      const url = `${BULK}?recordIds=${ids.alice},${ids.root}`
      const preview = await admin.get<ActionBody>(url)
      assert.deepEqual(preview.body.singleSession!.skipped, [])
      assert.equal(preview.body.singleSession!.sessions, 3)
      const done = await admin.post<ActionBody>(url)
      assert.equal(noticeText(done.body), '2 users logged out (3 sessions)')
      assert.equal(done.body.notice!.type, 'success')
      assert.equal(await sessionCount('alice'), 0)
      assert.equal(await sessionCount('root'), 0)
    })

    it('an admin without permissions sees no action and is refused', async () => {
      await resetSessions()
      await siteSessions('alice', 1)
      const powerless = await panel('powerless')
      const list = await powerless.get<ActionBody>('/admin/api/resources/User/actions/list')
      for (const record of list.body.records!) {
        assert.ok(!record.recordActions.some((a) => a.name === 'logoutAllSessions'))
        assert.ok(!record.bulkActions.some((a) => a.name === 'bulkLogoutAllSessions'))
      }
      for (const method of ['GET', 'POST']) {
        const res = await powerless.request<ActionBody>(
          method,
          `${BULK}?recordIds=${ids.alice}`,
          method === 'POST' ? '{}' : undefined,
          { 'content-type': 'application/json' },
        )
        assert.equal(res.status, 200)
        assert.equal(res.body.notice?.type, 'error')
        assert.equal(res.body.notice?.message, 'forbiddenError')
      }
      const record = await powerless.post<ActionBody>(
        `/admin/api/resources/User/records/${ids.alice}/logoutAllSessions`,
      )
      assert.equal(record.body.notice?.type, 'error')
      assert.equal(await sessionCount('alice'), 1)
    })

    it('re-reads the permission from the database: revoked a minute ago no longer works', async () => {
      await resetSessions()
      await siteSessions('alice', 1)
      await siteSessions('root', 1)
      const staff = await panel('staff')
      const admin = await panel('admin')
      try {
        await example.User.update({ permissions: [] }, { where: { email: 'staff@example.com' } })
        await example.User.update(
          { permissions: ['logout'] },
          { where: { email: 'admin@example.com' } },
        )
        const refused = await staff.post<ActionBody>(`${BULK}?recordIds=${ids.alice}`)
        assert.equal(refused.body.notice?.type, 'error')
        assert.match(noticeText(refused.body)!, /not allowed.*nothing was done/)
        assert.equal(await sessionCount('alice'), 1)

        const partial = await admin.post<ActionBody>(`${BULK}?recordIds=${ids.alice},${ids.root}`)
        assert.equal(
          noticeText(partial.body),
          '1 user logged out (1 session); 1 admin skipped: root@example.com (needs logout_all)',
        )
        assert.equal(await sessionCount('root'), 1)
      } finally {
        await example.User.update(
          { permissions: ['logout'] },
          { where: { email: 'staff@example.com' } },
        )
        await example.User.update(
          { permissions: ['logout', 'logout_all'] },
          { where: { email: 'admin@example.com' } },
        )
      }
    })

    it('logging yourself out works and says so', async () => {
      await resetSessions()
      const admin = await panel('admin')
      const url = `${BULK}?recordIds=${ids.admin},${ids.alice}`
      const preview = await admin.get<ActionBody>(url)
      assert.equal(preview.body.singleSession!.self, true)
      assert.match(preview.body.singleSession!.text, /you will be logged out too/)
      const done = await admin.post<ActionBody>(url)
      assert.match(noticeText(done.body)!, /you logged yourself out too: sign in again/)
      assert.equal(done.body.singleSession!.self, true)
      assert.equal(done.body.redirectUrl, '/admin/login')
      assert.equal(await sessionCount('admin'), 0)
      const after = await admin.get('/admin/api/resources/User/actions/list')
      assert.equal(after.status, 302)
    })

    describe('bad input: a clear notice, never a 500, nothing done unreported', () => {
      let staff: Browser
      before(async () => {
        await resetSessions()
        staff = await panel('staff')
      })

      it('an empty selection, unknown ids, ids that are not ids', async () => {
        await siteSessions('alice', 1)
        for (const query of [
          '',
          '?recordIds=',
          '?recordIds=,,',
          '?recordIds=999999',
          '?recordIds=abc',
          "?recordIds=1'%20OR%201=1",
          '?recordIds=99999999999999999999',
        ]) {
          for (const method of ['GET', 'POST']) {
            const res = await staff.request<ActionBody>(
              method,
              BULK + query,
              method === 'POST' ? '{}' : undefined,
              { 'content-type': 'application/json' },
            )
            assert.ok(res.status < 500, `${method} ${query}: ${res.status}`)
            // Refused outright (404/400), or (databases that compare loosely) a preview in
            // which nobody can be logged out and a POST that says nobody was.
            if (res.status >= 400 || method === 'POST') {
              assert.equal(res.body.notice?.type, 'error', query)
              assert.match(noticeText(res.body)!, /nothing was done|Nobody was logged out/)
            } else {
              assert.equal(res.body.singleSession?.canProceed, false, query)
            }
          }
        }
        assert.equal(await sessionCount('alice'), 1)
        const record = await staff.post<ActionBody>(
          '/admin/api/resources/User/records/abc/logoutAllSessions',
        )
        assert.ok(record.status < 500)
        assert.equal(record.body.notice?.type, 'error')
      })

      it('duplicates count once; unknown and deleted ids are reported', async () => {
        await example.singleSession.logoutUsers([ids.alice])
        await siteSessions('alice', 2)
        const gone = await example.User.create({
          email: 'gone@example.com',
          name: 'Gone',
          role: 'user',
          permissions: [],
          passwordHash: 'x',
        })
        await gone.destroy()
        const done = await staff.post<ActionBody>(
          `${BULK}?recordIds=${ids.alice},${ids.alice},999999,${gone.id}`,
        )
        assert.equal(
          noticeText(done.body),
          `1 user logged out (2 sessions); 2 ids not found: 999999, ${gone.id}`,
        )
        assert.deepEqual(done.body.singleSession!.missing, ['999999', String(gone.id)])
        assert.equal(await sessionCount('alice'), 0)
      })

      it('thousands of ids: refused with a notice, nothing done', async () => {
        await siteSessions('bob', 1)
        const many = Array.from({ length: 1500 }, (_, i) => 100_000 + i)
        many[0] = ids.bob!
        const res = await staff.post<ActionBody>(`${BULK}?recordIds=${many.join(',')}`)
        assert.equal(res.status, 200)
        assert.equal(res.body.notice?.type, 'error')
        assert.match(noticeText(res.body)!, /at most 1000 .*1500 selected.*nothing was done/)
        assert.equal(await sessionCount('bob'), 1)
      })
    })
  })

  describe('record action', () => {
    it('is offered on the rows this admin may target, and refuses the others', async () => {
      await resetSessions()
      await siteSessions('root', 1)
      await siteSessions('bob', 1)
      const staff = await panel('staff')
      const list = await staff.get<ActionBody>('/admin/api/resources/User/actions/list')
      const has = (email: string) =>
        list.body
          .records!.find((r) => r.params.email === email)!
          .recordActions.some((a) => a.name === 'logoutAllSessions')
      assert.equal(has('bob@example.com'), true)
      assert.equal(has('root@example.com'), false)

      const url = (who: string) => `/admin/api/resources/User/records/${ids[who]}/logoutAllSessions`
      const root = await staff.post<ActionBody>(url('root'))
      assert.equal(
        noticeText(root.body),
        'Nobody was logged out; 1 admin skipped: root@example.com (needs logout_all)',
      )
      assert.equal(root.body.notice!.type, 'error')
      assert.equal(await sessionCount('root'), 1)

      const preview = await staff.get<ActionBody>(url('bob'))
      assert.equal(preview.body.record!.id, ids.bob)
      assert.equal(await sessionCount('bob'), 1)
      const bob = await staff.post<ActionBody>(url('bob'))
      assert.equal(noticeText(bob.body), '1 user logged out (1 session)')
      assert.equal(await sessionCount('bob'), 0)
    })
  })

  describe('UserSession resource', () => {
    it('lists sessions newest activity first, with user, device and IP, and never the sid', async () => {
      await resetSessions()
      await siteSessions('alice', 1)
      await siteSessions('bob', 1)
      const admin = await panel('admin')
      const list = await admin.get<ActionBody>('/admin/api/resources/UserSession/actions/list')
      assert.equal(list.status, 200)
      const text = JSON.stringify(list.body)
      const sids = (await sqlRegistry(example.singleSession).model.findAll()).map((r) => r.sid)
      assert.ok(sids.length >= 3)
      for (const sid of sids) assert.ok(!text.includes(sid), 'a session id was sent')
      assert.doesNotMatch(text, /"sid"|passwordHash|scrypt/)
      const records = list.body.records!
      assert.equal(records[0]!.params.userId, String(ids.admin))
      assert.equal(records[0]!.params.device, 'Firefox on Linux')
      assert.equal(records[0]!.params.ip, '127.0.0.1')
      const actions = records[0]!.recordActions.map((a) => a.name)
      assert.ok(actions.includes('logoutSession'))
      for (const name of ['edit', 'delete']) assert.ok(!actions.includes(name), name)

      const show = await admin.get(
        `/admin/api/resources/UserSession/records/${records[0]!.id}/show`,
      )
      assert.doesNotMatch(show.text, /"sid"/)
      const create = await admin.post('/admin/api/resources/UserSession/actions/new', {
        userId: '1',
      })
      assert.equal((create.body as ActionBody).notice?.type, 'error')
      const filtered = await admin.get<ActionBody>(
        `/admin/api/resources/UserSession/actions/list?filters.userId=${ids.alice}`,
      )
      assert.deepEqual(
        filtered.body.records!.map((r) => r.params.userId),
        [String(ids.alice)],
      )
    })

    it('"Log out this session" for a selection; staff cannot end an admin’s session', async () => {
      await resetSessions()
      const [alice] = await siteSessions('alice', 1)
      await siteSessions('root', 1)
      const staff = await panel('staff')
      const rows = await sqlRegistry(example.singleSession).model.findAll()
      const byUser = (who: string) => rows.find((r) => r.userId === String(ids[who]))!.id
      const url = `/admin/api/resources/UserSession/bulk/bulkLogoutSessions?recordIds=${byUser('alice')},${byUser('root')}`
      const preview = await staff.get<ActionBody>(url)
      assert.equal(preview.body.singleSession!.targets.length, 1)
      assert.equal(await sessionCount('alice'), 1)
      const done = await staff.post<ActionBody>(url)
      assert.match(
        noticeText(done.body)!,
        /^1 session logged out; 1 admin's session skipped: root@example\.com \(Firefox on Linux\) \(needs logout_all\)$/,
      )
      assert.equal(await sessionCount('alice'), 0)
      assert.equal(await sessionCount('root'), 1)
      assert.equal((await alice!.get('/me')).status, 401)
    })
  })
})
