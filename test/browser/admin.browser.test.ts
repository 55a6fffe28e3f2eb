/**
 * End-to-end, in real Chromium (Debian's `chromium`, driven by playwright-core): sign into the
 * example's panel as admin@, select alice and bob in the user list, run "Log out the user on
 * all sessions", confirm, see the notice, and check the database. With UPDATE_SCREENSHOTS=1
 * (`npm run screenshots`) it also rewrites the documentation's screenshots in docs/images/; a
 * plain test run never touches tracked files.
 *
 *   npm run test:browser        (SQLite; PostgreSQL and MariaDB too when their URLs are set)
 *
 * Without Chromium it skips with a message, except under CI=true, where it fails.
 */
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser as Chromium, Page } from 'playwright-core'
import type { ExampleApp } from '../../example-app/app.js'
import { freshDatabase, type TestDatabase } from '../support/database.js'
import { hashPassword } from '../../example-app/passwords.js'
import { express, expressMajor } from '../support/express.js'
import { Browser, listen } from '../support/http.js'
import { launchChromium, panelPage, skipWithoutChromium as skip } from '../support/chromium.js'
import { sqlRegistry } from '../support/sql-backend.js'

/** The one account with an idle timeout (3 s), for the panel's login page test. */
const IDLE_ADMIN = 'idle-staff@example.com'

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'images')

/** Rewrites a documentation screenshot, only when asked: tests never change tracked files otherwise. */
async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, name) })
}

