import type { Command } from 'commander'
import { describeDevice } from '../../core/device.js'
import { withContext, type ResolvedUser } from '../context.js'
import { formatTable, formatTime, plural } from '../format.js'
import { output } from '../output.js'
import { globalConfig, userLabel } from '../shared.js'

interface SessionsOptions {
  user: string
  json?: boolean
}

/** `sessions --user <id|email> [--json]`: one user's sessions, newest first. */
export function sessionsCommand(program: Command): Command {
  return program
    .command('sessions')
    .description("list a user's sessions: device, IP, created, last active (newest first)")
    .requiredOption('-u, --user <id|email>', 'the user, by id or by email')
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Examples:
  $ adminjs-single-session sessions --user alice@example.com
  $ adminjs-single-session sessions --user 42 --json

The table shows each session's public id (the sid itself is a secret); --json adds the sid.
Times are UTC.`,
    )
    .action(async (options: SessionsOptions, command: Command) => {
      const config = await globalConfig(command)
      await withContext(config, { requireTables: true }, async (context) => {
        const [user] = (await context.resolveUsers([options.user])) as [ResolvedUser]
        const sessions = await context.singleSession.listSessions(user.userId)
        if (options.json) {
          output.json({
            user: { userId: user.userId, email: user.email },
            sessions: sessions.map((s) => ({
              id: s.id,
              sid: s.sid,
              device: describeDevice(s.userAgent).label,
              ip: s.ip,
              userAgent: s.userAgent,
              createdAt: s.createdAt,
              lastSeenAt: s.lastSeenAt,
              expiresAt: s.expiresAt,
            })),
          })
          return
        }
        if (sessions.length === 0) {
          output.out(`${userLabel(user)} has no sessions.`)
          return
        }
        output.out(`${userLabel(user)}: ${plural(sessions.length, 'session')}\n\n`)
        output.out(
          formatTable(
            ['ID', 'DEVICE', 'IP', 'CREATED (UTC)', 'LAST ACTIVE (UTC)', 'EXPIRES (UTC)'],
            sessions.map((s) => [
              String(s.id),
              describeDevice(s.userAgent).label,
              s.ip ?? '-',
              formatTime(s.createdAt),
              formatTime(s.lastSeenAt),
              formatTime(s.expiresAt),
            ]),
            ['right'],
          ),
        )
      })
    })
}
