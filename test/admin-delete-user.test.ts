/**
 * Deleting a user in the panel (one record, or a bulk selection) logs them out on all sessions:
 * their browsers are signed out, their registry records gone, and the audit trail says which
 * admin did it. Through a real HTTP server with the example app.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { examplePanel } from './support/admin-panel.js'
import { sqlJournal } from './support/sql-backend.js'

interface ActionBody {
  notice?: { type: string; message: string }
}

describe('deleting users in the panel', () => {
  const suite = examplePanel('admin_delete_user', { singleSession: { limit: 3 } })

  async function auditOf(who: string) {
    const rows = await sqlJournal(suite.example.singleSession).Audit.findAll({
      where: { userId: String(suite.ids[who]) },
    })
    return rows.map((row) => [row.event, row.actorKind, row.actorLabel])
  }

  it('the record delete ends the user’s sessions, audited as logged out by the admin', async () => {
    const bob = [await suite.site('bob'), await suite.site('bob')]
    const admin = await suite.panel('admin')
    assert.equal(await suite.sessions('bob'), 2)

    // The preview (GET) changes nothing.
    await admin.get(`/admin/api/resources/User/records/${suite.ids.bob}/delete`)
    assert.equal(await suite.sessions('bob'), 2)

    const res = await admin.post<ActionBody>(
      `/admin/api/resources/User/records/${suite.ids.bob}/delete`,
    )
    assert.equal(res.body.notice?.type, 'success', res.text.slice(0, 300))
    assert.equal(await suite.sessions('bob'), 0)
    for (const browser of bob) assert.equal((await browser.get('/me')).status, 401)
    assert.deepEqual(await auditOf('bob'), [['logged-out-by-admin', 'admin', 'admin@example.com']])
  })

  it('the bulk delete ends the sessions of every deleted user, and only theirs', async () => {
    const alice = await suite.site('alice')
    const staff = await suite.site('staff')
    const admin = await suite.panel('admin')

    const res = await admin.post<ActionBody>(
      `/admin/api/resources/User/bulk/bulkDelete?recordIds=${suite.ids.alice}`,
    )
    assert.equal(res.body.notice?.type, 'success', res.text.slice(0, 300))
    assert.equal(await suite.sessions('alice'), 0)
    assert.equal((await alice.get('/me')).status, 401)
    assert.deepEqual(await auditOf('alice'), [
      ['logged-out-by-admin', 'admin', 'admin@example.com'],
    ])
    // Not deleted, not logged out; the admin neither.
    assert.equal((await staff.get('/me')).status, 200)
    assert.equal(await suite.sessions('staff'), 1)
    assert.equal((await admin.get('/admin/api/resources/User/actions/list')).status, 200)
  })
})
