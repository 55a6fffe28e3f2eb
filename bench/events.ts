/**
 * Instant sign-out at scale (not a test): `npx tsx bench/events.ts [--streams=1000] [--no-write]`.
 * One process, 1,000 signed-in sessions, one open event stream each, over real HTTP. Measures:
 * - the latency from an end (logoutUsers of one user, resolved) to its event at the client,
 *   one end at a time, then for one bulk end of all remaining users;
 * - the heap per open stream: heap after opening them minus before, divided by the count. The
 *   clients run in the same process as the server, so this is an upper bound for the server.
 * SQLite (a temporary file) unless BENCH_DATABASE_URL names PostgreSQL or MariaDB. Writes
 * bench/results/events.md.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { createSingleSession } from '../src/index.js'
import { createTestStore } from '../test/support/stores.js'
import { listen, Browser } from '../test/support/http.js'
import { openEventStream, type OpenStream } from '../test/support/event-stream.js'
import { benchDialect, freshDatabase, serverVersion } from './database.js'

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=')
    return [name!, value ?? 'true'] as const
  }),
)
const STREAMS = Number(args.get('streams') ?? 1000)
const SINGLE_ENDS = Math.min(200, STREAMS / 2)
const log = (line: string) => process.stderr.write(`${line}\n`)
const gc = (globalThis as { gc?: () => void }).gc

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1]! }
}

async function heap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.()
    await new Promise((r) => setTimeout(r, 50))
  }
  return process.memoryUsage().heapUsed
}

const db = await freshDatabase('events')
const version = await serverVersion(db)
const testStore = createTestStore(db, 'sequelize')
const singleSession = createSingleSession<{ id: number }>({
  store: testStore.store,
  sequelize: testStore.sequelize,
  events: { maxStreamsPerProcess: STREAMS + 10 },
})
await singleSession.sync()
const app = express()
app.use(
  session({
    secret: 'bench',
    name: 'sid',
    store: testStore.store,
    resave: false,
    saveUninitialized: false,
  }),
)
app.use(singleSession.middleware())
app.use(express.json())
app.get('/events', singleSession.eventsHandler())
app.post('/login', async (req, res) => {
  await singleSession.login(req, req.body as { id: number })
  res.json({})
})
const server = await listen(app)

log(`signing in ${STREAMS} users`)
const cookies: string[] = []
for (let id = 1; id <= STREAMS; id++) {
  const browser = new Browser(server.url)
  await browser.post('/login', { id })
  cookies.push(browser.cookie!)
}

const before = await heap()
log(`opening ${STREAMS} streams`)
const streams: OpenStream[] = []
for (let i = 0; i < STREAMS; i += 100) {
  streams.push(
    ...(await Promise.all(
      cookies.slice(i, i + 100).map((cookie) => openEventStream(server.url, '/events', cookie)),
    )),
  )
}
while (singleSession.eventsStats().streams < STREAMS) await new Promise((r) => setTimeout(r, 20))
const opened = await heap()
const heapPerStream = (opened - before) / STREAMS

log(`ending ${SINGLE_ENDS} sessions one at a time`)
const single: number[] = []
for (let i = 0; i < SINGLE_ENDS; i++) {
  const started = performance.now()
  await singleSession.logoutUsers([i + 1])
  const ended = performance.now()
  const event = await streams[i]!.next()
  if (event?.event !== 'session-ended') throw new Error(`no event for user ${i + 1}`)
  single.push(performance.now() - ended)
  void started
}

log(`ending the other ${STREAMS - SINGLE_ENDS} sessions in one logoutUsers()`)
const rest = streams.slice(SINGLE_ENDS)
const bulkStart = performance.now()
const arrivals = rest.map((stream) => stream.next().then(() => performance.now() - bulkStart))
const ids = Array.from({ length: STREAMS - SINGLE_ENDS }, (_, i) => SINGLE_ENDS + i + 1)
await singleSession.logoutUsers(ids)
const bulkCall = performance.now() - bulkStart
const bulk = await Promise.all(arrivals)

await singleSession.closeEvents()
await server.close()
await testStore.close()
await db.drop()

const fmt = (n: number) => n.toFixed(1)
const row = (label: string, values: number[]) => {
  const p = percentiles(values)
  return `| ${label} | ${values.length} | ${fmt(p.p50)} | ${fmt(p.p95)} | ${fmt(p.p99)} | ${fmt(p.max)} |`
}
const report = `# Event streams: ${STREAMS} open streams on one process

${benchDialect()} ${version}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)};
\`npx tsx --expose-gc bench/events.ts\`${args.has('streams') ? ` --streams=${STREAMS}` : ''}.
Server and clients in one process, over loopback HTTP.

## Latency from the end to the event

One end at a time: from \`logoutUsers([id])\` resolving to the event at the client, with all
${STREAMS} streams open. Bulk: one \`logoutUsers()\` of ${STREAMS - SINGLE_ENDS} users (it took
${fmt(bulkCall)} ms), from its start to each event.

| | events | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|
${row('one end at a time', single)}
${row('bulk end (from its start)', bulk)}

## Memory

Heap after opening ${STREAMS} streams minus before (after GC): ${fmt((opened - before) / 1024 / 1024)} MiB,
${fmt(heapPerStream / 1024)} KiB per open stream, client side included (an upper bound for the
server: its share is the socket, the response, one watch entry and a closure).
`
process.stdout.write(report)
if (!args.has('no-write')) {
  writeFileSync(join(import.meta.dirname, 'results', 'events.md'), report)
}
