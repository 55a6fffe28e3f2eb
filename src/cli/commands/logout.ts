import type { Command } from 'commander'
import type { Actor } from '../../core/ending.js'
import { withContext } from '../context.js'
import { plural } from '../format.js'
import { output } from '../output.js'
import { globalConfig, userLabel } from '../shared.js'

interface LogoutOptions {
  user: string[]
  json?: boolean
}

/** Who the audit trail says ended the sessions. */
export const CLI_ACTOR: Actor = { kind: 'system', id: null, label: 'cli' }

/** `logout --user <id|email>...`: signs users out everywhere and says what it did. */
export function logoutCommand(program: Command): Command {
  return program
    .command('logout')
    .description('sign users out of all their sessions, everywhere')
    .requiredOption(
      '-u, --user <id|email...>',
      'the users, by id or by email (repeat the option or list several)',
    )
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      `
Every user is looked up before anything is ended: if one is unknown, nothing is done (exit 3).

Examples:
  $ adminjs-single-session logout --user alice@example.com
  $ adminjs-single-session logout --user 42 --user bob@example.com --json`,
    )
    .action(async (options: LogoutOptions, command: Command) => {
      const config = await globalConfig(command)
      await withContext(config, { requireTables: true }, async (context) => {
        const users = await context.resolveUsers(options.user)
        const report = await context.singleSession.logoutUsers(
          users.map((user) => user.userId),
          { actor: CLI_ACTOR },
        )
        const ended = new Map(report.users.map((entry) => [entry.userId, entry.sessions]))
        const distinct = [...new Map(users.map((user) => [user.userId, user])).values()]
        if (options.json) {
          output.json({
            sessions: report.sessions,
            users: distinct.map((user) => ({
              userId: user.userId,
              email: user.email,
              sessions: ended.get(user.userId) ?? 0,
            })),
          })
          return
        }
        for (const user of distinct) {
          const count = ended.get(user.userId) ?? 0
          output.out(
            count > 0
              ? `Signed out ${userLabel(user)}: ${plural(count, 'session')} ended.`
              : `${userLabel(user)} had no sessions.`,
          )
        }
        output.out(
          `Ended ${plural(report.sessions, 'session')} of ${plural(distinct.length, 'user')}.`,
        )
      })
    })
}
