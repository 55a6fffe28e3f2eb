/** The audit trail in the panel: read-only, newest first, filterable, for holders of logout only. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { Browser, listen } from './support/http.js'
import { sqlJournal } from './support/sql-backend.js'

interface ListBody {
  records?: Array<{ params: Record<string, unknown>; recordActions: Array<{ name: string }> }>
  notice?: { type: string }
}

describe('SessionAudit resource', () => {
  let db: TestDatabase
  let example: ExampleApp
  let server: Awaited<ReturnType<typeof listen>>
  const LIST = '/admin/api/resources/SessionAudit/actions/list'

  before(async () => {
    db = await freshDatabase('admin_audit')
    example = await createExampleApp({ databaseUrl: db.url, sessionSecret: 'audit secret' })
    server = await listen(example.app)
  })
  after(async () => {
    await server.close()
    await example.close()
    await db.drop()
  })

  async function panel(email: string): Promise<Browser> {
    const b = new Browser(server.url)
    const res = await b.request(
      'POST',
      '/admin/login',
      `email=${encodeURIComponent(email)}&password=password`,
      {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
    )
    assert.equal(res.status, 302)
    return b
  }

  async function site(email: string): Promise<Browser> {
    const b = new Browser(server.url)
    assert.equal((await b.post('/login', { email, password: 'password' })).status, 200)
    return b
  }

  it('shows evictions and admin logouts, newest first, with the actor; offers no edit or delete', async () => {
    await site('alice@example.com')
    await site('alice@example.com') // evicts the first
    const alice = await example.User.findOne({ where: { email: 'alice@example.com' } })
    await example.singleSession.logoutUsers([alice!.id], {
      actor: { kind: 'admin', id: '1', label: 'admin@example.com' },
    })

    const admin = await panel('admin@example.com')
    const list = await admin.get<ListBody>(`${LIST}?filters.userId=${alice!.id}`)
    assert.equal(list.status, 200)
    const rows = list.body.records!.map((r) => [
      r.params.event,
      r.params.actorKind,
      r.params.actorLabel,
    ])
    assert.deepEqual(rows, [
      ['logged-out-by-admin', 'admin', 'admin@example.com'],
      ['signed-in-elsewhere', 'user', null],
    ])
    for (const record of list.body.records!) {
      const actions = record.recordActions.map((a) => a.name)
      assert.ok(!actions.includes('edit') && !actions.includes('delete'), actions.join(','))
    }
    // Filtering by the actor finds the admin's action only.
    const byActor = await admin.get<ListBody>(`${LIST}?filters.actorId=1`)
    assert.deepEqual(
      byActor.body.records!.map((r) => r.params.event),
      ['logged-out-by-admin'],
    )
  })

  it('is readable by staff (logout), refused to a panel user without permissions', async () => {
    const staff = await panel('staff@example.com')
    assert.equal((await staff.get<ListBody>(LIST)).status, 200)
    await example.User.update({ permissions: [] }, { where: { email: 'staff@example.com' } })
    const powerless = await panel('staff@example.com')
    const refused = await powerless.get<ListBody>(LIST)
    assert.ok(
      refused.status === 403 || refused.body.notice?.type === 'error',
      `status ${refused.status}`,
    )
    assert.equal(refused.body.records?.length ?? 0, 0, 'no audit rows exposed')
  })

  it('cannot be written through the API', async () => {
    const admin = await panel('admin@example.com')
    const created = await admin.request(
      'POST',
      '/admin/api/resources/SessionAudit/actions/new',
      'event=forged',
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    )
    assert.ok(created.status === 403 || (created.body as ListBody).notice?.type === 'error')
    const rows = await sqlJournal(example.singleSession).Audit.count({ where: { event: 'forged' } })
    assert.equal(rows, 0)
  })
})
