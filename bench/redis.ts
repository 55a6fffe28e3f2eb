import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { createSingleSession, type SingleSession } from '../src/index.js'
import type { BenchUser } from './apps.js'
import { loginOverHttp, spawnApps, whoIs, type LoginTiming, type ServerProcess } from './client.js'
import {
  addressOf,
  commandLog,
  commandsOf,
  dropPrefix,
  openRedisClient,
  RedisFiller,
  redisStore,
  sessionPrefix,
  usedMemory,
  withDatabase,
  type BenchRedisClient,
  type CommandLog,
} from './redis-keys.js'
import {
  machine,
  RESULTS_DIR,
  scalingChart,
  table,
  type Bar,
  type RunInfo,
  type ScalingPoint,
} from './report.js'
import { count, median, ms, p95, percent, ratio, timed } from './stats.js'

export interface RedisBenchOptions {
  /** The Redis server; its database number and the next ones are used (one per store size). */
  url: string
  /** GET throughput: seconds per run, runs per app, connections. */
  duration: number
  rounds: number
  connections: number
  /** Logins per variant (login overhead) and per size and app (login scaling). */
  logins: number
  /** Recorded sessions of the login-scaling sizes; the bar compares the last with the first. */
  sizes: number[]
  /** Bulk logout: the two user counts, sessions per user, runs per count. */
  userCounts: [number, number]
  sessionsPerUser: number
  repeats: number
  /** Other sessions in the store of the GET, login-overhead and bulk-logout runs. */
  storeSize: number
  log: (line: string) => void
}

/** What the Redis benchmark measured, as bench/results/redis.json keeps it. */
export interface RedisResults {
  server: string
  get: { pluginRps: number; plainRps: number; kept: number }
  login: {
    plain: number
    first: number
    evict: number
    plainStep: number
    evictStep: number
    commands: Record<LoginVariant, { sent: string[]; inScripts: number }>
  }
  scaling: ScalingPoint[]
  bulk: Array<{
    users: number
    commands: number
    roundTrips: number
    inScripts: number
    kinds: string
    ms: number
  }>
  memory: {
    parts: Array<{ key: string; bytes: number }>
    record: number
    session: number
    /** `used_memory` growth per session, for sessions alone and with their records. */
    atScale: { sessions: number; alone: number; recorded: number }
  }
  bars: Bar[]
}

type LoginVariant = 'plain' | 'first' | 'evict'

const FILLER_USERS = 10_000_000
const EVICT_USERS = 20_000_000
const SCALING_USERS = 200_000_000
const BATCH = 20

/**
 * The library on connect-redis 9 (node-redis 5) with its records in the same Redis, against
 * plain connect-redis on the same server: every ratio is two apps measured side by side in one
 * run. Each part keeps its keys under a prefix of its own and deletes them afterwards.
 */
