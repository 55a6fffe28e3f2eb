import type { Command } from 'commander'
import { withContext } from '../context.js'
import { plural } from '../format.js'
import { output } from '../output.js'
import { globalConfig } from '../shared.js'

interface PruneOptions {
  json?: boolean
}

/** What each count of prune() is, for the text report. */
const LABELS: Record<string, [string, string]> = {
  sessions: ['expired session', 'expired sessions'],
  records: ['orphaned session record', 'orphaned session records'],
  unrecorded: ['unrecorded signed-in session', 'unrecorded signed-in sessions'],
  endings: ['stale ending record', 'stale ending records'],
  timedOut: ['timed-out session', 'timed-out sessions'],
}

/** `prune`: deletes expired sessions and their records; safe while the app runs. */
export function pruneCommand(program: Command): Command {
  return program
    .command('prune')
    .description('delete expired sessions and their records, with a count (safe from cron)')
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      `
Safe to run while the app runs, from any number of hosts: it deletes only sessions past their
expiry and records whose session is gone (after a grace period), one statement at a time.
Sessions past their idle or absolute timeout are ended as the app would end them: with their
reason recorded and one audit line per user and reason.

Examples:
  $ adminjs-single-session prune
  # crontab: every night at 03:15
  15 3 * * * DATABASE_URL=postgres://... npx adminjs-single-session prune --json >> /var/log/prune.log`,
    )
    .action(async (options: PruneOptions, command: Command) => {
      const config = await globalConfig(command)
      await withContext(config, { requireTables: true }, async (context) => {
        const result = (await context.singleSession.prune()) as Record<string, number>
        if (options.json) {
          output.json(result)
          return
        }
        const parts = Object.entries(result).map(([key, count]) => {
          const [one, many] = LABELS[key] ?? [key, key]
          return plural(count, one, many)
        })
        output.out(`Deleted ${parts.join(', ')}.`)
      })
    })
}
