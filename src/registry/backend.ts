import type { EndNotices } from '../core/ports/end-notices.js'
import type { EndWriter } from '../core/ports/end-writer.js'
import type { SessionJournal } from '../core/ports/journal.js'
import type { SessionRegistry } from '../core/ports/registry.js'
import type { TableCheck } from '../core/table-check.js'

/** What a backend (SQL through Sequelize, or Redis) provides: the ports and its schema. */
export interface RecordsBackend {
  registry: SessionRegistry
  journal: SessionJournal
  endWriter: EndWriter
  /** What carries ends to the other processes' event streams; null: they poll. */
  notices: EndNotices | null
  schema: {
    /** Whether what the library needs exists; rejects when the backend cannot be asked. */
    tableCheck: TableCheck
    sync: () => Promise<void>
    /** Resolves to the names of the migrations it ran (none on Redis). */
    migrate: () => Promise<string[]>
    ready: () => Promise<void>
  }
  /**
   * Whether the store guard asks the registry alongside each read of the store instead of after
   * it: where both are one pipelined round trip (Redis), waiting for the read costs more.
   */
  lookupAlongside: boolean
}