export async function redisBench(options: RedisBenchOptions): Promise<RedisResults> {
  const { log } = options
  const admin = await openRedisClient(options.url, `bench-admin-${randomBytes(3).toString('hex')}`)
  const server = `Redis ${/redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?'}`
  const run = randomBytes(3).toString('hex')
  const base = Number(new URL(options.url).pathname.slice(1) || 0)
  const monitor = await commandLog(options.url)
  try {
    log(`redis: ${server}, prefixes ssbench-${run}-*`)
    const { get, login, memory } = await requestAndLogin(options, `ssbench-${run}-app`, monitor)
    const scaling = await loginScaling(options, `ssbench-${run}-size`, base)
    const bulk = await bulkLogout(options, `ssbench-${run}-bulk`, monitor)
    memory.atScale = await memoryAtScale(
      options,
      `ssbench-${run}-mem`,
      (base + 1 + options.sizes.length) % 16,
    )
    const [small, large] = options.userCounts
    const bulkOf = (users: number) => bulk.find((b) => b.users === users)!
    const first = scaling.points[0]!
    const last = scaling.points.at(-1)!
    const bars: Bar[] = [
      {
        name: 'Authenticated GET throughput, library / plain connect-redis',
        bar: '>= 95%',
        measured: `${percent(get.kept)} (${count(Math.round(get.pluginRps))} vs ${count(Math.round(get.plainRps))} req/s)`,
        met: get.kept >= 0.95,
      },
      {
        name: 'Login evicting 1 session (limit 1) / plain regenerate + save',
        bar: '<= 1.5x',
        measured: `${ratio(login.evict / login.plain)} (${ms(login.evict)} vs ${ms(login.plain)}, HTTP medians); login step alone ${ratio(login.evictStep / login.plainStep)}`,
        met: login.evict / login.plain <= 1.5,
      },
      {
        name: `Login at ${count(last.size)} recorded sessions vs ${count(first.size)}`,
        bar: '<= 1.5x',
        measured: `${ratio(last.pluginLogin / first.pluginLogin)} (${ms(last.pluginLogin)} vs ${ms(first.pluginLogin)}); baseline scan ${ratio(last.scan / first.scan)}`,
        met: last.pluginLogin / first.pluginLogin <= 1.5,
      },
      {
        name: `Bulk logout round trips, ${count(large)} vs ${count(small)} users x ${options.sessionsPerUser}`,
        bar: 'no growth',
        measured: `${bulkOf(large).roundTrips} vs ${bulkOf(small).roundTrips} (commands: ${bulkOf(large).commands} vs ${bulkOf(small).commands})`,
        met:
          bulkOf(large).roundTrips <= bulkOf(small).roundTrips &&
          bulkOf(large).commands <= bulkOf(small).commands,
      },
      {
        name: `Bulk logout time, ${count(large)} users x ${options.sessionsPerUser}`,
        bar: '< 6 s',
        measured: ms(bulkOf(large).ms),
        met: bulkOf(large).ms < 6000,
      },
      {
        name: 'Memory per session record (MEMORY USAGE)',
        bar: '(reported)',
        measured: `${count(memory.record)} bytes (the connect-redis session itself: ${count(memory.session)}); used_memory per session at ${count(memory.atScale.sessions)}: ${count(Math.round(memory.atScale.recorded))} with its record vs ${count(Math.round(memory.atScale.alone))} alone`,
        met: true,
      },
    ]
    return { server, get, login, scaling: scaling.points, bulk, memory, bars }
  } finally {
    await monitor.close()
    await admin.close()
  }
}

/** The apps of bench/redis-server.ts on this prefix, and a filler for it. */
async function startApps(url: string, prefix: string): Promise<ServerProcess> {
  return spawnApps('./redis-server.ts', { BENCH_REDIS_URL: url, BENCH_REDIS_PREFIX: prefix })
}

/**
 * GET throughput and login overhead on one store of `storeSize` other sessions, and the memory
 * of one record made by a real login.
 */
