import type { Command } from 'commander'
import { withContext } from '../context.js'
import { output } from '../output.js'
import { globalConfig } from '../shared.js'

interface MigrateOptions {
  json?: boolean
}

/** `migrate`: applies the library's pending migrations. */
export function migrateCommand(program: Command): Command {
  return program
    .command('migrate')
    .description("apply the library's pending migrations (creates its tables)")
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      `
Creates the user_sessions table and its indexes (and the session store's table if it does not
exist yet). Applied migrations are recorded in single_session_migrations: running it again
applies nothing. With sqlite:PATH, a missing file is created. With --store redis there is
nothing to migrate: it says so and exits 0.

Example:
  $ DATABASE_URL=postgres://app@db/app npx adminjs-single-session migrate`,
    )
    .action(async (options: MigrateOptions, command: Command) => {
      const config = await globalConfig(command)
      if (config.store === 'redis') {
        // Redis has no schema: the library's keys are written as they are needed.
        if (options.json) output.json({ applied: [] })
        else output.out('Nothing to migrate: on Redis the library keeps no tables.')
        return
      }
      await withContext(config, { requireTables: false, create: true }, async (context) => {
        const applied = await context.singleSession.migrate()
        if (options.json) {
          output.json({ applied })
          return
        }
        if (applied.length === 0) {
          output.out('Nothing to apply: the database is up to date.')
          return
        }
        output.out(
          `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n` +
            applied.map((name) => `  ${name}`).join('\n'),
        )
      })
    })
}
