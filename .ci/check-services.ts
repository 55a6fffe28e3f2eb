/** Fails loudly when a database the CI run needs is down, instead of letting tests skip it. */
import { createClient } from 'redis'
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

const redisUrl = process.env.TEST_REDIS_URL
if (!redisUrl) {
  console.error('Redis: no URL set')
  failed = true
} else {
  // One attempt, no reconnecting: a server that is down fails the check at once.
  const client = createClient({
    url: redisUrl,
    socket: { reconnectStrategy: false, connectTimeout: 5000 },
  })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
    console.log('Redis: reachable')
  } catch (error) {
    console.error(`Redis: cannot connect to ${redisUrl}: ${(error as Error).message}`)
    failed = true
  } finally {
    if (client.isOpen) client.destroy()
  }
}
process.exit(failed ? 1 : 0)