async function requestAndLogin(
  options: RedisBenchOptions,
  prefix: string,
  monitor: CommandLog,
): Promise<Pick<RedisResults, 'get' | 'login' | 'memory'>> {
  const { log, connections, duration, rounds, logins } = options
  const client = await openRedisClient(options.url, `bench-fill:${prefix}`)
  const filler = new RedisFiller(client, prefix)
  await filler.fill(options.storeSize, 1, FILLER_USERS)
  // The evicting variant's users: one older session each (limit 1).
  await filler.fill(logins + 1, 1, EVICT_USERS)
  const apps = await startApps(options.url, prefix)
  try {
    // GET: each connection its own signed-in user; autocannon alternates plugin/plain (ABBA).
    const cookies = { plugin: [] as string[], plain: [] as string[] }
    for (let i = 0; i < connections; i++) {
      for (const app of ['plugin', 'plain'] as const) {
        const { cookie } = await loginOverHttp(apps[app], `${app}_${i}`)
        if ((await whoIs(apps[app], cookie)) !== `${app}_${i}`) throw new Error('not signed in')
        cookies[app].push(cookie)
      }
    }
    const once = async (app: 'plugin' | 'plain', seconds: number) => {
      let next = 0
      const result = await autocannon({
        url: `${apps[app]}/me`,
        connections,
        duration: seconds,
        setupClient: (c) => c.setHeaders({ cookie: cookies[app][next++ % connections]! }),
      })
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(`${app} GET: ${result.non2xx} non-2xx, ${result.errors} errors`)
      }
      return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
    }
    await once('plain', Math.min(2, duration))
    await once('plugin', Math.min(2, duration))
    const runs = { plugin: [] as Run[], plain: [] as Run[] }
    for (let round = 0; round < rounds; round++) {
      const order =
        round % 2 === 0 ? (['plugin', 'plain'] as const) : (['plain', 'plugin'] as const)
      for (const app of order) runs[app].push(await once(app, duration))
    }
    const rps = (app: 'plugin' | 'plain') => median(runs[app].map((r) => r.rps))
    const get = {
      pluginRps: rps('plugin'),
      plainRps: rps('plain'),
      kept: rps('plugin') / rps('plain'),
    }
    getRuns = runs
    log(`redis: GET keeps ${percent(get.kept)} of plain connect-redis throughput`)

    // Logins: plain, a user's first session, a user with one older session (evicted).
    const results: Record<LoginVariant, LoginTiming[]> = { plain: [], first: [], evict: [] }
    const next = { plain: 30_000_000, first: 40_000_000, evict: EVICT_USERS }
    for (let i = 0; i < 10; i++) {
      await loginOverHttp(apps.plain, `warm_plain_${i}`)
      await loginOverHttp(apps.plugin, `warm_plugin_${i}`)
    }
    const variants = ['plain', 'first', 'evict'] as const
    for (let batch = 0, done = 0; done < logins; batch++, done += BATCH) {
      const n = Math.min(BATCH, logins - done)
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(batch + k) % variants.length]!
        const url = variant === 'plain' ? apps.plain : apps.plugin
        for (let i = 0; i < n; i++) results[variant].push(await loginOverHttp(url, next[variant]++))
      }
    }
    const http = (v: LoginVariant) => median(results[v].map((t) => t.http))
    const step = (v: LoginVariant) => median(results[v].map((t) => t.server))
    loginRuns = results
    log(
      `redis: login plain ${ms(http('plain'))}, first ${ms(http('first'))}, evicting 1 ${ms(http('evict'))} (${ratio(http('evict') / http('plain'))})`,
    )

    // The commands of one login of each variant, from MONITOR, after the timed runs.
    const address = {
      plugin: await addressOf(client, `bench-plugin:${prefix}`),
      plain: await addressOf(client, `bench-plain:${prefix}`),
    }
    const counted = async (variant: LoginVariant, user: string | number) => {
      const url = variant === 'plain' ? apps.plain : apps.plugin
      await loginOverHttp(url, `count_warm_${variant}`)
      const { lines } = await monitor.during(() => loginOverHttp(url, user))
      return commandsOf(lines, address[variant === 'plain' ? 'plain' : 'plugin'])
    }
    const commands = {
      plain: await counted('plain', 'count_plain'),
      first: await counted('first', 'count_first'),
      evict: await counted('evict', EVICT_USERS + logins),
    }

    // The memory of the record of a real login: its keys, and its share of the index of all.
    const sid = /sid=s%3A([^.]+)\./.exec(cookies.plugin[0]!)?.[1]
    if (!sid) throw new Error('no sid in the cookie')
    const tag = `{${prefix}}`
    const id = await client.get(`${tag}:sid:${sid}`)
    const usage = async (key: string) => Number(await client.memoryUsage(key, { SAMPLES: 0 }))
    const all = await usage(`${tag}:all`)
    const recorded = Number(await client.zCard(`${tag}:all`))
    const parts = [
      { key: '{p}:rec:<id> (hash)', bytes: await usage(`${tag}:rec:${id}`) },
      { key: '{p}:sid:<sid> (string)', bytes: await usage(`${tag}:sid:${sid}`) },
      {
        key: '{p}:user:<userId> (sorted set, one member)',
        bytes: await usage(`${tag}:user:plugin_0`),
      },
      {
        key: `{p}:all (its share: ${count(all)} bytes / ${count(recorded)} members)`,
        bytes: Math.round(all / recorded),
      },
    ]
    const memory = {
      parts,
      record: parts.reduce((sum, part) => sum + part.bytes, 0),
      session: await usage(`${sessionPrefix(prefix)}${sid}`),
      atScale: { sessions: 0, alone: NaN, recorded: NaN },
    }
    return {
      get,
      login: {
        plain: http('plain'),
        first: http('first'),
        evict: http('evict'),
        plainStep: step('plain'),
        evictStep: step('evict'),
        commands,
      },
      memory,
    }
  } finally {
    await apps.close()
    await dropPrefix(client, prefix)
    await client.close()
  }
}

