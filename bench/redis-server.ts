/**
 * The benchmark apps on Redis, in their own process: `plugin` (the library, its records in the
 * same Redis) and `plain` (connect-redis alone), each on its own node-redis client and key
 * prefix. Reads BENCH_REDIS_URL (its database number included) and BENCH_REDIS_PREFIX; prints
 * `{"plugin":PORT,"plain":PORT}` once both listen; exits on SIGTERM.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import { createSingleSession } from '../src/index.js'
import { benchApps, type BenchUser } from './apps.js'
import { openRedisClient, redisStore } from './redis-keys.js'

const url = process.env.BENCH_REDIS_URL!
const prefix = process.env.BENCH_REDIS_PREFIX!
const pluginClient = await openRedisClient(url, `bench-plugin:${prefix}`)
const plainClient = await openRedisClient(url, `bench-plain:${prefix}`)
const pluginStore = redisStore(pluginClient, prefix)
const singleSession = createSingleSession<BenchUser>({
  store: pluginStore,
  redis: { client: pluginClient, prefix },
})
const { plugin, plain } = benchApps({
  pluginStore,
  plainStore: redisStore(plainClient, prefix),
  singleSession,
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
  void Promise.all([pluginClient.close(), plainClient.close()])
    .catch(() => {})
    .finally(() => process.exit(0))
})
