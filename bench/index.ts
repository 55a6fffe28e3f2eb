/**
 * The benchmark harness: `npm run bench [-- options]`.
 *
 *   --quick                 smaller sizes and shorter runs, for iterating on the harness
 *   --only=a,b              run only these: login-scaling, login-overhead, request-cost,
 *                           bulk-logout, memory, stores, redis
 *   --stores=a,b            stores for the stores benchmark: sequelize, pg-simple, memory
 *                           (pg-simple needs PostgreSQL; memory puts the registry on SQLite)
 *   --sizes=1000,10000      store sizes for login-scaling
 *   --logins=N              logins per size (login-scaling) and per variant (login-overhead)
 *   --memory-logins=N       logins for the memory benchmark
 *   --redis-sizes=1000,1000000  recorded sessions for the redis benchmark's login scaling
 *   --no-write              do not write bench/results/
 *
 * SQLite (a temporary file per benchmark) unless BENCH_DATABASE_URL names a PostgreSQL or
 * MariaDB server, on which each benchmark creates its own database and drops it afterwards.
 * `stores` runs request-cost (GET), login-overhead (evicting 1) and bulk-logout on each store
 * and writes bench/results/stores.md and stores.json; the others write <dialect>.md and .json.
 * `redis` runs the same measures on connect-redis with the library's records in Redis, and the
 * login against a million recorded sessions, on BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379, with the next database numbers, one per size); it writes
 * bench/results/redis.md, redis.json and login-scaling-redis.svg. Neither runs by default.
 */
import { bulkLogout } from './bulk-logout.js'
import { benchDialect, freshDatabase, serverVersion } from './database.js'
import { loginOverhead } from './login-overhead.js'
import { loginScaling } from './login-scaling.js'
import { memory } from './memory.js'
import { writeReport, type ScalingPoint, type Section } from './report.js'
import { requestCost } from './request-cost.js'
import { storeCosts, writeStoresReport, type StoreCostsOptions } from './store-costs.js'
import { benchRedisUrl } from './redis-keys.js'
import { redisBench, writeRedisReport, type RedisBenchOptions } from './redis.js'
import { parseStoreKind, STORE_KINDS } from './stores.js'

const BENCHMARKS = [
  'login-scaling',
  'login-overhead',
  'request-cost',
  'bulk-logout',
  'memory',
  'stores',
  'redis',
] as const
type Benchmark = (typeof BENCHMARKS)[number]

const args = new Map<string, string>()
for (const arg of process.argv.slice(2)) {
  const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg)
  if (!match) throw new Error(`unknown argument ${arg}`)
  args.set(match[1]!, match[2] ?? 'true')
}
const quick = args.has('quick')
const numbers = (name: string, fallback: number[]) =>
  args.has(name) ? args.get(name)!.split(',').map(Number) : fallback
const only = args.has('only')
  ? (args.get('only')!.split(',') as Benchmark[])
  : BENCHMARKS.filter((name) => name !== 'stores' && name !== 'redis')
for (const name of only) {
  if (!BENCHMARKS.includes(name))
    throw new Error(`unknown benchmark ${name}: ${BENCHMARKS.join(', ')}`)
}

const log = (line: string) => process.stderr.write(`${line}\n`)
const dialect = benchDialect()
const probe = await freshDatabase('probe')
const server = await serverVersion(probe)
await probe.drop()
log(`benchmarks on ${server}${quick ? ' (quick)' : ''}: ${only.join(', ')}`)

const startedAt = new Date()
const results: Array<{
  name: Benchmark
  section: Section
  scaling: ScalingPoint[] | null
  seconds: number
}> = []
const logins = numbers('logins', [quick ? 100 : 300])[0]!
let stores: StoreCostsOptions | null = null
let storeResults: Awaited<ReturnType<typeof storeCosts>> = []
let redis: RedisBenchOptions | null = null
let redisResults: Awaited<ReturnType<typeof redisBench>> | null = null