interface Run {
  rps: number
  p50: number
  p99: number
}

/** Kept for the report: the GET runs and the login timings of the last run. */
let getRuns: Record<'plugin' | 'plain', Run[]> = { plugin: [], plain: [] }
let loginRuns: Record<LoginVariant, LoginTiming[]> = { plain: [], first: [], evict: [] }
let scalingRows: string[][] = []

/**
 * Login cost against the number of recorded sessions: one Redis database (number base + 1 + i)
 * and one app process per size, all alive at once, logins interleaved in batches over the sizes.
 * Each plugin login is a user with 2 older sessions, both evicted (limit 1). Beside it: the
 * library's lookup of a user's sessions, and what an app on connect-redis alone has to do, read
 * every session (SCAN, then MGET) and decode it.
 */
async function loginScaling(
  options: RedisBenchOptions,
  prefix: string,
  base: number,
): Promise<{ points: ScalingPoint[] }> {
  const { sizes, logins, log } = options
  interface Size {
    size: number
    /** The key prefix of this size. */
    prefix: string
    url: string
    client: BenchRedisClient
    apps: ServerProcess
    singleSession: SingleSession<BenchUser>
    fillMs: number
    plugin: LoginTiming[]
    plain: LoginTiming[]
    nextLogin: number
    nextPlain: number
  }
  const stores: Size[] = []
  const points: ScalingPoint[] = []
  scalingRows = []
  try {
    for (const [index, size] of sizes.entries()) {
      const url = withDatabase(options.url, (base + 1 + index) % 16)
      const client = await openRedisClient(url, `bench-scaling:${prefix}-${size}`)
      const filler = new RedisFiller(client, `${prefix}-${size}`)
      const fill = await timed(async () => {
        await filler.fill(Math.max(0, size - logins * 2), 1, FILLER_USERS)
        await filler.fill(logins, 2, SCALING_USERS)
      })
      const store = redisStore(client, `${prefix}-${size}`)
      stores.push({
        size: filler.written,
        prefix: `${prefix}-${size}`,
        url,
        client,
        apps: await startApps(url, `${prefix}-${size}`),
        singleSession: createSingleSession<BenchUser>({
          store,
          redis: { client, prefix: `${prefix}-${size}` },
        }),
        fillMs: fill.ms,
        plugin: [],
        plain: [],
        nextLogin: SCALING_USERS,
        nextPlain: 300_000_000,
      })
      log(`redis: ${count(filler.written)} recorded sessions written in ${ms(fill.ms)}`)
    }
    for (const store of stores) {
      for (let i = 0; i < 30; i++) {
        await loginOverHttp(store.apps.plain, store.nextPlain++)
        await loginOverHttp(store.apps.plugin, `warm_${i}`)
      }
    }
    for (let batch = 0, done = 0; done < logins; batch++, done += BATCH) {
      const n = Math.min(BATCH, logins - done)
      for (let k = 0; k < stores.length; k++) {
        const store = stores[(batch + k) % stores.length]!
        const plugin = async () => {
          for (let i = 0; i < n; i++) {
            store.plugin.push(await loginOverHttp(store.apps.plugin, store.nextLogin++))
          }
        }
        const plain = async () => {
          for (let i = 0; i < n; i++) {
            store.plain.push(await loginOverHttp(store.apps.plain, store.nextPlain++))
          }
        }
        if ((batch + k) % 2 === 0) {
          await plugin()
          await plain()
        } else {
          await plain()
          await plugin()
        }
      }
    }
    for (const store of stores) {
      const check = await store.singleSession.listSessions(String(SCALING_USERS))
      if (check.length !== 1) throw new Error(`user ${SCALING_USERS} has ${check.length} sessions`)
      const lookups: number[] = []
      for (let i = 0; i < 200; i++) {
        const user = String(FILLER_USERS + ((i * 7919) % Math.max(1, store.size - logins * 2)))
        lookups.push((await timed(() => store.singleSession.listSessions(user))).ms)
      }
      const scans: number[] = []
      const repeats = store.size >= 500_000 ? 2 : store.size >= 50_000 ? 3 : 10
      for (let i = 0; i < repeats; i++) {
        // A user who logged in during the run: one session left.
        const target = String(SCALING_USERS + i)
        const scan = await timed(() =>
          scanForUser(store.client, sessionPrefix(store.prefix), target),
        )
        if (scan.value !== 1) throw new Error(`scan found ${scan.value} sessions of ${target}`)
        scans.push(scan.ms)
      }
      const point: ScalingPoint = {
        size: store.size,
        pluginLogin: median(store.plugin.map((t) => t.http)),
        pluginLoginP95: p95(store.plugin.map((t) => t.http)),
        plainLogin: median(store.plain.map((t) => t.http)),
        lookup: median(lookups),
        scan: median(scans),
      }
      points.push(point)
      scalingRows.push([
        count(store.size),
        ms(store.fillMs),
        ms(point.pluginLogin),
        ms(point.pluginLoginP95),
        ms(median(store.plugin.map((t) => t.server))),
        ms(point.plainLogin),
        ms(median(store.plain.map((t) => t.server))),
        ms(point.lookup),
        ms(point.scan),
      ])
      log(
        `redis: ${count(store.size)}: login ${ms(point.pluginLogin)} (p95 ${ms(point.pluginLoginP95)}), plain ${ms(point.plainLogin)}, lookup ${ms(point.lookup)}, scan ${ms(point.scan)}`,
      )
    }
  } finally {
    for (const store of stores) {
      await store.apps.close()
      await dropPrefix(store.client, store.prefix)
      await store.client.close()
    }
  }
  return { points }
}

