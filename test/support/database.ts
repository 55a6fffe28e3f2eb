import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sequelize } from 'sequelize'
import { openDatabase } from '../../example-app/database.js'

export type Dialect = 'sqlite' | 'postgres' | 'mariadb'

/** The server the suite runs against: TEST_DATABASE_URL, set by test/run.ts; SQLite without it. */
export function dialect(): Dialect {
  return dialectOf(process.env.TEST_DATABASE_URL, 'TEST_DATABASE_URL')
}

/** The dialect of a server URL (`variable` names where it came from); SQLite without one. */
export function dialectOf(url: string | undefined, variable: string): Dialect {
  if (!url) return 'sqlite'
  if (url.startsWith('postgres')) return 'postgres'
  if (url.startsWith('mariadb') || url.startsWith('mysql')) return 'mariadb'
  throw new Error(`${variable} must be postgres://... or mariadb://...; got ${url}`)
}

export interface TestDatabase {
  url: string
  sequelize: Sequelize
  /** Closes the connection and deletes the database. */
  drop(): Promise<void>
}

/** A new, empty database of the current dialect, for one test file or one test. */
export function freshDatabase(label: string): Promise<TestDatabase> {
  const name = `ss_${label.replace(/\W/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`
  return scratchDatabase(process.env.TEST_DATABASE_URL, name)
}

/**
 * A new, empty database called `name`: a temporary SQLite file without `serverUrl`, otherwise
 * a database created on that server. `drop()` deletes it. The benchmarks use it too.
 */
export async function scratchDatabase(
  serverUrl: string | undefined,
  name: string,
): Promise<TestDatabase> {
  if (!serverUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'single-session-'))
    const url = `sqlite:${join(dir, `${name}.sqlite`)}`
    const sequelize = await openDatabase(url)
    return {
      url,
      sequelize,
      async drop() {
        await sequelize.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const admin = new Sequelize(serverUrl, { logging: false })
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.close()
  const parsed = new URL(serverUrl)
  parsed.pathname = `/${name}`
  const url = parsed.toString()
  const sequelize = await openDatabase(url)
  return {
    url,
    sequelize,
    async drop() {
      await sequelize.close()
      const cleanup = new Sequelize(serverUrl, { logging: false })
      try {
        await cleanup.query(
          dialectOf(serverUrl, 'serverUrl') === 'postgres'
            ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`
            : `DROP DATABASE IF EXISTS ${name}`,
        )
      } finally {
        await cleanup.close()
      }
    },
  }
}