for (const name of only) {
  const started = performance.now()
  const sections: Section[] = []
  let scaling: ScalingPoint[] | null = null
  if (name === 'login-scaling') {
    const result = await loginScaling({
      sizes: numbers(
        'sizes',
        quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000],
      ),
      logins,
      log,
    })
    scaling = result.points
    sections.push(result)
  } else if (name === 'login-overhead') {
    sections.push(await loginOverhead({ logins, storeSize: 10_000, log }))
  } else if (name === 'request-cost') {
    sections.push(
      await requestCost({
        duration: quick ? 2 : 5,
        rounds: quick ? 2 : 6,
        connections: 10,
        storeSize: 10_000,
        log,
      }),
    )
  } else if (name === 'bulk-logout') {
    sections.push(
      await bulkLogout({
        userCounts: [100, 1_000, 10_000],
        sessionsPerUser: 3,
        repeats: quick ? 1 : 3,
        storeSize: quick ? 10_000 : 100_000,
        log,
      }),
    )
  } else if (name === 'stores') {
    const kinds = args.has('stores')
      ? args.get('stores')!.split(',').map(parseStoreKind)
      : STORE_KINDS.filter((kind) => kind !== 'pg-simple' || dialect === 'postgres')
    stores = {
      stores: kinds,
      duration: quick ? 2 : 4,
      rounds: quick ? 2 : 4,
      connections: 10,
      logins: numbers('logins', [quick ? 60 : 200])[0]!,
      userCounts: [100, 1_000],
      sessionsPerUser: 3,
      repeats: quick ? 1 : 3,
      storeSize: 10_000,
      log,
    }
    storeResults = await storeCosts(stores)
    continue
  } else if (name === 'redis') {
    redis = {
      url: benchRedisUrl(),
      duration: quick ? 2 : 4,
      rounds: quick ? 2 : 4,
      connections: 10,
      logins: numbers('logins', [quick ? 60 : 200])[0]!,
      sizes: numbers('redis-sizes', quick ? [1_000, 100_000] : [1_000, 1_000_000]),
      userCounts: [10, 1_000],
      sessionsPerUser: 3,
      repeats: quick ? 1 : 3,
      storeSize: 10_000,
      log,
    }
    redisResults = await redisBench(redis)
    continue
  } else if (name === 'memory') {
    sections.push(
      await memory({
        logins: numbers('memory-logins', [quick ? 10_000 : 100_000])[0]!,
        concurrency: 4,
        samples: 10,
        log,
      }),
    )
  }
  results.push({
    name,
    section: sections[0]!,
    scaling,
    seconds: (performance.now() - started) / 1000,
  })
}

const command = [
  process.env.BENCH_DATABASE_URL ? `BENCH_DATABASE_URL=${process.env.BENCH_DATABASE_URL}` : '',
  process.env.BENCH_REDIS_URL && only.includes('redis')
    ? `BENCH_REDIS_URL=${process.env.BENCH_REDIS_URL}`
    : '',
  'npm run bench',
  process.argv.length > 2 ? `-- ${process.argv.slice(2).join(' ')}` : '',
]
  .filter(Boolean)
  .join(' ')
const info = {
  dialect,
  server,
  command,
  startedAt,
  seconds: (Date.now() - startedAt.getTime()) / 1000,
}
for (const bar of results.flatMap((r) => r.section.bars)) {
  log(`${bar.met ? 'met   ' : 'MISSED'} ${bar.name}: ${bar.measured} (bar: ${bar.bar})`)
}
for (const bar of redisResults?.bars ?? []) {
  log(`${bar.met ? 'met   ' : 'MISSED'} Redis: ${bar.name}: ${bar.measured} (bar: ${bar.bar})`)
}
for (const cost of storeResults) {
  for (const bar of cost.bars) {
    log(
      `${bar.met ? 'met   ' : 'MISSED'} ${cost.label}: ${bar.name}: ${bar.measured} (bar: ${bar.bar})`,
    )
  }
}
if (!args.has('no-write')) {
  if (results.length > 0) {
    const written = writeReport(info, results, BENCHMARKS)
    log(`wrote ${written.markdown}${written.chart ? ` and ${written.chart}` : ''}`)
  }
  if (stores) log(`wrote ${writeStoresReport(info, storeResults, stores)}`)
  if (redis && redisResults) log(`wrote ${writeRedisReport(info, redisResults, redis)}`)
}
process.exit(0)
