import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { withExamplePanel } from './support/example.js'
import type { Browser } from './support/http.js'
import { panelSession } from './support/panel.js'

const html = { accept: 'text/html' }

async function loginPage(browser: Browser): Promise<string> {
  const page = await browser.request('GET', '/admin/login', undefined, html)
  assert.equal(page.status, 200)
  return page.text
}

describe('the panel login page says why the session ended', () => {
  it('signed in elsewhere, naming the device; a fresh visit gets the stock page', () =>
    withExamplePanel('panel-why-evicted', { limit: 1 }, async ({ url, browser }) => {
      const first = await panelSession(url, 'admin')
      await panelSession(url, 'admin')
      const redirect = await first.request('GET', '/admin', undefined, html)
      assert.equal(redirect.status, 302)
      assert.match(await loginPage(first), /You were signed out because your account signed in on/)
      assert.doesNotMatch(await loginPage(browser()), /You were signed out/)
    }))

  it('logged out by an admin', () =>
    withExamplePanel('panel-why-admin', { limit: 2 }, async ({ url, example }) => {
      const staff = await panelSession(url, 'staff')
      const user = await example.User.findOne({ where: { email: 'staff@example.com' } })
      await example.singleSession.logoutUsers([user!.id])
      assert.match(await loginPage(staff), /You were signed out by an administrator at \d\d:\d\d/)
    }))

  it('idle timeout and absolute timeout, each with its own sentence', () =>
    withExamplePanel(
      'panel-why-timeouts',
      {
        limit: 2,
        idleTimeout: (user) => (user.role === 'admin' ? 800 : null),
        absoluteTimeout: (user) => (user.role === 'staff' ? 800 : null),
      },
      async ({ url }) => {
        const admin = await panelSession(url, 'admin')
        const staff = await panelSession(url, 'staff')
        await sleep(1000)
        assert.match(await loginPage(admin), /signed out after a period of inactivity/)
        assert.match(await loginPage(staff), /reached its maximum length/)
      },
    ))

  it('deny mode: a refused panel login says the account is at its limit', () =>
    withExamplePanel(
      'panel-why-denied',
      { limit: 1, onLimit: 'deny-new' },
      async ({ url, browser }) => {
        await panelSession(url, 'admin')
        const refused = await browser().request(
          'POST',
          '/admin/login',
          'email=admin%40example.com&password=password',
          { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        )
        assert.equal(refused.status, 400)
        assert.match(refused.text, /already signed in on the maximum number of devices/)
      },
    ))
})
