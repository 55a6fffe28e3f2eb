import { InvalidArgumentError, type Command } from 'commander'
import { QueryTypes } from 'sequelize'
import { withContext, type CliContext } from '../context.js'
import { formatPairs, formatTable, formatTime } from '../format.js'
import { output } from '../output.js'
import { globalConfig } from '../shared.js'

interface StatsOptions {
  top: number
  json?: boolean
}

/** What `stats` reports. Counts come from COUNT / GROUP BY queries: no row is read one by one. */
export interface Stats {
  /** Signed-in sessions (records in the library's table). */
  sessions: number
  /** Of those, past their expiry and waiting for `prune`. */
  expired: number
  /** Distinct users with at least one session. */
  users: number
  /** Rows in the session store's table, signed in or anonymous. */
  storeRows: number
  /** The users with the most sessions, most first. */
  top: Array<{ userId: string; email: string | null; sessions: number; lastSeenAt: Date | null }>
}

/** `stats`: sessions, users with sessions and the users with the most sessions. */
export function statsCommand(program: Command): Command {
  return program
    .command('stats')
    .description('count sessions and users with sessions; list the users with the most sessions')
    .option('--top <n>', 'how many users to list (1 to 1000)', parseTop, 10)
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      `
Runs a handful of COUNT and GROUP BY queries, cheap on tables of any size.

Examples:
  $ adminjs-single-session stats
  $ adminjs-single-session stats --top 3 --json`,
    )
    .action(async (options: StatsOptions, command: Command) => {
      const config = await globalConfig(command)
      await withContext(config, { requireTables: true }, async (context) => {
        const stats = await collectStats(context, options.top)
        if (options.json) {
          output.json(stats)
          return
        }
        output.out(
          formatPairs([
            ['Signed-in sessions', String(stats.sessions)],
            ['  expired, awaiting prune', String(stats.expired)],
            ['Users with sessions', String(stats.users)],
            ['Rows in the session store', String(stats.storeRows)],
          ]),
        )
        if (stats.top.length === 0) return
        output.out(`\nUsers with the most sessions:\n\n`)
        output.out(
          formatTable(
            ['USER', 'EMAIL', 'SESSIONS', 'LAST ACTIVE (UTC)'],
            stats.top.map((row) => [
              row.userId,
              row.email ?? '-',
              String(row.sessions),
              formatTime(row.lastSeenAt),
            ]),
            ['left', 'left', 'right'],
          ),
        )
      })
    })
}

async function collectStats(context: CliContext, top: number): Promise<Stats> {
  const { sequelize, table, column, config } = context
  const registry = table(config.tableName)
  const userId = column('userId')
  const now = new Date()
  const [totals] = await sequelize.query<{ sessions: unknown; users: unknown; expired: unknown }>(
    `SELECT COUNT(*) AS sessions, COUNT(DISTINCT ${userId}) AS users,` +
      ` COALESCE(SUM(CASE WHEN ${column('expiresAt')} < :now THEN 1 ELSE 0 END), 0) AS expired` +
      ` FROM ${registry}`,
    { replacements: { now }, type: QueryTypes.SELECT },
  )
  const [store] = await sequelize.query<{ rows: unknown }>(
    `SELECT COUNT(*) AS ${column('rows')} FROM ${table(config.sessionTable)}`,
    { type: QueryTypes.SELECT },
  )
  const leaders = await sequelize.query<{
    userId: unknown
    sessions: unknown
    lastSeenAt: unknown
  }>(
    `SELECT ${userId} AS ${column('userId')}, COUNT(*) AS ${column('sessions')},` +
      ` MAX(${column('lastSeenAt')}) AS ${column('lastSeenAt')}` +
      ` FROM ${registry} GROUP BY ${userId}` +
      ` ORDER BY COUNT(*) DESC, ${userId} ASC LIMIT ${top}`,
    { type: QueryTypes.SELECT },
  )
  const emails = await context.emailsOf(leaders.map((row) => String(row.userId)))
  return {
    sessions: Number(totals?.sessions ?? 0),
    expired: Number(totals?.expired ?? 0),
    users: Number(totals?.users ?? 0),
    storeRows: Number(store?.rows ?? 0),
    top: leaders.map((row) => ({
      userId: String(row.userId),
      email: emails.get(String(row.userId)) ?? null,
      sessions: Number(row.sessions),
      lastSeenAt: row.lastSeenAt == null ? null : new Date(row.lastSeenAt as string),
    })),
  }
}

function parseTop(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) {
    throw new InvalidArgumentError('must be an integer from 1 to 1000.')
  }
  return n
}
