/**
 * A minimal site whose session records live in Redis (node-redis), for the cross-process event
 * stream test. Run directly, it serves; imported, it starts one:
 * `startRedisEventsProcess(url, prefix)`. REDIS_URL and REDIS_PREFIX choose the server and keys.
 *   GET /login-as/:id   signs in as that user id and shows a page that watches its session
 *   GET /events         the stream
 */
import { spawn } from 'node:child_process'
import { whenListening, type AppProcess } from './listening.js'

export function startRedisEventsProcess(redisUrl: string, prefix: string): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename], {
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return whenListening(child, 'redis events process')
}

async function serve(): Promise<void> {
  const { default: express } = await import('express')
  const { default: session } = await import('express-session')
  const { createClient } = await import('redis')
  const { createSingleSession } = await import('../../src/index.js')

  const client = createClient({ url: process.env.REDIS_URL })
  await client.connect()
  const prefix = process.env.REDIS_PREFIX!
  // Each process keeps its sessions in memory (connect-redis's driver is not finished yet): the
  // records, the reasons and the notices are what the processes share, all in Redis.
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
}

if (process.argv[1] === import.meta.filename) await serve()
