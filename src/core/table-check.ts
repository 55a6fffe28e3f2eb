import { ErrorCodes, SingleSessionError } from '../errors.js'

/**
 * MISSING_TABLE, naming the tables (when known) and what creates them: `command`, the command
 * line for this app's store (null when the command line cannot reach it, as with MemoryStore),
 * or the API.
 */
export function missingTableError(
  tables: readonly string[],
  command: string | null,
  cause?: unknown,
): SingleSessionError {
  const which =
    tables.length === 0
      ? 'a table it needs is missing'
      : `missing table${tables.length > 1 ? 's' : ''} ${tables.join(', ')}`
  const production = command
    ? `Run \`${command}\` (or await singleSession.migrate())`
    : 'Await singleSession.migrate()'
  return new SingleSessionError(
    ErrorCodes.MISSING_TABLE,
    `adminjs-single-session: ${which}. ${production} in production, ` +
      'or await singleSession.sync() in development.',
    { cause },
  )
}

/**
 * Whether the library's tables exist. Once they all do, that is remembered and never asked
 * again; until then every `ensure()` asks again, so that running the migration while the app
 * is up is enough.
 */
export class TableCheck {
  private found = false
  private inFlight: Promise<void> | null = null

  /**
   * @param findMissing the names of the tables that do not exist; rejects when it cannot ask
   * @param command the command line that creates them, for the error (see missingTableError)
   */
  constructor(
    private readonly findMissing: () => Promise<string[]>,
    private readonly command: string | null,
  ) {}

  /** Whether the tables have been found: `ensure()` will not ask again. */
  get confirmed(): boolean {
    return this.found
  }

  /** Throws MISSING_TABLE unless every table exists. */
  async assertReady(): Promise<void> {
    const missing = await this.findMissing()
    if (missing.length > 0) throw missingTableError(missing, this.command)
    this.found = true
  }

  /** Like assertReady(), but asks the database only until the tables have been found once. */
  ensure(): Promise<void> {
    if (this.found) return Promise.resolve()
    this.inFlight ??= this.assertReady().finally(() => {
      this.inFlight = null
    })
    return this.inFlight
  }
}
