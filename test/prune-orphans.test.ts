import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withApp } from './support/fixtures.js'
import { sidOf } from './support/http.js'
import { storeKind } from './support/stores.js'
import type { TestApp } from './support/test-app.js'

const cleanupTimer = storeKind() === 'sequelize' || storeKind() === 'pg-simple'

const HOUR = 3_600_000

/**
 * A store row that carries the login marker but has no record: what a login leaves when it
 * fails and cannot clean up after itself. It is refused on load, and pruning deletes it.
 */
async function leaveUnrecorded(app: TestApp, markerAge: number): Promise<string> {
  const browser = app.browser()
  await browser.post('/login', { id: 7 })
  const sid = sidOf(browser.cookie)!
  assert.equal(await app.singleSession.registry.remove([sid]), 1)
  const data = (await app.testStore.read(sid)) as { singleSession: { at: number; seen: number } }
  data.singleSession.at -= markerAge
  data.singleSession.seen -= markerAge
  await app.testStore.write(sid, data)
  assert.equal((await browser.get('/me')).body.userId, null, 'refused on load')
  return sid
}

describe('pruning signed-in sessions that have no record', () => {
  it('prune() deletes them once past the grace period, and nothing else', () =>
    withApp('prune_unrecorded', {}, async (app) => {
      const live = app.browser()
      await live.post('/login', { id: 1 })
      const anonymous = app.browser()
      await anonymous.post('/write', { theme: 'light' })
      const old = await leaveUnrecorded(app, HOUR)
      const young = await leaveUnrecorded(app, 0)

      const result = await app.singleSession.prune()
      assert.equal(result.unrecorded, 1)
      const stored = await app.storedSids()
      assert.ok(!stored.includes(old), 'the old unrecorded session is gone')
      assert.ok(stored.includes(young), 'an in-flight login is left alone')
      assert.ok(stored.includes(sidOf(live.cookie)!), 'a recorded session stays')
      assert.ok(stored.includes(sidOf(anonymous.cookie)!), 'an anonymous session stays')
      assert.equal((await live.get('/me')).body.userId, 1)
      assert.equal((await anonymous.get('/me')).body.theme, 'light')
      assert.equal((await app.singleSession.prune()).unrecorded, 0)
    }))

  it(
    "the store's cleanup timer deletes them too",
    { skip: !cleanupTimer && `${storeKind()} has no cleanup timer` },
    () =>
      withApp('prune_unrecorded_timer', {}, async (app) => {
        const old = await leaveUnrecorded(app, HOUR)
        await app.testStore.cleanup!()
        // The library's part runs after the store's own, without holding up its timer.
        await new Promise((resolve) => setTimeout(resolve, 300))
        assert.ok(!(await app.storedSids()).includes(old))
      }),
  )
})
