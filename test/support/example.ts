import assert from 'node:assert/strict'
import { createExampleApp, type ExampleApp, type ExampleAppOptions } from '../../example-app/app.js'
import { freshDatabase } from './database.js'
import { express } from './express.js'
import { Browser, listen } from './http.js'

export const FIREFOX_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'
export const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36'
export const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'

export interface RunningExample {
  example: ExampleApp
  url: string
  browser: (userAgent?: string) => Browser
  signIn: (email: string, userAgent?: string) => Promise<Browser>
}

/**
 * The example app's site (no admin panel, so AdminJS is not loaded) on a fresh database and a
 * real port, for the duration of `body`.
 */
export function withExample(
  label: string,
  singleSession: ExampleAppOptions['singleSession'],
  body: (running: RunningExample) => Promise<void>,
): Promise<void> {
  return runExample(label, { singleSession, adminPanel: false }, body)
}

/** withExample() with the admin panel mounted at /admin. */
export function withExamplePanel(
  label: string,
  singleSession: ExampleAppOptions['singleSession'],
  body: (running: RunningExample) => Promise<void>,
): Promise<void> {
  return runExample(label, { singleSession, adminPanel: true }, body)
}

async function runExample(
  label: string,
  options: Pick<ExampleAppOptions, 'singleSession' | 'adminPanel'>,
  body: (running: RunningExample) => Promise<void>,
): Promise<void> {
  const db = await freshDatabase(label)
  const example = await createExampleApp({
    databaseUrl: db.url,
    sessionSecret: 'example test secret',
    ...options,
    express,
  })
  const server = await listen(example.app)
  const browser = (userAgent?: string) => new Browser(server.url, userAgent)
  try {
    await body({
      example,
      url: server.url,
      browser,
      signIn: (email, userAgent) => signInOnSite(server.url, email, userAgent),
    })
  } finally {
    await server.close()
    await example.close()
    await db.drop()
  }
}

/** A browser signed in on the example app's site (its JSON login) as a demo account. */
export async function signInOnSite(
  baseUrl: string,
  email: string,
  userAgent?: string,
): Promise<Browser> {
  const browser = new Browser(baseUrl, userAgent)
  const response = await browser.post('/login', { email, password: 'password' })
  assert.equal(response.status, 200, `site login of ${email}`)
  return browser
}
