/**
 * Runs the example app in its own process for multi-process tests. Reads DATABASE_URL,
 * SESSION_STORE, REDIS_URL, REDIS_PREFIX, SESSION_SECRET, SESSION_RESAVE and the SINGLE_SESSION_* variables of example-app/env.ts; prints
 * `listening <port>` once it accepts connections.
 */
import { createExampleApp } from '../../example-app/app.js'
import { singleSessionOptionsFromEnv } from '../../example-app/env.js'
import { express } from './express.js'

const example = await createExampleApp({
  adminPanel: false,
  databaseUrl: process.env.DATABASE_URL!,
  sessionStore: process.env.SESSION_STORE,
  redis: { url: process.env.REDIS_URL, prefix: process.env.REDIS_PREFIX },
  sessionSecret: process.env.SESSION_SECRET!,
  resave: process.env.SESSION_RESAVE === 'true',
  singleSession: singleSessionOptionsFromEnv(),
  express,
  onError: (error) =>
    process.stderr.write(`app error: ${String((error as Error)?.stack ?? error)}\n`),
})
const server = example.app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`)
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => void example.close().finally(() => process.exit(0)))
})
