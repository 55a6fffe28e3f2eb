import { mkdirSync, writeFileSync } from 'node:fs'
import { bulkLogout } from './bulk-logout.js'
import { loginOverhead } from './login-overhead.js'
import { machine, RESULTS_DIR, table, type Bar, type RunInfo, type Section } from './report.js'
import { requestCost } from './request-cost.js'
import { count, ms, percent, ratio } from './stats.js'
import { registryServer, STORE_LABELS, type StoreKind } from './stores.js'

export interface StoreCostsOptions {
  stores: StoreKind[]
  /** request-cost: seconds per run, runs per app. */
  duration: number
  rounds: number
  connections: number
  /** login-overhead: logins per variant. */
  logins: number
  /** bulk-logout: the two user counts (sessionsPerUser each), runs per count. */
  userCounts: [number, number]
  sessionsPerUser: number
  repeats: number
  /** Other sessions in each store. */
  storeSize: number
  log: (line: string) => void
}

/** What one store measured, as stored in bench/results/stores.json. */
export interface StoreCost {
  store: StoreKind
  label: string
  registry: string
  get: { pluginRps: number; plainRps: number; kept: number }
  login: {
    plain: number
    first: number
    evict: number
    ratio: number
    stepRatio: number
    statements: Record<'plain' | 'first' | 'evict', { all: number; writes: number }>
  }
  bulk: Array<{ users: number; statements: number; storeQueries: number; ms: number }>
  bars: Bar[]
  sections: Section[]
}

/**
 * The cost per store: request-cost (GET only), login-overhead (evicting 1 session, limit 1)
 * and bulk-logout, each on one store after the other, with and without the library on that
 * store. Every ratio compares two apps on the same store measured side by side.
 */
export async function storeCosts(options: StoreCostsOptions): Promise<StoreCost[]> {
  const { log } = options
  const costs: StoreCost[] = []
  for (const store of options.stores) {
    const label = STORE_LABELS[store]
    log(`stores: ${label}`)
    const request = await requestCost({
      duration: options.duration,
      rounds: options.rounds,
      connections: options.connections,
      storeSize: options.storeSize,
      getOnly: true,
      store,
      log,
    })
    const login = await loginOverhead({
      logins: options.logins,
      storeSize: options.storeSize,
      priorSessions: 1,
      store,
      log,
    })
    const bulk = await bulkLogout({
      userCounts: options.userCounts,
      sessionsPerUser: options.sessionsPerUser,
      repeats: options.repeats,
      storeSize: options.storeSize,
      store,
      log,
    })
    const get = request.figures.GET!
    const f = login.figures
    costs.push({
      store,
      label,
      registry: registryServer(store) ? 'same database' : 'SQLite',
      get,
      login: {
        plain: f.plain,
        first: f.first,
        evict: f.evict,
        ratio: f.evict / f.plain,
        stepRatio: f.evictStep / f.plainStep,
        statements: f.statements,
      },
      bulk: options.userCounts.map((users) => ({ users, ...bulk.figures.get(users)! })),
      bars: [...request.bars, ...login.bars, ...bulk.bars],
      sections: [request, login, bulk].map(({ title, body, bars }) => ({ title, body, bars })),
    })
  }
  return costs
}

