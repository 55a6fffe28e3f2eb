import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { freshDatabase } from './support/database.js'
import { withApp } from './support/fixtures.js'
import { startTestApp } from './support/test-app.js'
import { storeIsShared } from './support/stores.js'

/**
 * Deny mode counts every live session of the user, whatever mode or limit recorded it: a limit
 * lowered, a mode switched or an exemption lifted never lets a new login past the limit.
 */
describe('deny-new after a policy change', () => {
  it('limit lowered from 3 to 1 after the oldest session was ended from the devices list', () => {
    let limit = 3
    return withApp('deny_lowered', { onLimit: 'deny-new', limit: () => limit }, async (app) => {
      const browsers = [app.browser(), app.browser(), app.browser()]
      for (const browser of browsers)
        assert.equal((await browser.post('/login', { id: 1 })).status, 200)
      const newest = browsers[2]!
      const devices = await newest.get<{ devices: Array<{ id: number }> }>('/devices')
      const oldest = devices.body.devices.at(-1)!
      assert.equal((await newest.request('DELETE', `/devices/${oldest.id}`)).status, 200)
      assert.equal((await app.records('1')).length, 2)

      limit = 1
      const late = await app.browser().post('/login', { id: 1 })
      assert.equal(late.status, 409)
      assert.equal((late.body as { code: string }).code, 'SESSION_LIMIT_REACHED')
      assert.equal((await app.records('1')).length, 2, 'no third session')
    })
  })

  it(
    'sessions recorded in evict mode count in deny mode',
    { skip: !storeIsShared() && 'restarts the app: an in-memory store forgets its sessions' },
    async () => {
      const db = await freshDatabase('deny_after_evict')
      const evict = await startTestApp(db, { onLimit: 'evict-oldest', limit: 2 })
      try {
        await evict.browser().post('/login', { id: 1 })
        await evict.browser().post('/login', { id: 1 })
        await evict.close()
        const deny = await startTestApp(db, { onLimit: 'deny-new', limit: 1 })
        try {
          const late = await deny.browser().post('/login', { id: 1 })
          assert.equal(late.status, 409)
          assert.equal((late.body as { code: string }).code, 'SESSION_LIMIT_REACHED')
          assert.equal((await deny.records('1')).length, 2)
        } finally {
          await deny.close()
        }
      } finally {
        await db.drop()
      }
    },
  )

  it('sessions recorded while the user was exempt count once the limit applies', () => {
    let limited = false
    return withApp(
      'deny_after_exempt',
      { onLimit: 'deny-new', limit: 1, enabled: () => limited },
      async (app) => {
        await app.browser().post('/login', { id: 1 })
        await app.browser().post('/login', { id: 1 })
        limited = true
        const late = await app.browser().post('/login', { id: 1 })
        assert.equal(late.status, 409)
        assert.equal((await app.records('1')).length, 2)
      },
    )
  })

  it('still admits up to the limit and counts only live sessions', () =>
    withApp('deny_counts_live', { onLimit: 'deny-new', limit: 2 }, async (app) => {
      const first = app.browser()
      await first.post('/login', { id: 1 })
      assert.equal((await app.browser().post('/login', { id: 1 })).status, 200)
      assert.equal((await app.browser().post('/login', { id: 1 })).status, 409)
      await app.expireSession((await app.records('1'))[0]!.sid)
      assert.equal((await app.browser().post('/login', { id: 1 })).status, 200)
      assert.equal((await app.browser().post('/login', { id: 2 })).status, 200, 'per user')
      assert.equal((await app.records('1')).length, 2)
    }))
})
