import { randomBytes } from 'node:crypto'
import { createExampleApp } from './app.js'
import { singleSessionOptionsFromEnv } from './env.js'

const databaseUrl = process.env.DATABASE_URL ?? 'sqlite:example-app/example.sqlite'
const port = Number(process.env.PORT ?? 3000)
const sessionSecret = process.env.SESSION_SECRET ?? randomBytes(32).toString('hex')

const example = await createExampleApp({
  databaseUrl,
  sessionStore: process.env.SESSION_STORE,
  redis: { url: process.env.REDIS_URL, prefix: process.env.REDIS_PREFIX },
  sessionSecret,
  resave: process.env.SESSION_RESAVE === 'true',
  singleSession: singleSessionOptionsFromEnv(),
  onError: (error) => console.error('request failed:', error),
}).catch((error: unknown) => {
  // A setting to fix (SESSION_STORE, REDIS_URL, ...): its sentence, not a stack trace.
  console.error(`The example app cannot start: ${(error as Error)?.message ?? String(error)}`)
  process.exit(1)
})

const server = example.app.listen(port, '127.0.0.1', () => {
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  console.log(
    `Example app on http://127.0.0.1:${actualPort} (database ${databaseUrl.split('@').pop()})`,
  )
  if (example.sessionStore.notice) console.log(example.sessionStore.notice)
  if (!process.env.SESSION_SECRET) {
    console.log(
      'SESSION_SECRET is not set: using a random one, so sessions end when the app restarts.',
    )
  }
})

function shutdown(): void {
  server.close(() => {
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
