import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { StoreKind } from './stores.js'

export interface ServerProcess {
  plugin: string
  plain: string
  close(): Promise<void>
}

/** Starts bench/server.ts in a child process on the given database and store. */
export function spawnServer(
  databaseUrl: string,
  store: StoreKind = 'sequelize',
): Promise<ServerProcess> {
  return spawnApps('./server.ts', { BENCH_APP_DATABASE_URL: databaseUrl, BENCH_APP_STORE: store })
}

/**
 * Starts a script of bench/ that serves the plugin and plain apps and prints
 * `{"plugin":PORT,"plain":PORT}`, in a child process with these environment variables.
 */
export async function spawnApps(
  script: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const lines = createInterface({ input: child.stdout })
  const ports = await new Promise<{ plugin: number; plain: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
    lines.once('line', (line) => resolve(JSON.parse(line) as { plugin: number; plain: number }))
  })
  child.removeAllListeners('exit')
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    plugin: `http://127.0.0.1:${ports.plugin}`,
    plain: `http://127.0.0.1:${ports.plain}`,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

export interface LoginTiming {
  /** Round trip of the login request, ms. */
  http: number
  /** Time the server spent in the login step itself (login() or regenerate + save), ms. */
  server: number
  cookie: string
}

/** One login from a new browser (no cookie), over HTTP. */
export async function loginOverHttp(
  baseUrl: string,
  userId: string | number,
): Promise<LoginTiming> {
  const started = performance.now()
  const response = await fetch(`${baseUrl}/login?u=${userId}`, { method: 'POST' })
  const body = await response.text()
  const http = performance.now() - started
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${body}`)
  const timing = /dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0]
  if (!cookie) throw new Error('login set no cookie')
  return { http, server: Number(timing?.[1] ?? NaN), cookie }
}

/** Checks that a cookie is signed in on an app. */
export async function whoIs(baseUrl: string, cookie: string): Promise<string | null> {
  const response = await fetch(`${baseUrl}/me`, { headers: { cookie } })
  return ((await response.json()) as { userId: string | null }).userId
}
