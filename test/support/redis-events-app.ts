/**
 * A minimal site whose session records live in Redis (node-redis), for the cross-process event
 * stream test; started by test/support/redis-events-process.ts. REDIS_URL and REDIS_PREFIX
 * choose the server and keys; prints `listening <port>` once it accepts connections.
 *   GET /login-as/:id   signs in as that user id and shows a page that watches its session
 *   GET /events         the stream
 */
import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { createSingleSession } from '../../src/index.js'

const client = createClient({ url: process.env.REDIS_URL })
await client.connect()
const prefix = process.env.REDIS_PREFIX!
// Each process keeps its sessions in memory, so that the records, the reasons and the end
// notices, all in Redis, are the only things the processes share.
const store = new session.MemoryStore()
const singleSession = createSingleSession<{ id: number }>({
  store,
  redis: { client, prefix },
})
const app = express()
app.use(
  session({
    secret: 'redis events',
    name: 'sid',
    store,
    resave: false,
    saveUninitialized: false,
  }),
)
app.use(singleSession.middleware())
app.get('/session-events.js', singleSession.eventsScript())
app.get('/events', singleSession.eventsHandler())
app.get('/login-as/:id', async (req, res, next) => {
  try {
    await singleSession.login(req, { id: Number(req.params.id) })
    await new Promise<void>((done, fail) =>
      req.session.save((e) => (e ? fail(e as Error) : done())),
    )
    res.type('html').send(`<!doctype html><p data-testid="current-user">${req.params.id}</p>
<p data-testid="signed-out-reason" hidden></p>
<script src="/session-events.js"></script>
<script>SingleSessionEvents.watch({ url: '/events',
  onOpen: function () { document.body.dataset.events = 'open' },
  onEnded: function (reason) {
    var p = document.querySelector('[data-testid="signed-out-reason"]')
    p.textContent = reason; p.hidden = false
  } })</script>`)
  } catch (error) {
    next(error)
  }
})
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`)
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => {
    void singleSession
      .closeEvents()
      .then(() => client.quit())
      .finally(() => process.exit(0))
  })
})