describe(`AdminJS panel in Chromium (Express ${expressMajor})`, { skip, timeout: 180_000 }, () => {
  let db: TestDatabase
  let example: ExampleApp
  let server: Awaited<ReturnType<typeof listen>>
  let chromium: Chromium

  before(async () => {
    chromium = await launchChromium()
    const { createExampleApp } = await import('../../example-app/app.js')
    db = await freshDatabase('browser')
    example = await createExampleApp({
      databaseUrl: db.url,
      sessionSecret: 'browser test secret',
      express,
      singleSession: {
        limit: 3,
        idleTimeout: (user) => (user.email === IDLE_ADMIN ? 3000 : null),
      },
    })
    server = await listen(example.app)
  })
  after(async () => {
    await chromium?.close()
    await server?.close()
    await example?.close()
    await db?.drop()
  })

  it('admin selects two users, logs them out on all sessions, sees the notice', async () => {
    const ids: Record<string, number> = {}
    for (const user of await example.User.findAll()) ids[user.email.split('@')[0]!] = user.id
    // alice on two devices, bob on one, root on one (not selected).
    const phone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'
    for (const [who, agent] of [
      ['alice', undefined],
      ['alice', phone],
      ['bob', undefined],
      ['root', phone],
    ] as const) {
      const b = new Browser(server.url, agent)
      assert.equal(
        (await b.post('/login', { email: `${who}@example.com`, password: 'password' })).status,
        200,
      )
    }
    const count = (who: string) =>
      sqlRegistry(example.singleSession).model.count({ where: { userId: String(ids[who]) } })
    assert.equal(await count('alice'), 2)

    const context = await chromium.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await panelPage(context, server.url)

    await page.goto(`${server.url}/admin/resources/User`)
    for (const who of ['alice', 'bob']) {
      await page.locator(`tr[data-id="${ids[who]}"] td`).first().locator('a').first().click()
    }
    const bulkButton = page.getByTestId('action-bulkLogoutAllSessions')
    assert.equal((await bulkButton.textContent())?.trim(), 'Log out the user on all sessions')
    await bulkButton.click()
    const summary = page.getByTestId('single-session-summary')
    await summary.waitFor()
    assert.match(
      (await summary.textContent()) ?? '',
      /2 users will be logged out on all sessions \(3 sessions\)/,
    )
    assert.equal(await count('alice'), 2, 'opening the confirmation changed nothing')
    await saveScreenshot(page, 'adminjs-bulk-logout.png')

    await page.getByTestId('single-session-confirm').click()
    await page.getByText('2 users logged out (3 sessions)').waitFor()
    assert.equal(await count('alice'), 0)
    assert.equal(await count('bob'), 0)
    assert.equal(await count('root'), 1)

    await page.goto(`${server.url}/admin/resources/UserSession`)
    await page.locator('tr[data-id]').first().waitFor()
    await page.getByText('Safari on iOS').first().waitFor()
    await saveScreenshot(page, 'adminjs-sessions.png')
    await context.close()
  })

  it('a user sees their devices, signs one out, and that device is told why', async () => {
    const windows =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'
    const otherDevice = new Browser(server.url, windows)
    const credentials = { email: 'carol@example.com', password: 'password' }
    await example.User.create({
      email: credentials.email,
      name: 'Carol',
      role: 'user',
      permissions: [],
      passwordHash: await hashPassword(credentials.password),
    })
    assert.equal((await otherDevice.post('/login', credentials)).status, 200)

    const context = await chromium.newContext({ viewport: { width: 1100, height: 560 } })
    const page = await context.newPage()
    page.setDefaultTimeout(60_000)
    await page.goto(`${server.url}/login`)
    await page.fill('input[name="email"]', credentials.email)
    await page.fill('input[name="password"]', credentials.password)
    const [loginResponse] = await Promise.all([
      page.waitForResponse(
        (r) => r.url() === `${server.url}/login` && r.request().method() === 'POST',
      ),
      page.click('button[type="submit"]'),
    ])
    assert.equal(loginResponse.status(), 303, await loginResponse.text().catch(() => ''))
    await page.waitForURL(`${server.url}/`)
    const home = await page.content()
    assert.match(home, /Signed in as/, home)

    await page.goto(`${server.url}/account/sessions`)
    const rows = page.locator('tbody tr')
    assert.equal(await rows.count(), 2)
    assert.match((await rows.nth(0).textContent()) ?? '', /\(this device\)/)
    assert.match((await rows.nth(1).textContent()) ?? '', /Firefox on Windows/)
    await saveScreenshot(page, 'devices.png')

    await Promise.all([
      page.waitForURL(/\/account\/sessions$/),
      rows.nth(1).locator('button').click(),
    ])
    assert.equal(await page.locator('tbody tr').count(), 1)
    const me = await otherDevice.get('/me')
    assert.deepEqual([me.status, me.body.reason], [401, 'revoked-by-user'])

    // The admin ends this browser's session too: the login page says why.
    const carol = await example.User.findOne({ where: { email: credentials.email } })
    await example.singleSession.logoutUsers([carol!.id], {
      actor: { kind: 'admin', id: null, label: 'admin@example.com' },
    })
    await page.goto(`${server.url}/login`)
    const reason = page.getByTestId('signed-out-reason')
    assert.match(
      (await reason.textContent()) ?? '',
      /You were signed out by an administrator at \d\d:\d\d\./,
    )
    await context.close()
  })

  it('an admin whose panel session timed out is told why on the login page', async () => {
    await example.User.create({
      email: IDLE_ADMIN,
      name: 'Idle staff',
      role: 'staff',
      permissions: [],
      passwordHash: await hashPassword('password'),
    })
    const context = await chromium.newContext({ viewport: { width: 1100, height: 700 } })
    const page = await panelPage(context, server.url, IDLE_ADMIN)
    // Leave the panel (its event stream and any late request of the dashboard would be
    // activity), so that nothing reaches the server during the idle timeout.
    await page.goto('about:blank')
    await new Promise((resolve) => setTimeout(resolve, 3500))

    await page.goto(`${server.url}/admin/resources/User`)
    await page.waitForURL(/\/admin\/login$/)
    await page.getByText('You were signed out after a period of inactivity').waitFor()
    await context.close()
  })
})
