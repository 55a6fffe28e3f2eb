import { spawn, type ChildProcess } from 'node:child_process'
import { createExampleApp } from '../../example-app/app.js'
import type { RedisSettings } from '../../example-app/store.js'
import { bundle } from './bundle.js'
import { whenListening, type AppProcess } from './listening.js'

export type { AppProcess } from './listening.js'

const SECRET = 'multi-process test secret'

/**
 * Migrates and seeds once, so that the processes do not race to do it: with `sessionStore`
 * pg-simple, that includes connect-pg-simple's `session` table; with `redis`, the Redis of
 * REDIS_URL and REDIS_PREFIX (nothing to migrate there, but the users are seeded).
 */
export async function prepareExampleDatabase(
  databaseUrl: string,
  sessionStore?: string,
  redis?: RedisSettings,
): Promise<void> {
  const example = await createExampleApp({
    adminPanel: false,
    databaseUrl,
    sessionStore,
    redis,
    sessionSecret: SECRET,
  })
  await example.close()
}

/**
 * Starts the example app in a separate Node process on the given database, from
 * test/support/app-process.ts compiled to plain modules (test/support/bundle.ts).
 */
export async function startAppProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [await bundle('test/support/app-process.ts')],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl, SESSION_SECRET: SECRET, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let errors = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString()
    // Whatever the app reports as a failure belongs in the test output.
    process.stderr.write(chunk)
  })
  return whenListening(child, 'app process', () => errors)
}