/** bench/results/stores.md and stores.json. */
export function writeStoresReport(
  info: RunInfo,
  costs: StoreCost[],
  options: StoreCostsOptions,
): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const [small, large] = options.userCounts
  const per = options.sessionsPerUser
  writeFileSync(
    `${RESULTS_DIR}stores.json`,
    `${JSON.stringify(
      {
        server: info.server,
        command: info.command,
        date: info.startedAt.toISOString().slice(0, 16).replace('T', ' '),
        seconds: Math.round(info.seconds),
        node: process.version,
        machine: machine(),
        options: { ...options, log: undefined },
        stores: costs.map((c) => ({ ...c, sections: undefined })),
      },
      null,
      2,
    )}\n`,
  )
  const met = (ok: boolean) => (ok ? 'met' : '**missed**')
  const bulkOf = (c: StoreCost, users: number) => c.bulk.find((b) => b.users === users)!
  const statementsOf = (c: StoreCost, users: number) => {
    const b = bulkOf(c, users)
    return c.store === 'pg-simple'
      ? `${b.statements} (${b.statements - b.storeQueries} + ${b.storeQueries} on the store's pool)`
      : String(b.statements)
  }
  const storeTable = (c: StoreCost) =>
    table(
      ['', 'target', 'measured', ''],
      [
        [
          'Authenticated GET throughput, library / no library',
          '>= 95%',
          `${percent(c.get.kept)} (${count(Math.round(c.get.pluginRps))} vs ${count(Math.round(c.get.plainRps))} req/s)`,
          met(c.get.kept >= 0.95),
        ],
        [
          'Login evicting 1 session (limit 1) / plain regenerate + save',
          '<= 1.5x',
          `${ratio(c.login.ratio)} (${ms(c.login.evict)} vs ${ms(c.login.plain)}, HTTP medians); login step alone ${ratio(c.login.stepRatio)}`,
          met(c.login.ratio <= 1.5),
        ],
        [
          "(context) a user's first login / plain",
          '',
          `${ratio(c.login.first / c.login.plain)} (${ms(c.login.first)})`,
          '',
        ],
        [
          '(context) statements of one login: plain, first, evicting (writes)',
          '',
          (['plain', 'first', 'evict'] as const)
            .map((v) => `${c.login.statements[v].all} (${c.login.statements[v].writes})`)
            .join(', '),
          '',
        ],
        [
          `Bulk logout statements, ${count(large)} vs ${count(small)} users x ${per}`,
          'no growth',
          `${statementsOf(c, large)} vs ${statementsOf(c, small)}`,
          met(bulkOf(c, large).statements <= bulkOf(c, small).statements),
        ],
        [
          `Bulk logout time, ${count(large)} users x ${per}`,
          '< 6 s',
          `${ms(bulkOf(c, large).ms)} (${count(small)} users: ${ms(bulkOf(c, small).ms)})`,
          met(bulkOf(c, large).ms < 6000),
        ],
      ],
    )
  const summary = table(
    ['', 'target', ...costs.map((c) => c.label)],
    [
      [
        'GET throughput, library / none',
        '>= 95%',
        ...costs.map((c) => `${percent(c.get.kept)}, ${met(c.get.kept >= 0.95)}`),
      ],
      [
        'Login evicting 1 / plain login',
        '<= 1.5x',
        ...costs.map((c) => `${ratio(c.login.ratio)}, ${met(c.login.ratio <= 1.5)}`),
      ],
      [
        `Bulk logout statements, ${count(large)} vs ${count(small)} users x ${per}`,
        'no growth',
        ...costs.map(
          (c) =>
            `${bulkOf(c, large).statements} vs ${bulkOf(c, small).statements}, ${met(bulkOf(c, large).statements <= bulkOf(c, small).statements)}`,
        ),
      ],
      [
        `Bulk logout time, ${count(large)} users x ${per}`,
        '< 6 s',
        ...costs.map((c) => `${ms(bulkOf(c, large).ms)}, ${met(bulkOf(c, large).ms < 6000)}`),
      ],
    ],
  )
  const markdown = [
    `# Cost per store on ${info.server}`,
    '',
    `- Machine: ${machine()}, Node ${process.version}`,
    `- Run: ${info.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(info.seconds)} s, \`${info.command}\``,
    `- Sizes: GET ${options.rounds} runs of ${options.duration} s per app, ${options.connections} connections;` +
      ` ${count(options.logins)} logins per variant; bulk logout ${count(small)} and ${count(large)} users x ${per},` +
      ` ${options.repeats} runs each; ${count(options.storeSize)} other sessions in every store.`,
    '- Registry: in the same PostgreSQL database as the store for connect-session-sequelize and',
    '  connect-pg-simple; on a SQLite file for MemoryStore (the MemoryStore is in the server process).',
    '',
    'Each ratio compares two apps on the same store, measured side by side in one run',
    '(alternated load runs, interleaved login batches); the stores run one after the other.',
    'Absolute times are context: the machine is shared and noisy.',
    '',
    '## Summary',
    '',
    summary,
    '',
    ...costs.flatMap((c) => [
      `## ${c.label}`,
      '',
      `Registry: ${c.registry === 'SQLite' ? 'SQLite' : 'the same PostgreSQL database'}.`,
      '',
      storeTable(c),
      '',
      ...c.sections.flatMap((s) => [`### ${s.title}`, '', s.body.trim(), '']),
    ]),
  ].join('\n')
  const path = `${RESULTS_DIR}stores.md`
  writeFileSync(path, markdown)
  return path
}
