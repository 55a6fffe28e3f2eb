import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { isSingleSessionError } from '../errors.js'
import { logoutCommand } from './commands/logout.js'
import { migrateCommand } from './commands/migrate.js'
import { pruneCommand } from './commands/prune.js'
import { sessionsCommand } from './commands/sessions.js'
import { statsCommand } from './commands/stats.js'
import { messageOf } from './messages.js'
import { CliError, ExitCodes, type ExitCode } from './errors.js'
import { output } from './output.js'

export const PROGRAM_NAME = 'adminjs-single-session'

const EXIT_CODES_HELP = `
Database:
  DATABASE_URL (or --database, or "database" in --config) names it:
  sqlite:PATH, postgres://user:pass@host:5432/db, mariadb://user:pass@host:3306/db

Redis (connect-redis, with the library's records in the same Redis):
  --redis-url redis://host:port[/db], or REDIS_URL, or --store redis (default
  redis://127.0.0.1:6379); the database is then optional, for --user by email

Exit codes:
  0  done
  1  runtime failure (database or Redis unreachable, tables missing, query failed)
  2  bad arguments or configuration
  3  unknown user`

/** The command-line program, with every command. Parsing errors are thrown, not exited. */
export function createProgram(): Command {
  const program = new Command(PROGRAM_NAME)
    .description('Inspect and end the sessions recorded by adminjs-single-session.')
    .version(packageVersion(), '-V, --version')
    .option('-d, --database <url>', 'database URL (default: $DATABASE_URL)')
    .option(
      '-c, --config <file>',
      'config file: JSON, or a JS module whose default export is the config',
    )
    .option(
      '--store <kind>',
      'the session store the app uses: sequelize (connect-session-sequelize), pg-simple (connect-pg-simple) or redis (connect-redis) (default: $SESSION_STORE; else redis when $REDIS_URL is set; else sequelize)',
    )
    .option(
      '--redis-url <url>',
      "the Redis of connect-redis and of the library's records; implies --store redis (default: $REDIS_URL, else redis://127.0.0.1:6379)",
    )
    .option(
      '--redis-prefix <prefix>',
      "the library's key prefix in Redis, its redis.prefix option (default: single-session)",
    )
    .option('--session-prefix <prefix>', "connect-redis's key prefix (default: sess:)")
    .option(
      '--session-table <name>',
      "the session store's table (default: Sessions; session with pg-simple)",
    )
    .option('--table <name>', "the library's sessions table (default: user_sessions)")
    .option('--user-table <name>', 'the table --user is looked up in (default: users)')
    .option('--user-id-column <name>', "the user table's id column (default: id)")
    .option('--user-email-column <name>', "the user table's email column (default: email)")
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
      outputError: (text, write) => write(prefixed(text.replace(/^error: /, ''))),
    })
    .showHelpAfterError(`${PROGRAM_NAME}: run with --help for usage`)
    .addHelpText('after', EXIT_CODES_HELP)
  for (const define of [
    sessionsCommand,
    logoutCommand,
    pruneCommand,
    statsCommand,
    migrateCommand,
  ]) {
    define(program).addHelpText('after', EXIT_CODES_HELP)
  }
  return program
}

/**
 * Runs the command line on `argv` (process.argv form) and resolves to the exit code. Every
 * error ends here as one message on stderr and a code from ExitCodes; nothing throws.
 */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const program = createProgram()
  try {
    if (argv.length <= 2) {
      output.err(`${PROGRAM_NAME}: no command given`)
      program.outputHelp({ error: true })
      return ExitCodes.USAGE
    }
    await program.parseAsync([...argv])
    return ExitCodes.OK
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successes; commander has already printed its message.
      return error.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE
    }
    if (error instanceof CliError) {
      output.err(`${PROGRAM_NAME}: ${error.message}`)
      return error.exitCode
    }
    if (isSingleSessionError(error)) {
      output.err(`${PROGRAM_NAME}: ${error.message.replace(/^adminjs-single-session: /, '')}`)
      return ExitCodes.FAILURE
    }
    output.err(`${PROGRAM_NAME}: ${messageOf(error)}`)
    if (process.env.DEBUG) output.err(String((error as Error)?.stack ?? error))
    return ExitCodes.FAILURE
  }
}

/** Every line of an error starts with the program's name, so that logs say where it came from. */
function prefixed(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? line : `${PROGRAM_NAME}: ${line}`))
    .join('\n')
}

function packageVersion(): string {
  try {
    const url = new URL('../../package.json', import.meta.url)
    return (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}
