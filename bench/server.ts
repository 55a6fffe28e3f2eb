/**
 * The benchmark apps in their own process, so that the load generator and the HTTP clients in
 * the parent do not share a CPU thread with the server. Reads BENCH_APP_DATABASE_URL,
 * BENCH_APP_STORE (the store kind, connect-session-sequelize by default) and
 * BENCH_SQLITE_CACHE_MB (an experiment knob); prints
 * `{"plugin":PORT,"plain":PORT}` once both listen; exits on SIGTERM.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import { openDatabase } from '../example-app/database.js'
import { createBenchApps } from './apps.js'
import { closeStore, parseStoreKind } from './stores.js'

const sequelize = await openDatabase(process.env.BENCH_APP_DATABASE_URL!)
// An experiment knob: SQLite's page cache (default 2 MB per connection).
if (process.env.BENCH_SQLITE_CACHE_MB && sequelize.getDialect() === 'sqlite') {
  await sequelize.query(`PRAGMA cache_size = -${Number(process.env.BENCH_SQLITE_CACHE_MB) * 1024}`)
}
const { plugin, plain, stores } = createBenchApps(sequelize, {
  store: parseStoreKind(process.env.BENCH_APP_STORE ?? 'sequelize'),
  url: process.env.BENCH_APP_DATABASE_URL!,
})

function listen(app: Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

const servers = [await listen(plugin), await listen(plain)]
const [pluginPort, plainPort] = servers.map((s) => (s.address() as AddressInfo).port)
process.stdout.write(`${JSON.stringify({ plugin: pluginPort, plain: plainPort })}\n`)

process.on('SIGTERM', () => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
  void Promise.all([sequelize.close(), closeStore(stores.plugin), closeStore(stores.plain)])
    .catch(() => {})
    .finally(() => process.exit(0))
})
