/** Fails loudly when a database the CI run needs is down, instead of letting tests skip it. */
import { Sequelize } from 'sequelize'

const services = {
  PostgreSQL: process.env.TEST_POSTGRES_URL,
  MariaDB: process.env.TEST_MARIADB_URL,
}
let failed = false
for (const [name, url] of Object.entries(services)) {
  if (!url) {
    console.error(`${name}: no URL set`)
    failed = true
    continue
  }
  const sequelize = new Sequelize(url, { logging: false })
  try {
    await sequelize.authenticate()
    console.log(`${name}: reachable`)
  } catch (error) {
    console.error(`${name}: cannot connect to ${url}: ${(error as Error).message}`)
    failed = true
  } finally {
    await sequelize.close()
  }
}
process.exit(failed ? 1 : 0)
