/**
 * Exit codes of `adminjs-single-session`. Scripts may rely on them; they never change meaning.
 */
export const ExitCodes = {
  /** The command did what it was asked. */
  OK: 0,
  /** A runtime failure: the database is unreachable, a table is missing, a query failed. */
  FAILURE: 1,
  /** Bad arguments or configuration: unknown command or option, bad value, bad config file. */
  USAGE: 2,
  /** A `--user` matched no user (and no recorded session), or several. */
  UNKNOWN_USER: 3,
} as const

export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes]

/** An error the command line reports as a one-line message and an exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode

  constructor(exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** A usage error: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(ExitCodes.USAGE, message)
}
