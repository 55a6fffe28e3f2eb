import { spawn, type ChildProcess } from 'node:child_process'
import { createExampleApp } from '../../example-app/app.js'
import type { RedisSettings } from '../../example-app/store.js'

export interface AppProcess {
  url: string
  stop(): Promise<void>
}

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

/** Starts the example app in a separate Node process on the given database. */
export function startAppProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/app-process.ts'],
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
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app process did not start within 120 s:\n${errors}`)),
      120_000,
    )
    child.on('exit', (code) => reject(new Error(`app process exited with ${code}:\n${errors}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString())
      if (!match) return
      clearTimeout(timer)
      resolve({
        url: `http://127.0.0.1:${match[1]}`,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGTERM')
            setTimeout(() => child.kill('SIGKILL'), 5000).unref()
          }),
      })
    })
  })
}
