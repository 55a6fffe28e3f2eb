#!/usr/bin/env node
/**
 * `npx adminjs-single-session <command>`: list, end and prune the sessions recorded by the
 * library, show counts and apply its migration. See `--help`, and ExitCodes for exit codes.
 */
import { runCli } from './program.js'

// `... | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

const code = await runCli(process.argv)
process.exitCode = code
// Everything is closed by now; should a driver keep a handle open, do not hang a cron job.
setTimeout(() => process.exit(code), 2000).unref()
