import assert from 'node:assert/strict'
import { signInOnSite } from './example.js'
import { Browser } from './http.js'

/**
 * Sessions on the example app, for the AdminJS tests: `who` is the local part of a demo
 * account's e-mail (alice, admin, ...), whose password is "password".
 */

/** A browser signed in on the site (the JSON login), as `who`. */
export function siteSession(baseUrl: string, who: string): Promise<Browser> {
  return signInOnSite(baseUrl, `${who}@example.com`)
}

/** A browser signed in on the AdminJS panel through its login form, as `who`. */
export async function panelSession(baseUrl: string, who: string): Promise<Browser> {
  const browser = new Browser(baseUrl)
  const res = await browser.request(
    'POST',
    '/admin/login',
    `email=${encodeURIComponent(`${who}@example.com`)}&password=password`,
    { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  )
  assert.equal(res.status, 302, `panel login of ${who}`)
  assert.equal(res.headers.get('location'), '/admin')
  return browser
}