/**
 * Redis's own count, at scale: how much `used_memory` grows per session for sessions alone (an
 * app on connect-redis alone) and for sessions with their records, each written into an empty
 * database number (the keyspace's tables, the expiry table and the allocator's overhead
 * included, which MEMORY USAGE leaves out).
 */
async function memoryAtScale(
  options: RedisBenchOptions,
  prefix: string,
  db: number,
): Promise<RedisResults['memory']['atScale']> {
  const sessions = 100_000
  const client = await openRedisClient(withDatabase(options.url, db), `bench-memory:${prefix}`)
  const growth = async (name: string, records: boolean) => {
    const before = await usedMemory(client)
    await new RedisFiller(client, name, { records }).fill(sessions, 1, FILLER_USERS)
    const bytes = ((await usedMemory(client)) - before) / sessions
    await dropPrefix(client, name)
    return bytes
  }
  try {
    const alone = await growth(`${prefix}-alone`, false)
    const recorded = await growth(`${prefix}-recorded`, true)
    options.log(
      `redis: used_memory per session: ${Math.round(alone)} bytes alone, ${Math.round(recorded)} with its record`,
    )
    return { sessions, alone, recorded }
  } finally {
    await dropPrefix(client, `${prefix}-alone`)
    await dropPrefix(client, `${prefix}-recorded`)
    await client.close()
  }
}

/**
 * What an app on connect-redis alone does to find a user's sessions: SCAN every session key,
 * MGET them 1,000 at a time and decode each (connect-redis's own `all()` does the same).
 */
async function scanForUser(
  client: BenchRedisClient,
  prefix: string,
  userId: string,
): Promise<number> {
  let found = 0
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    if (keys.length === 0) continue
    for (const text of await client.mGet(keys)) {
      if (!text) continue
      const data = JSON.parse(text) as { singleSession?: { uid?: string } }
      if (data.singleSession?.uid === userId) found++
    }
  }
  return found
}

/**
 * The admin's bulk logout, `logoutUsers(ids, { actor })` in this process on its own client:
 * the commands it sends (MONITOR, from its connection's address), the commands its scripts run,
 * and its round trips (how often the client goes from idle to waiting on Redis).
 */
