/**
 * The event stream (`eventsHandler()`) over real HTTP, a real express-session store and the
 * suite's database: every way a session ends reaches an open stream, anonymous requests get 401,
 * the stream keeps nothing alive, the caps hold, and an end on another instance (another process
 * as far as the library knows) arrives through the backend's notices or the poll.
 */
import assert from 'node:assert/strict'
import type { ErrorRequestHandler } from 'express'
import session from 'express-session'
import { after, before, describe, it } from 'node:test'
import { Script } from 'node:vm'
import { createSingleSession, EVENTS_SCRIPT, type SingleSessionOptions } from '../src/index.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { openEventStream } from './support/event-stream.js'
import { express } from './support/express.js'
import { Browser, listen, sidOf } from './support/http.js'
import { createTestStore, storeIsShared, storeKind } from './support/stores.js'

interface User {
  id: number
}

type AppOptions = Partial<SingleSessionOptions<User>> & { resave?: boolean; rolling?: boolean }

/** A small app: login, logout, devices and the stream; counts the store's writes per sid. */
async function startApp(db: TestDatabase, options: AppOptions = {}) {
  const { resave = false, rolling = false, ...singleSessionOptions } = options
  const testStore = createTestStore(db)
  const { store } = testStore
  const singleSession = createSingleSession<User>({
    store,
    ...testStore.libraryOptions(),
    ...singleSessionOptions,
  })
  await singleSession.sync()
  // What express-session asks of the store, per sid: a stream must cause none of it.
  const writes: string[] = []
  for (const method of ['set', 'touch'] as const) {
    const original = store[method]?.bind(store) as ((...args: unknown[]) => void) | undefined
    if (!original) continue
    ;(store as unknown as Record<string, unknown>)[method] = (sid: string, ...rest: unknown[]) => {
      writes.push(`${method} ${sid}`)
      original(sid, ...rest)
    }
  }

  const app = express()
  app.use(
    session({
      secret: 'events secret',
      name: 'sid',
      store,
      resave,
      rolling,
      saveUninitialized: false,
      cookie: { maxAge: 3_600_000 },
    }),
  )
  app.use(singleSession.middleware())
  app.use(express.json())
  app.get('/events', singleSession.eventsHandler())
  app.post('/login', async (req, res) => {
    await singleSession.login(req, req.body as User)
    res.json({ sid: req.sessionID })
  })
  app.post('/logout', async (req, res) => {
    res.json(await singleSession.logout(req))
  })
  app.get('/devices', async (req, res) => {
    res.json({ devices: await singleSession.listDevices(req) })
  })
  app.delete('/devices/:id', async (req, res) => {
    res.json({ ended: await singleSession.endDevice(req, Number(req.params.id)) })
  })
  app.use(((error, _req, res, _next) => {
    res.status(500).json({ error: String(error?.message ?? error) })
  }) as ErrorRequestHandler)
  const server = await listen(app)

  const signIn = async (id: number) => {
    const browser = new Browser(server.url)
    const response = await browser.post('/login', { id })
    assert.equal(response.status, 200)
    return browser
  }
  return {
    url: server.url,
    singleSession,
    writes,
    signIn,
    stream: (browser: Browser | null, headers?: Record<string, string>) =>
      openEventStream(server.url, '/events', browser?.cookie, headers),
    async lastSeen(sid: string): Promise<number> {
      return (await singleSession.registry.find(sid))!.lastSeenAt.getTime()
    },
    async close() {
      await singleSession.closeEvents()
      await server.close()
      await testStore.close()
    },
  }
}

type App = Awaited<ReturnType<typeof startApp>>

async function expectEnded(stream: Awaited<ReturnType<App['stream']>>, reason: string | null) {
  const event = await stream.next()
  assert.deepEqual(event, { event: 'session-ended', data: JSON.stringify({ reason }) })
  await stream.closed()
}

