import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import { createBenchApps } from './apps.js'
import { loginOverHttp, spawnServer, type LoginTiming } from './client.js'
import { Filler, freshDatabase, type BenchDatabase } from './database.js'
import { table, type Section } from './report.js'
import { count, median, ms, p95, ratio } from './stats.js'

export interface LoginOverheadOptions {
  /** Logins per variant. */
  logins: number
  /** Sessions in the store besides the ones of the users who log in. */
  storeSize: number
  log: (line: string) => void
}

const BATCH = 20

/**
 * A login with the plugin against a plain express-session login (regenerate, then save) on the
 * same app, store and table. Three variants interleaved in rotating batches: plain, plugin on
 * a user's first session (nothing to evict), plugin on a user with 2 older sessions (both
 * evicted, the full regenerate-record-prune path). The bar is on the last one.
 */
export async function loginOverhead(options: LoginOverheadOptions): Promise<Section> {
  const { logins, storeSize, log } = options
  const db = await freshDatabase('login_overhead')
  const filler = new Filler(db)
  await filler.fill(storeSize, 1, 10_000_000)
  await filler.fill(logins, 2, 20_000_000)
  await filler.analyze()
  const server = await spawnServer(db.url)
  const results: Record<'plain' | 'first' | 'evict', LoginTiming[]> = {
    plain: [],
    first: [],
    evict: [],
  }
  const next = { plain: 30_000_000, first: 40_000_000, evict: 20_000_000 }
  let statements: Record<keyof typeof results, string[]> | null = null
  try {
    for (let i = 0; i < 10; i++) {
      await loginOverHttp(server.plain, `warm_plain_${i}`)
      await loginOverHttp(server.plugin, `warm_plugin_${i}`)
    }
    const variants = ['plain', 'first', 'evict'] as const
    for (let batch = 0, done = 0; done < logins; batch++, done += BATCH) {
      const n = Math.min(BATCH, logins - done)
      // Rotate the order so that no variant always runs right after another.
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(batch + k) % variants.length]!
        const url = variant === 'plain' ? server.plain : server.plugin
        for (let i = 0; i < n; i++) results[variant].push(await loginOverHttp(url, next[variant]++))
      }
    }
    await server.close()
    statements = await statementsPerLogin(db, filler)
  } finally {
    await server.close()
    await db.drop()
  }
  const http = (v: keyof typeof results) => median(results[v].map((t) => t.http))
  const serverSide = (v: keyof typeof results) => median(results[v].map((t) => t.server))
  const overhead = http('evict') / http('plain')
  log(
    `login-overhead: plain ${ms(http('plain'))}, plugin first ${ms(http('first'))}, plugin evicting 2 ${ms(http('evict'))} (${ratio(overhead)})`,
  )
  const row = (label: string, v: keyof typeof results) => [
    label,
    summary(statements[v]),
    ms(http(v)),
    ms(p95(results[v].map((t) => t.http))),
    ratio(http(v) / http('plain')),
    ms(serverSide(v)),
    ratio(serverSide(v) / serverSide('plain')),
  ]
  const body = `
${count(logins)} logins per variant over HTTP, in rotating batches of ${BATCH}, on a store of
${count(storeSize)} other sessions. The server-side column times only the login step (the
plugin's \`login()\`, or \`regenerate()\` + \`save()\`); the HTTP column is the whole request,
including the session save express-session does at the end of it (both apps set
\`req.session.userId\` after the login step).

${table(
  [
    'variant',
    'statements (writes)',
    'HTTP median',
    'HTTP p95',
    'vs plain',
    'login step median',
    'vs plain',
  ],
  [
    row('plain: regenerate + save', 'plain'),
    row("plugin: a user's first session", 'first'),
    row('plugin: evicting 2 older sessions', 'evict'),
  ],
)}

Statements of one login request of each variant (counted in-process with Sequelize's
\`logging\` hook after the timed run). "Writes" are the INSERT, UPDATE, DELETE and WITH
statements; each commits on its own. On PostgreSQL the eviction is the one WITH statement
(the reasons, both deletes and the audit line); elsewhere it is four writes, in one
transaction on MariaDB:

${(['plain', 'first', 'evict'] as const)
  .map(
    (v) =>
      `- ${v}:\n${statements[v]
        .map(
          (sql) =>
            `  - \`${sql
              .replace(/^Executing \(\w+\): /, '')
              .slice(0, 110)
              .replace(/`/g, '')}\``,
        )
        .join('\n')}`,
  )
  .join('\n')}
`
  return {
    title: 'Login overhead',
    body,
    bars: [
      {
        name: 'Login with the plugin vs plain',
        bar: '<= 1.5x (HTTP median, evicting 2 sessions)',
        measured: `${ratio(overhead)} (${ms(http('evict'))} vs ${ms(http('plain'))}); login step alone ${ratio(serverSide('evict') / serverSide('plain'))}`,
        met: overhead <= 1.5,
      },
    ],
  }
}

/** One login of each variant in this process, with every statement it runs. */
async function statementsPerLogin(
  db: BenchDatabase,
  filler: Filler,
): Promise<Record<'plain' | 'first' | 'evict', string[]>> {
  await filler.fill(1, 2, 50_000_000)
  const { plugin, plain } = createBenchApps(db.sequelize)
  const servers: Server[] = []
  const listen = (app: Express) =>
    new Promise<string>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      )
      servers.push(server)
    })
  const urls = { plugin: await listen(plugin), plain: await listen(plain) }
  const options = (db.sequelize as unknown as { options: { logging: unknown } }).options
  const lines: string[] = []
  const run = async (url: string, user: string | number) => {
    await loginOverHttp(url, `warm_${user}`)
    lines.length = 0
    options.logging = (sql: string) => void lines.push(sql)
    await loginOverHttp(url, user)
    options.logging = false
    return [...lines]
  }
  try {
    return {
      plain: await run(urls.plain, 'count_plain'),
      first: await run(urls.plugin, 'count_first'),
      evict: await run(urls.plugin, 50_000_000),
    }
  } finally {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
  }
}

function summary(statements: string[]): string {
  const writes = statements.filter((sql) => /:\s*(INSERT|UPDATE|DELETE|WITH)/i.test(sql)).length
  return `${statements.length} (${writes})`
}