async function bulkLogout(
  options: RedisBenchOptions,
  prefix: string,
  monitor: CommandLog,
): Promise<RedisResults['bulk']> {
  const { userCounts, sessionsPerUser, repeats, log } = options
  const name = `bench-bulk:${prefix}`
  const client = await openRedisClient(options.url, name)
  const address = await addressOf(client, name)
  const filler = new RedisFiller(client, prefix)
  await filler.fill(options.storeSize, 1, FILLER_USERS)
  const singleSession = createSingleSession({
    store: redisStore(client, prefix),
    redis: { client, prefix },
  })
  // Round trips: a command sent while none is in flight starts one.
  let inFlight = 0
  let roundTrips = 0
  const send = client.sendCommand.bind(client)
  client.sendCommand = ((...args: Parameters<typeof send>) => {
    if (inFlight++ === 0) roundTrips++
    return send(...args).finally(() => inFlight--)
  }) as typeof client.sendCommand
  const results: RedisResults['bulk'] = []
  let nextUser = 100_000_000
  const actor = { kind: 'user', id: 'admin', label: 'admin@example.com' } as const
  /** Logs out `users` fresh users; returns the time, the round trips and what MONITOR saw. */
  const logout = async (users: number, observe: boolean) => {
    const first = nextUser
    nextUser += users
    await filler.fill(users, sessionsPerUser, first)
    const ids = Array.from({ length: users }, (_, i) => first + i)
    roundTrips = 0
    const started = performance.now()
    const { value: report, lines } = observe
      ? await monitor.during(() => singleSession.logoutUsers(ids, { actor }))
      : { value: await singleSession.logoutUsers(ids, { actor }), lines: [] }
    const time = performance.now() - started
    const trips = roundTrips
    if (report.sessions !== users * sessionsPerUser) {
      throw new Error(`logoutUsers ended ${report.sessions} of ${users * sessionsPerUser}`)
    }
    if ((await client.exists(ids.slice(0, 5).map((id) => `{${prefix}}:user:${id}`))) > 0) {
      throw new Error('sessions left after the bulk logout')
    }
    return { time, trips, lines }
  }
  try {
    // Warm-up: the scripts loaded, the store's cluster check made.
    await logout(2, false)
    for (const users of userCounts) {
      const times: number[] = []
      const trips: number[] = []
      for (let r = 0; r < repeats; r++) {
        const run = await logout(users, false)
        times.push(run.time)
        trips.push(run.trips)
      }
      // One more run under MONITOR, which slows Redis down: counted, not timed.
      const observed = await logout(users, true)
      const { sent, inScripts } = commandsOf(observed.lines, address)
      const kinds = new Map<string, number>()
      for (const command of sent) kinds.set(command, (kinds.get(command) ?? 0) + 1)
      results.push({
        users,
        commands: sent.length,
        roundTrips: Math.max(...trips, observed.trips),
        inScripts,
        kinds: [...kinds].map(([k, n]) => `${n} ${k}`).join(', '),
        ms: median(times),
      })
      log(
        `redis: bulk logout of ${count(users)} users: ${sent.length} commands in ${Math.max(...trips)} round trips, ${ms(median(times))}`,
      )
    }
  } finally {
    await dropPrefix(client, prefix)
    await client.close()
  }
  return results
}

