import { Sequelize } from 'sequelize'

/**
 * Opens the database named by a URL: `sqlite:PATH` (the default, an embedded file),
 * `postgres://...` or `mariadb://...`.
 */
export async function openDatabase(url: string): Promise<Sequelize> {
  let sequelize: Sequelize
  if (url.startsWith('sqlite:')) {
    sequelize = new Sequelize({
      dialect: 'sqlite',
      storage: url.slice('sqlite:'.length) || ':memory:',
      logging: false,
    })
    // Several processes may share the file: let writers wait for each other instead of failing.
    await sequelize.query('PRAGMA journal_mode = WAL')
    await sequelize.query('PRAGMA busy_timeout = 10000')
    // WAL's usual companions: no fsync per commit (durable at checkpoints), and a page cache
    // big enough for the indexes of a large session table (the default is 2 MB).
    await sequelize.query('PRAGMA synchronous = NORMAL')
    await sequelize.query('PRAGMA cache_size = -65536')
  } else if (/^(postgres|postgresql|mariadb|mysql):\/\//.test(url)) {
    const mariadb = /^(mariadb|mysql):/.test(url)
    sequelize = new Sequelize(url.replace(/^mysql:/, 'mariadb:'), {
      logging: false,
      pool: { max: 10, min: 0, idle: 10_000, acquire: 20_000 },
      // The MariaDB driver gives up on a new connection after 1 s by default: too short for a
      // busy machine. An unreachable server still fails at once (connection refused).
      ...(mariadb ? { dialectOptions: { connectTimeout: 10_000 } } : {}),
    })
    await sequelize.authenticate()
  } else {
    throw new Error(
      `DATABASE_URL must start with sqlite:, postgres:// or mariadb://; got ${JSON.stringify(url)}`,
    )
  }
  return sequelize
}
