import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withApp } from './support/fixtures.js'
import type { TestApp } from './support/test-app.js'
import { sidOf } from './support/http.js'

/**
 * An eviction reads the sessions over the limit, then ends them. If the app regenerates one of
 * them (`req.session.regenerate()` outside `login()`) in between, the session lives on under a
 * new id. The eviction must end it under whichever id it has by then.
 */

/**
 * Holds the next eviction of `app` at the gate `name`, just after the login's record is written
 * and the sessions over the limit are read (one step in Redis, two queries in SQL).
 */
function holdEvictionAfterOverflow(app: TestApp, name: string): void {
  const { registry } = app.singleSession
  const addKeepingNewest = registry.addKeepingNewest.bind(registry)
  registry.addKeepingNewest = async (record, keep) => {
    const overflow = await addKeepingNewest(record, keep)
    registry.addKeepingNewest = addKeepingNewest
    await app.gates.pass(name)
    return overflow
  }
}

describe('a session regenerated while an eviction is ending it', () => {
  it('is ended under its new id when the regenerate completes between read and delete', () =>
    withApp('regen_race_done', { limit: 1 }, async (app) => {
      const victim = app.browser()
      await victim.post('/login', { id: 1 })
      const oldSid = sidOf(victim.cookie)!

      holdEvictionAfterOverflow(app, 'overflow')
      const intruder = app.browser()
      const login = intruder.post('/login', { id: 1 })
      await app.gates.arrived('overflow')

      const rotated = await victim.post<{ sid: string }>('/rotate')
      assert.equal(rotated.status, 200)
      assert.notEqual(rotated.body.sid, oldSid)
      assert.ok(
        (await app.storedSids()).includes(rotated.body.sid),
        'the renamed session is stored',
      )

      app.gates.release('overflow')
      assert.equal((await login).status, 200)

      assert.equal((await victim.get('/me')).body.userId, null, 'the renamed session ended')
      assert.deepEqual(
        (await app.records('1')).map((r) => r.sid),
        [sidOf(intruder.cookie)],
        'only the new login is recorded',
      )
      assert.ok(!(await app.storedSids()).includes(rotated.body.sid), 'its store row is gone')
      assert.equal((await intruder.get('/me')).body.userId, 1)
    }))

  it('stays ended when the regenerate saves its new id after the eviction', () =>
    withApp('regen_race_late', { limit: 1 }, async (app) => {
      const victim = app.browser()
      await victim.post('/login', { id: 1 })

      holdEvictionAfterOverflow(app, 'overflow')
      const intruder = app.browser()
      const login = intruder.post('/login', { id: 1 })
      await app.gates.arrived('overflow')

      // Renamed in the registry, not yet saved under the new id.
      const rotating = victim.post<{ sid: string }>('/rotate?gate=rotated')
      await app.gates.arrived('rotated')
      app.gates.release('overflow')
      assert.equal((await login).status, 200)
      app.gates.release('rotated')
      assert.equal((await rotating).status, 200)

      assert.equal((await victim.get('/me')).body.userId, null, 'the renamed session ended')
      assert.deepEqual(
        (await app.records('1')).map((r) => r.sid),
        [sidOf(intruder.cookie)],
      )
    }))
})
