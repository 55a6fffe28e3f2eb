import { spawn } from 'node:child_process'
import { bundle } from './bundle.js'
import { whenListening, type AppProcess } from './listening.js'

/**
 * Starts test/support/redis-events-app.ts, compiled to plain modules (test/support/bundle.ts),
 * in its own process, with its records under `prefix` on the Redis server at `redisUrl`.
 */
export async function startRedisEventsProcess(
  redisUrl: string,
  prefix: string,
): Promise<AppProcess> {
  const child = spawn(process.execPath, [await bundle('test/support/redis-events-app.ts')], {
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return whenListening(child, 'redis events process')
}