/** bench/results/redis.md, redis.json and login-scaling-redis.svg. */
export function writeRedisReport(
  info: RunInfo,
  results: RedisResults,
  options: RedisBenchOptions,
): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const per = options.sessionsPerUser
  writeFileSync(
    `${RESULTS_DIR}redis.json`,
    `${JSON.stringify(
      {
        server: results.server,
        command: info.command,
        date: info.startedAt.toISOString().slice(0, 16).replace('T', ' '),
        seconds: Math.round(info.seconds),
        node: process.version,
        machine: machine(),
        options: { ...options, url: undefined, log: undefined },
        results: { ...results, login: { ...results.login } },
      },
      null,
      2,
    )}\n`,
  )
  writeFileSync(
    `${RESULTS_DIR}login-scaling-redis.svg`,
    scalingChart(results.scaling, { ...info, server: results.server }),
  )
  const met = (ok: boolean) => (ok ? 'met' : '**missed**')
  const { login, memory } = results
  const commandList = (v: LoginVariant) =>
    `${login.commands[v].sent.length} (${login.commands[v].sent.join(', ') || 'none'}), ${login.commands[v].inScripts} inside scripts`
  const first = results.scaling[0]!
  const last = results.scaling.at(-1)!
  const markdown = [
    `# Benchmarks on ${results.server} (connect-redis)`,
    '',
    `- Machine: ${machine()}, Node ${process.version}`,
    `- Run: ${info.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(info.seconds)} s, \`${info.command}\``,
    "- Stores: connect-redis 9 on node-redis 5, one client per app; the library's records in the",
    '  same Redis (`redis: { client, prefix }`), under a prefix of the run, deleted afterwards.',
    '',
    'Every ratio compares two apps measured side by side in one run (alternated load runs,',
    'interleaved login batches): the library on connect-redis, and connect-redis alone. Absolute',
    'times are context: the machine (app, client and Redis on 2 cores) is shared and noisy.',
    '',
    '## Summary',
    '',
    table(
      ['', 'target', 'measured', ''],
      results.bars.map((b) => [
        b.name,
        b.bar,
        b.measured,
        b.bar === '(reported)' ? '' : met(b.met),
      ]),
    ),
    '',
    `![Login time against recorded sessions, Redis](login-scaling-redis.svg)`,
    '',
    '## Cost per request',
    '',
    `autocannon, ${options.connections} connections (one signed-in user each), ${options.rounds} runs of ${options.duration} s per app,`,
    'alternated plugin/plain, plain/plugin, ...; medians of the runs. The apps run in a child',
    `process, autocannon in the parent; ${count(options.storeSize)} other sessions in the store. Plain: express-session`,
    'with connect-redis. Plugin: the same plus the guarded store (the GET of the session and the',
    "registry's lookup, pipelined on the one connection) and the last-seen middleware (at most one",
    'write per session per minute).',
    '',
    table(
      [
        'request',
        'plain req/s',
        'plugin req/s',
        'plugin / plain',
        'plain p50 / p99',
        'plugin p50 / p99',
        'plugin runs',
        'plain runs',
      ],
      [
        [
          'GET that reads the session',
          count(Math.round(results.get.plainRps)),
          count(Math.round(results.get.pluginRps)),
          percent(results.get.kept),
          `${median(getRuns.plain.map((r) => r.p50))} / ${median(getRuns.plain.map((r) => r.p99))} ms`,
          `${median(getRuns.plugin.map((r) => r.p50))} / ${median(getRuns.plugin.map((r) => r.p99))} ms`,
          getRuns.plugin.map((r) => Math.round(r.rps)).join(', '),
          getRuns.plain.map((r) => Math.round(r.rps)).join(', '),
        ],
      ],
    ),
    '',
    '## Login overhead',
    '',
    `${count(options.logins)} logins per variant over HTTP, in rotating batches of ${BATCH}, on a store of`,
    `${count(options.storeSize)} other sessions. The login step column times only \`login()\` (or`,
    '`regenerate()` + `save()`), from the Server-Timing header; the HTTP column is the whole',
    'request, including the save express-session does at its end.',
    '',
    table(
      [
        'variant',
        'Redis commands sent',
        'HTTP median',
        'HTTP p95',
        'vs plain',
        'login step median',
        'vs plain',
      ],
      (['plain', 'first', 'evict'] as const).map((v) => [
        v === 'plain'
          ? 'plain: regenerate + save'
          : v === 'first'
            ? "plugin: a user's first session"
            : 'plugin: evicting 1 older session',
        String(login.commands[v].sent.length),
        ms(median(loginRuns[v].map((t) => t.http))),
        ms(p95(loginRuns[v].map((t) => t.http))),
        ratio(median(loginRuns[v].map((t) => t.http)) / login.plain),
        ms(median(loginRuns[v].map((t) => t.server))),
        ratio(median(loginRuns[v].map((t) => t.server)) / login.plainStep),
      ]),
    ),
    '',
    'Commands of one login request of each variant, from MONITOR on a connection of its own (after',
    'the timed runs; the commands a script runs are counted apart, they are not round trips):',
    '',
    `- plain: ${commandList('plain')}`,
    `- first: ${commandList('first')}`,
    `- evict: ${commandList('evict')}`,
    '',
    '## Login cost against recorded sessions',
    '',
    `One Redis database and one app process per size, all alive at once; ${count(options.logins)} logins per`,
    `size and per app over HTTP, in batches of ${BATCH} that rotate over the sizes, plugin and plain`,
    'alternating. Each plugin login is a user with 2 older sessions, both evicted (limit 1). The',
    'sessions and their records are written by a Lua script in the key layout of',
    '`src/registry/redis/keys.ts`. The lookup is `listSessions(userId)`, median of 200; the baseline',
    "is what an app on connect-redis alone does to find a user's sessions: SCAN every session key,",
    "MGET and decode them (as connect-redis's `all()`), median of 2 to 10 runs.",
    '',
    table(
      [
        'sessions',
        'fill',
        'plugin login, HTTP median',
        'p95',
        'login() median',
        'plain login, HTTP median',
        'regenerate+save median',
        'plugin lookup',
        'baseline scan',
      ],
      scalingRows,
    ),
    '',
    `From ${count(first.size)} to ${count(last.size)} recorded sessions the library's median login grows`,
    `${ratio(last.pluginLogin / first.pluginLogin)}; the baseline scan grows ${ratio(last.scan / first.scan)}.`,
    '',
    '## Bulk logout',
    '',
    '`singleSession.logoutUsers(ids, { actor })` in the benchmark process, on its own node-redis',
    `client, on a store of ${count(options.storeSize)} other sessions; each user with ${per} sessions, ${options.repeats} runs per row,`,
    'fresh users each run, after a warm-up call (the scripts loaded). Round trips: how often the',
    'client went from idle to waiting on Redis (pipelined commands share one), the most of any run.',
    'Commands: what the client sent, from MONITOR, in one more run (MONITOR slows Redis down: that',
    'run is not timed).',
    '',
    table(
      [
        'users',
        'sessions',
        'round trips',
        'commands sent',
        'kinds',
        'commands inside scripts',
        'median time',
      ],
      results.bulk.map((b) => [
        count(b.users),
        count(b.users * per),
        String(b.roundTrips),
        String(b.commands),
        b.kinds,
        count(b.inScripts),
        ms(b.ms),
      ]),
    ),
    '',
    "The scripts run once per call (the users' records, then the end: reasons, records, audit",
    'lines) up to 1,000 users or sessions per call; the `DEL`s are the session keys, one per 1,000,',
    'sent one after the other. The work inside the scripts grows with the sessions, as it must.',
    '',
    '## Memory per session record',
    '',
    '`MEMORY USAGE <key> SAMPLES 0` of the keys of the record of one real login (through the',
    "library's `login()`, with a Firefox User-Agent and an IP):",
    '',
    table(
      ['key', 'bytes'],
      [
        ...memory.parts.map((p) => [`\`${p.key}\``, count(p.bytes)]),
        ['**the record, in all**', `**${count(memory.record)}**`],
        [
          '(context) the connect-redis session itself, `<prefix>:sess:<sid>`',
          count(memory.session),
        ],
      ],
    ),
    '',
    `Redis's own count at scale: ${count(memory.atScale.sessions)} sessions written into an empty database grew`,
    `\`used_memory\` by ${count(Math.round(memory.atScale.alone))} bytes each alone (an app on connect-redis alone), and by`,
    `${count(Math.round(memory.atScale.recorded))} bytes each with their records: ${count(Math.round(memory.atScale.recorded - memory.atScale.alone))} bytes per record. That`,
    "counts what MEMORY USAGE leaves out: the keyspace's hash tables and expiry table (a record",
    "is 4 keys, 2 of them with a time to live) and the allocator's rounding.",
    '',
  ].join('\n')
  const path = `${RESULTS_DIR}redis.md`
  writeFileSync(path, markdown)
  return path
}
