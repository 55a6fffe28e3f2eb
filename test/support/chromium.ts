/**
 * What the browser tests share: Debian's `chromium`, found on the PATH and driven by
 * playwright-core (which cannot download its own browsers here), and the panel's login form.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser as Chromium, BrowserContext, Page } from 'playwright-core'

function findChromium(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

/** Debian's `chromium` on the PATH, or null. */
export const chromiumPath = findChromium()

/**
 * The `skip` of a browser suite: a message where Chromium is missing, except under CI=true,
 * where the suite runs and fails (launchChromium says what to install).
 */
export const skipWithoutChromium: string | false =
  chromiumPath || process.env.CI === 'true'
    ? false
    : 'Chromium not found: install Debian’s `chromium` package (apt-get install -y chromium) to run the browser test'

let bundleDir: string | undefined

/**
 * Launches headless Chromium. First, AdminJS is told to bundle the panel's components into a
 * temporary folder (ADMIN_JS_TMP_DIR, read when AdminJS is first imported) rather than into
 * the repository's .adminjs: one folder per process, removed when it exits.
 */
export async function launchChromium(): Promise<Chromium> {
  assert.ok(chromiumPath, 'CI=true and no Chromium: run `apt-get install -y chromium`')
  if (!bundleDir) {
    const dir = mkdtempSync(join(tmpdir(), 'adminjs-bundle-'))
    bundleDir = dir
    process.env.ADMIN_JS_TMP_DIR = dir
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/** A new page of `context`, signed into the panel at `baseUrl` through its login form. */
export async function panelPage(
  context: BrowserContext,
  baseUrl: string,
  email = 'admin@example.com',
): Promise<Page> {
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto(`${baseUrl}/admin/login`)
  await page.fill('input[name="email"]', email)
  await page.fill('input[name="password"]', 'password')
  await Promise.all([page.waitForURL(/\/admin\/?$/), page.press('input[name="password"]', 'Enter')])
  return page
}
