/**
 * The UserSession and SessionAudit resources are the library's own, over the registry and
 * journal ports (no Sequelize model behind them): listed, paged, filtered, sorted and acted on
 * through the panel's API on the example app.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Resource as SequelizeResource } from '@adminjs/sequelize'
import { BaseResource, ComponentLoader, type ActionContext } from 'adminjs'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { sessionAuditResource, userSessionResource } from '../src/adminjs/index.js'
import { SessionAuditResource, UserSessionResource } from '../src/adminjs/port-resources.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { listen } from './support/http.js'
import { panelSession, siteSession } from './support/panel.js'
import { sqlRegistry } from './support/sql-backend.js'

interface ListBody {
  meta?: { total: number; page: number; perPage: number; sortBy: string; direction: string }
  records?: Array<{ id: string; params: Record<string, unknown> }>
  record?: { id: string; params: Record<string, unknown> }
  notice?: { type: string }
}

const SESSIONS = '/admin/api/resources/UserSession'
const AUDIT = '/admin/api/resources/SessionAudit'

describe('UserSession and SessionAudit resources over the ports', () => {
  let db: TestDatabase
  let example: ExampleApp
  let server: Awaited<ReturnType<typeof listen>>
  const ids: Record<string, number> = {}

  before(async () => {
    db = await freshDatabase('admin_resources')
    example = await createExampleApp({
      databaseUrl: db.url,
      sessionSecret: 'admin resources secret',
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

  it('are the library’s resource classes, not Sequelize adapter resources', () => {
    const options = { singleSession: example.singleSession, componentLoader: new ComponentLoader() }
    const sessions = userSessionResource(options).resource
    const audit = sessionAuditResource(options).resource
    assert.ok(sessions instanceof UserSessionResource)
    assert.ok(audit instanceof SessionAuditResource)
    for (const resource of [sessions, audit] as BaseResource[]) {
      assert.ok(resource instanceof BaseResource)
      assert.ok(!(resource instanceof SequelizeResource))
      assert.ok(!SequelizeResource.isAdapterFor(resource))
      assert.equal(resource.property('sid'), null, 'no sid property')
    }
  })

  it('lists, pages, sorts and filters sessions through the panel, never sending a sid', async () => {
    await example.singleSession.logoutUsers(Object.values(ids))
    for (const who of ['alice', 'alice', 'bob']) await siteSession(server.url, who)
    const admin = await panelSession(server.url, 'admin')
    const rows = await sqlRegistry(example.singleSession).model.findAll({ order: [['id', 'ASC']] })
    assert.equal(rows.length, 4)
    const sids = rows.map((r) => r.sid)
    const noSid = (text: string) => {
      for (const sid of sids) assert.ok(!text.includes(sid), 'a session id was sent')
      assert.doesNotMatch(text, /"sid"/)
    }

    // Default: newest activity first (the admin's own panel session).
    const list = await admin.get<ListBody>(`${SESSIONS}/actions/list`)
    assert.equal(list.status, 200)
    noSid(list.text)
    assert.equal(list.body.meta!.total, 4)
    assert.equal(list.body.meta!.sortBy, 'lastSeenAt')
    assert.equal(list.body.meta!.direction, 'desc')
    assert.equal(list.body.records![0]!.params.userId, String(ids.admin))
    assert.equal(list.body.records![0]!.params.device, 'Firefox on Linux')

    // Sorted by id, both ways, and paged.
    const byId = async (direction: string, page: number) => {
      const res = await admin.get<ListBody>(
        `${SESSIONS}/actions/list?sortBy=id&direction=${direction}&perPage=3&page=${page}`,
      )
      noSid(res.text)
      assert.equal(res.body.meta!.total, 4)
      return res.body.records!.map((r) => Number(r.id))
    }
    const rowIds = rows.map((r) => Number(r.id))
    assert.deepEqual(await byId('asc', 1), rowIds.slice(0, 3))
    assert.deepEqual(await byId('asc', 2), rowIds.slice(3))
    assert.deepEqual(await byId('desc', 1), rowIds.slice().reverse().slice(0, 3))
    const byCreated = await admin.get<ListBody>(
      `${SESSIONS}/actions/list?sortBy=createdAt&direction=asc`,
    )
    assert.deepEqual(
      byCreated.body.records!.map((r) => Number(r.id)),
      rowIds,
    )

    // Filters: the user exactly, part of the IP, a time range.
    const filtered = async (query: string) => {
      const res = await admin.get<ListBody>(`${SESSIONS}/actions/list?${query}`)
      assert.equal(res.status, 200, query)
      assert.equal(res.body.meta!.total, res.body.records!.length, query)
      return res.body.records!.map((r) => r.params.userId)
    }
    assert.deepEqual(await filtered(`filters.userId=${ids.alice}`), [
      String(ids.alice),
      String(ids.alice),
    ])
    assert.equal((await filtered('filters.ip=127.0.0')).length, 4)
    assert.equal((await filtered('filters.ip=10.9.9')).length, 0)
    const future = new Date(Date.now() + 86_400_000).toISOString()
    assert.equal((await filtered(`filters.createdAt~~from=${future}`)).length, 0)
    assert.equal((await filtered(`filters.createdAt~~to=${future}`)).length, 4)
    // Asking for the sid is dropped, not answered.
    assert.equal((await filtered(`filters.sid=${sids[0]}`)).length, 4)

    // One record by its id; an id that is not exactly one finds nothing.
    const show = await admin.get<ListBody>(`${SESSIONS}/records/${rowIds[0]}/show`)
    assert.equal(show.status, 200)
    noSid(show.text)
    assert.equal(show.body.record!.params.userId, String(ids.alice))
    const loose = await admin.get<ListBody>(`${SESSIONS}/records/${rowIds[0]}e0/show`)
    assert.equal(loose.body.record?.params.userId, undefined)
  })

  it('ends sessions through the panel’s actions and through delete; AdminJS’s delete stays refused', async () => {
    await example.singleSession.logoutUsers(Object.values(ids))
    const alice = await siteSession(server.url, 'alice')
    const bob = await siteSession(server.url, 'bob')
    const admin = await panelSession(server.url, 'admin')
    const idOf = async (who: string) => (await example.singleSession.listSessions(ids[who]!))[0]!.id

    const refused = await admin.post<ListBody>(`${SESSIONS}/records/${await idOf('alice')}/delete`)
    assert.ok(refused.status === 403 || refused.body.notice?.type === 'error', `${refused.status}`)
    assert.equal((await alice.get('/me')).status, 200)

    const done = await admin.post<ListBody>(
      `${SESSIONS}/records/${await idOf('alice')}/logoutSession`,
    )
    assert.equal(done.body.notice?.type, 'success')
    assert.equal((await alice.get('/me')).status, 401)
    assert.equal((await example.singleSession.listSessions(ids.alice!)).length, 0)

    // The resource's delete ends the session (it never just forgets the record).
    const resource = userSessionResource({
      singleSession: example.singleSession,
      componentLoader: new ComponentLoader(),
    }).resource as UserSessionResource
    const context = { currentAdmin: { id: ids.admin, email: 'admin@example.com' } }
    await resource.delete(String(await idOf('bob')), context as unknown as ActionContext)
    assert.equal((await bob.get('/me')).status, 401)
    assert.equal((await example.singleSession.listSessions(ids.bob!)).length, 0)
    const [entry] = (await admin.get<ListBody>(`${AUDIT}/actions/list?filters.userId=${ids.bob}`))
      .body.records!
    assert.equal(entry!.params.event, 'logged-out-by-admin')
    assert.equal(entry!.params.actorLabel, 'admin@example.com')
  })

  it('lists the audit trail newest first, paged and filtered, and shows one line', async () => {
    const admin = await panelSession(server.url, 'admin')
    const list = await admin.get<ListBody>(`${AUDIT}/actions/list`)
    assert.equal(list.status, 200)
    assert.equal(list.body.meta!.sortBy, 'at')
    assert.equal(list.body.meta!.direction, 'desc')
    const total = list.body.meta!.total
    assert.ok(total >= 3, `total ${total}`)
    const times = list.body.records!.map((r) => Date.parse(String(r.params.at)))
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    )
    const page = await admin.get<ListBody>(`${AUDIT}/actions/list?perPage=1&page=2`)
    assert.equal(page.body.records!.length, 1)
    assert.equal(page.body.records![0]!.id, list.body.records![1]!.id)

    const byEvent = await admin.get<ListBody>(
      `${AUDIT}/actions/list?filters.event=logged-out-by-admin&filters.userId=${ids.alice}`,
    )
    assert.ok(byEvent.body.records!.length >= 1)
    for (const r of byEvent.body.records!) {
      assert.equal(r.params.event, 'logged-out-by-admin')
      assert.equal(r.params.userId, String(ids.alice))
    }
    assert.equal(byEvent.body.meta!.total, byEvent.body.records!.length)

    const first = list.body.records![0]!
    const show = await admin.get<ListBody>(`${AUDIT}/records/${first.id}/show`)
    assert.equal(show.status, 200)
    assert.equal(show.body.record!.params.event, first.params.event)
  })
})
