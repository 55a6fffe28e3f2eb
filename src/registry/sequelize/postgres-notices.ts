import { QueryTypes, type Sequelize } from 'sequelize'
import {
  END_NOTICE_CHANNEL,
  REFS_PER_NOTICE,
  type EndNoticeHandlers,
  type EndNotices,
} from '../../core/ports/end-notices.js'
import { log } from '../../log.js'

/** The few members of a `pg` Client the listener uses. */
interface PgClient {
  connect(): Promise<void>
  query(sql: string): Promise<unknown>
  end(): Promise<void>
  on(
    event: 'notification',
    listener: (message: { channel: string; payload?: string }) => void,
  ): void
  on(event: 'error', listener: (error: Error) => void): void
  on(event: 'end', listener: () => void): void
  removeAllListeners(): void
}

type PgClientClass = new (config: Record<string, unknown>) => PgClient

/** The longest wait before the listener connects again after losing its connection. */
const MAX_RECONNECT_DELAY_MS = 10_000

/**
 * End notices over PostgreSQL LISTEN/NOTIFY. NOTIFY goes through the pool after the end has
 * committed (a notification is only delivered on commit anyway); LISTEN holds one dedicated
 * connection per process, opened with Sequelize's own `pg` and connection settings but outside
 * its pool, so that no request ever waits behind it or gets it.
 */
export class PostgresNotices implements EndNotices {
  readonly kind = 'PostgreSQL LISTEN/NOTIFY'

  constructor(private readonly sequelize: Sequelize) {}

  async publish(refs: readonly string[]): Promise<void> {
    for (let start = 0; start < refs.length; start += REFS_PER_NOTICE) {
      await this.sequelize.query('SELECT pg_notify(:channel, :payload)', {
        replacements: {
          channel: END_NOTICE_CHANNEL,
          payload: refs.slice(start, start + REFS_PER_NOTICE).join(','),
        },
        type: QueryTypes.SELECT,
      })
    }
  }

  async subscribe(handlers: EndNoticeHandlers): Promise<() => Promise<void>> {
    let stopped = false
    let client: PgClient | null = null
    let retry: NodeJS.Timeout | null = null
    let failures = 0

    const open = async (): Promise<void> => {
      const next = new (this.clientClass())(this.connectionConfig())
      next.on('notification', (message) => {
        if (message.channel !== END_NOTICE_CHANNEL || !message.payload) return
        handlers.notice(message.payload.split(','))
      })
      next.on('error', (error) => {
        log('end-notice listener connection failed: %O', error)
        lost(next)
      })
      next.on('end', () => lost(next))
      try {
        await next.connect()
        await next.query(`LISTEN ${END_NOTICE_CHANNEL}`)
      } catch (error) {
        next.removeAllListeners()
        next.on('error', () => {})
        void next.end().catch(() => {})
        throw error
      }
      if (stopped) {
        void next.end().catch(() => {})
        return
      }
      client = next
      failures = 0
      // Whatever ended while no one listened is found by one check of everything.
      handlers.gap()
    }

    const lost = (which: PgClient): void => {
      if (client !== which || stopped) return
      client = null
      which.removeAllListeners()
      which.on('error', () => {})
      void which.end().catch(() => {})
      schedule()
    }

    const schedule = (): void => {
      if (stopped || retry) return
      const delay = Math.min(MAX_RECONNECT_DELAY_MS, 250 * 2 ** failures)
      failures += 1
      retry = setTimeout(() => {
        retry = null
        open().catch((error: unknown) => {
          log('end-notice listener could not reconnect: %O', error)
          schedule()
        })
      }, delay)
      retry.unref()
    }

    await open()
    return async () => {
      stopped = true
      if (retry) clearTimeout(retry)
      const current = client
      client = null
      if (!current) return
      current.removeAllListeners()
      current.on('error', () => {})
      await current.end()
    }
  }

  private clientClass(): PgClientClass {
    const manager = this.sequelize.connectionManager as unknown as { lib?: { Client?: unknown } }
    const Client = manager.lib?.Client
    if (typeof Client !== 'function') throw new Error('Sequelize has no pg Client to listen with')
    return Client as PgClientClass
  }

  /** Sequelize's own connection settings, as its pool would open a connection. */
  private connectionConfig(): Record<string, unknown> {
    const config = this.sequelize.config as unknown as Record<string, unknown> & {
      dialectOptions?: Record<string, unknown>
    }
    const settings: Record<string, unknown> = {
      user: config.username,
      password: config.password,
      host: config.host,
      port: config.port,
      database: config.database,
    }
    for (const name of [
      'ssl',
      'application_name',
      'keepAlive',
      'connectionTimeoutMillis',
      'stream',
    ]) {
      if (config.dialectOptions?.[name] !== undefined) settings[name] = config.dialectOptions[name]
    }
    return settings
  }
}
