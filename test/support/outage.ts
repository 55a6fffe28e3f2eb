import { randomBytes } from 'node:crypto'
import { after, before } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { QueryTypes, Sequelize } from 'sequelize'
import { createExampleApp, type ExampleApp, type ExampleAppOptions } from '../../example-app/app.js'
import { dialect, freshDatabase, type TestDatabase } from './database.js'
import { express } from './express.js'
import { listen } from './http.js'

/**
 * Takes a test database's server away from the app and gives it back, the way an outage does:
 * existing connections are killed and new ones refused. PostgreSQL and MariaDB only (SQLite is
 * embedded: there is no server to lose; test/faults.test.ts injects failures there).
 */
export interface Outage {
  /** The URL the app must use (on MariaDB: a dedicated account that can be locked). */
  appUrl: string
  begin(): Promise<void>
  end(): Promise<void>
  dispose(): Promise<void>
}

export async function prepareOutage(db: TestDatabase): Promise<Outage> {
  const serverUrl = process.env.TEST_DATABASE_URL!
  const admin = new Sequelize(serverUrl, { logging: false })
  const name = new URL(db.url).pathname.slice(1)
  if (dialect() === 'postgres') {
    /** The database's backends but the admin's own, for a SELECT of `what`. */
    const others = <Row extends object>(what: string) =>
      admin.query<Row>(
        `SELECT ${what} FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()`,
        { replacements: { name }, type: QueryTypes.SELECT },
      )
    const kill = () => others('pg_terminate_backend(pid)')
    const untilNoConnections = async () => {
      const deadline = Date.now() + 10_000
      for (;;) {
        const [row] = await others<{ open: string }>('count(*) AS open')
        if (Number(row?.open) === 0) return
        if (Date.now() > deadline)
          throw new Error(`${row?.open} connections to ${name} outlived the outage`)
        await sleep(20)
      }
    }
    return {
      appUrl: db.url,
      async begin() {
        await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`)
        await kill()
        // pg_terminate_backend only signals: until a backend has exited, the app may still use
        // its connection, and learn of the end only after the outage is over.
        await untilNoConnections()
      },
      async end() {
        await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`)
      },
      async dispose() {
        await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`)
        await admin.close()
      },
    }
  }
  const user = `ss_${randomBytes(4).toString('hex')}`
  const password = randomBytes(12).toString('hex')
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`)
  await admin.query(`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`)
  for (const host of ['%', 'localhost'])
    await admin.query(`GRANT ALL ON ${name}.* TO '${user}'@'${host}'`)
  const appUrl = new URL(db.url)
  appUrl.username = user
  appUrl.password = password
  const kill = async () => {
    const rows = await admin.query<{ id: number }>(
      `SELECT id FROM information_schema.processlist WHERE user = :user`,
      { replacements: { user }, type: QueryTypes.SELECT },
    )
    for (const { id } of rows)
      await admin.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined)
  }
  const setLock = async (lock: boolean) => {
    for (const host of ['%', 'localhost']) {
      await admin.query(`ALTER USER '${user}'@'${host}' ACCOUNT ${lock ? 'LOCK' : 'UNLOCK'}`)
    }
  }
  return {
    appUrl: appUrl.toString(),
    async begin() {
      await setLock(true)
      await kill()
    },
    async end() {
      await setLock(false)
    },
    async dispose() {
      for (const host of ['%', 'localhost'])
        await admin.query(`DROP USER IF EXISTS '${user}'@'${host}'`)
      await admin.close()
    },
  }
}

/** For `describe()`: an outage needs a server to take away. */
export const needsServer = {
  skip: dialect() === 'sqlite' && 'SQLite is embedded: no server to stop (see test/faults.test.ts)',
}

/** The example app on a database an outage can take away, as one suite shares it. */
export interface OutageSuite {
  db: TestDatabase
  outage: Outage
  example: ExampleApp
  server: Awaited<ReturnType<typeof listen>>
}

/**
 * Registers a suite's hooks: before, a fresh database, its outage and the example app on it;
 * after, the database given back, everything closed and the database dropped. The returned
 * object is filled in by the time the suite's own hooks and tests run.
 */
export function exampleAppUnderOutage(
  label: string,
  options: Omit<ExampleAppOptions, 'databaseUrl'>,
): OutageSuite {
  const suite = {} as OutageSuite
  before(async () => {
    suite.db = await freshDatabase(label)
    suite.outage = await prepareOutage(suite.db)
    suite.example = await createExampleApp({
      ...options,
      databaseUrl: suite.outage.appUrl,
      express,
    })
    suite.server = await listen(suite.example.app)
  })
  after(async () => {
    await suite.outage.end()
    await suite.server.close()
    await suite.example.close()
    await suite.outage.dispose()
    await suite.db.drop()
  })
  return suite
}
