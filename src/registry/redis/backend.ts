import type { SessionStore } from '../../core/ports/store.js'
import { TableCheck } from '../../core/table-check.js'
import type { RedisCommands } from '../../redis/client.js'
import type { StoreDriver } from '../../store/driver.js'
import { migrateCommandOf } from '../../store/drivers/detect.js'
import type { RecordsBackend } from '../backend.js'
import { RedisKeys } from './keys.js'
import { RedisEndWriter } from './redis-end-writer.js'
import { RedisJournal } from './redis-journal.js'
import { RedisNotices } from './redis-notices.js'
import { RedisRegistry } from './redis-registry.js'

/**
 * How long a record outlives its session's expiry as last written: a session's requests move
 * its expiry forward, the record's only at each last-seen write (`lastSeenInterval`).
 */
const RECORD_GRACE_MS = 60 * 60_000

/** The registry, reasons and audit trail in Redis: nothing to create or migrate. */
export function redisBackend(
  settings: { redis: RedisCommands; client: object; prefix: string; auditMaxLength: number },
  driver: StoreDriver,
  store: SessionStore,
  lastSeenInterval: number,
): RecordsBackend {
  const keys = new RedisKeys(settings.prefix)
  const registry = new RedisRegistry(settings.redis, keys, lastSeenInterval + RECORD_GRACE_MS)
  const journal = new RedisJournal(settings.redis, keys, settings.auditMaxLength)
  const tableCheck = new TableCheck(
    async () => [
      ...((await driver.ready()) ? [] : [driver.tableName ?? driver.name]),
      ...(await registry.missingTables()),
    ],
    migrateCommandOf(driver),
  )
  return {
    registry,
    journal,
    endWriter: new RedisEndWriter(registry, journal, store),
    notices: new RedisNotices(settings.redis, settings.client, settings.prefix),
    schema: {
      tableCheck,
      sync: () => driver.createTable(),
      migrate: async () => {
        await driver.createTable()
        return []
      },
      ready: () => tableCheck.assertReady(),
    },
    lookupAlongside: true,
  }
}