describe('event stream', { timeout: 120_000 }, () => {
  let db: TestDatabase
  before(async () => {
    db = await freshDatabase('events')
  })
  after(async () => {
    await db.drop()
  })

  async function withApp(options: AppOptions, body: (app: App) => Promise<void>) {
    const app = await startApp(db, options)
    try {
      await body(app)
    } finally {
      await app.close()
    }
  }

  it('ships a browser script that parses', () => {
    assert.doesNotThrow(() => new Script(EVENTS_SCRIPT))
  })

  it('answers an anonymous request with 401 JSON, no stream and no cookie', () =>
    withApp({}, async (app) => {
      const stream = await app.stream(null)
      assert.equal(stream.status, 401)
      assert.match(stream.headers.get('content-type') ?? '', /^application\/json/)
      assert.deepEqual(JSON.parse(await stream.text()), { error: 'Not signed in' })
      assert.equal(stream.headers.get('set-cookie'), null)
    }))

  it('tells an open stream its session was replaced by a login elsewhere, with the reason only', () =>
    withApp({ limit: 1 }, async (app) => {
      const first = await app.signIn(101)
      const stream = await app.stream(first)
      assert.equal(stream.status, 200)
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/)
      await app.signIn(101)
      await expectEnded(stream, 'signed-in-elsewhere')
    }))

  it('sends a null reason for a plain logout of that one session', () =>
    withApp({ logoutAllSessions: false }, async (app) => {
      const browser = await app.signIn(102)
      const stream = await app.stream(browser)
      await browser.post('/logout')
      await expectEnded(stream, null)
    }))

  it('tells every other session of a logout everywhere', () =>
    withApp({ limit: 2 }, async (app) => {
      const first = await app.signIn(103)
      const second = await app.signIn(103)
      const stream = await app.stream(first)
      await second.post('/logout')
      await expectEnded(stream, 'logged-out-everywhere')
    }))

  it('tells a stream of an admin logout and of one ended from the device list', () =>
    withApp({ limit: 2 }, async (app) => {
      const first = await app.signIn(104)
      const stream = await app.stream(first)
      await app.singleSession.logoutUsers([104])
      await expectEnded(stream, 'logged-out-by-admin')

      const phone = await app.signIn(105)
      const laptop = await app.signIn(105)
      const phoneStream = await app.stream(phone)
      const { body } = await laptop.get<{ devices: Array<{ id: number; current: boolean }> }>(
        '/devices',
      )
      const other = body.devices.find((device) => !device.current)!
      await laptop.request('DELETE', `/devices/${other.id}`)
      await expectEnded(phoneStream, 'revoked-by-user')
    }))

  it('tells every stream of a bulk logout its reason, the reasons read in one journal call', () =>
    withApp({ limit: 2 }, async (app) => {
      const ids = [120, 121, 122, 123, 124]
      const browsers = await Promise.all(ids.map((id) => app.signIn(id)))
      const bystander = await app.signIn(125)
      const streams = await Promise.all(browsers.map((b) => app.stream(b)))
      const journal = app.singleSession.journal
      const calls = { many: 0, one: 0 }
      const findEndings = journal.findEndings!.bind(journal)
      const findEnding = journal.findEnding.bind(journal)
      journal.findEndings = (sids) => ((calls.many += 1), findEndings(sids))
      journal.findEnding = (sid) => ((calls.one += 1), findEnding(sid))
      await app.singleSession.logoutUsers(ids)
      for (const stream of streams) await expectEnded(stream, 'logged-out-by-admin')
      assert.equal(calls.one, 0, 'no lookup one session at a time')
      assert.ok(calls.many >= 1 && calls.many < ids.length, `${calls.many} journal calls`)

      // findEndings() itself: the ended sessions' reasons; a live session is left out.
      const sids = browsers.map((b) => sidOf(b.cookie)!)
      const found = await findEndings([...sids, sidOf(bystander.cookie)!, 'unknown-sid'])
      assert.deepEqual([...found.keys()].sort(), [...sids].sort())
      for (const ending of found.values()) assert.equal(ending.reason, 'logged-out-by-admin')
      assert.equal((await findEnding(sids[0]!))?.reason, 'logged-out-by-admin')
    }))

  it('ends an idle session at its deadline while its page only listens', () =>
    withApp({ idleTimeout: 1500 }, async (app) => {
      const browser = await app.signIn(106)
      const stream = await app.stream(browser)
      await expectEnded(stream, 'idle-timeout')
    }))

  it('answers at once, then closes, when the session has already ended', () =>
    withApp({ limit: 1 }, async (app) => {
      const first = await app.signIn(107)
      await app.signIn(107)
      const stream = await app.stream(first)
      assert.equal(stream.status, 200)
      await expectEnded(stream, 'signed-in-elsewhere')
    }))

  it('never touches, saves, re-creates or sets a cookie for its session', () =>
    withApp(
      { resave: true, rolling: true, lastSeenInterval: 0, events: { heartbeatInterval: 1000 } },
      async (app) => {
        const browser = await app.signIn(108)
        const sid = sidOf(browser.cookie)!
        const seen = await app.lastSeen(sid)
        app.writes.length = 0
        const stream = await app.stream(browser)
        assert.equal(stream.status, 200)
        assert.equal(stream.headers.get('set-cookie'), null)
        // A heartbeat has gone out: the stream has been open a while.
        while (!stream.comments.includes('heartbeat')) await new Promise((r) => setTimeout(r, 100))
        // The server closes it (as at shutdown): express-session's end of response runs now.
        await app.singleSession.closeEvents()
        await stream.closed()
        assert.deepEqual(app.writes, [])
        assert.equal(await app.lastSeen(sid), seen)
      },
    ))

  it('caps the streams per user and per process, and forgets closed ones', () =>
    withApp(
      { limit: 5, events: { maxStreamsPerUser: 2, maxStreamsPerProcess: 3 } },
      async (app) => {
        const browser = await app.signIn(109)
        const one = await app.stream(browser)
        const two = await app.stream(browser)
        const three = await app.stream(browser)
        assert.deepEqual([one.status, two.status, three.status], [200, 200, 429])
        assert.deepEqual(JSON.parse(await three.text()), {
          error: 'Too many open event streams',
          limit: 'maxStreamsPerUser',
        })
        one.close()
        // The closed stream is forgotten: its slot is free again.
        let again = await app.stream(browser)
        while (again.status === 429) {
          await new Promise((r) => setTimeout(r, 50))
          again = await app.stream(browser)
        }
        assert.equal(again.status, 200)
        const other = await app.signIn(110)
        const third = await app.stream(other)
        const fourth = await app.stream(other)
        assert.deepEqual([third.status, fourth.status], [200, 429])
        assert.equal(JSON.parse(await fourth.text()).limit, 'maxStreamsPerProcess')
        assert.deepEqual(app.singleSession.eventsStats(), { streams: 3, sessions: 2 })
        for (const stream of [two, again, third]) stream.close()
      },
    ))

  it(
    'carries an end made by another instance on the same database',
    {
      skip: storeIsShared()
        ? false
        : `TEST_STORE=${storeKind()} keeps sessions in memory: instances share nothing`,
    },
    () =>
      withApp({ limit: 1 }, async (app) => {
        const browser = await app.signIn(111)
        const stream = await app.stream(browser)
        // Another process, as far as the library can tell: its own store and instance.
        const other = createTestStore(db)
        try {
          const elsewhere = createSingleSession({ store: other.store, ...other.libraryOptions() })
          await elsewhere.logoutUsers([111])
          await expectEnded(stream, 'logged-out-by-admin')
        } finally {
          await other.close()
        }
      }),
  )
})
