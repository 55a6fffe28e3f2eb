import type { Sequelize } from 'sequelize'
import type { Umzug } from 'umzug'
import { log } from '../log.js'
import { createUserSessions } from './0001-create-user-sessions.js'
import { createSessionJournal } from './0002-create-session-journal.js'
import { addSessionTimeouts } from './0003-add-session-timeouts.js'
import type { Migration, MigrationContext, MigrationTables } from './context.js'

/** In order. Never edit one that has shipped: add the next. */
export const migrations: readonly Migration[] = [
  createUserSessions,
  createSessionJournal,
  addSessionTimeouts,
]

export const MIGRATIONS_TABLE = 'single_session_migrations'

/**
 * The migration runner. umzug is loaded here, on the first migrate(), not when the library is:
 * an app that never migrates from this process (the CLI's other commands, most requests'
 * processes) does not pay its start-up time.
 */
async function createMigrator(
  sequelize: Sequelize,
  tables: MigrationTables,
): Promise<Umzug<MigrationContext>> {
  const { SequelizeStorage, Umzug } = await import('umzug')
  return new Umzug<MigrationContext>({
    migrations: migrations.map((migration) => ({ ...migration })),
    context: { queryInterface: sequelize.getQueryInterface(), ...tables },
    storage: new SequelizeStorage({ sequelize, tableName: MIGRATIONS_TABLE }),
    logger: {
      info: (event) => log('migration %o', event),
      warn: (event) => log('migration warning %o', event),
      error: (event) => log('migration error %o', event),
      debug: () => undefined,
    },
  })
}

/** Applies pending migrations; resolves to the names applied. */
export async function migrate(sequelize: Sequelize, tables: MigrationTables): Promise<string[]> {
  const applied = await (await createMigrator(sequelize, tables)).up()
  return applied.map((migration) => migration.name)
}
