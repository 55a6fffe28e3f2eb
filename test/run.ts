/**
 * The test command: runs the whole suite on SQLite, then again on PostgreSQL and on MariaDB when
 * TEST_POSTGRES_URL / TEST_MARIADB_URL are set (each test makes its own fresh database there),
 * and says plainly which servers it skipped. The store contract then runs on MemoryStore, with
 * TEST_POSTGRES_URL on connect-pg-simple, and with TEST_REDIS_URL on connect-redis (the
 * library's records in Redis, SQLite for the rest). Every test app is built on Express 4; under CI=true
 * or TEST_EXPRESS5=1 the core and Passport tests run once more, on SQLite and Express 5.
 *
 * The targets do not run one after the other: their files share one pool of jobs (see JOBS),
 * each job a process running a few files in turn (test/support/in-one-process.ts).
 *
 *   npm test                      SQLite only
 *   npm test -- test/login.test.ts   selected files
 *   TEST_EXPRESS5=1 npm test      Express 5 too
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { chromiumPath } from './support/chromium.js'

interface Target {
  name: string
  /** The database server; '' for SQLite, undefined to skip the target. */
  url: string | undefined
  /** What to set to run a skipped target. */
  hint: string
  /** The Express major the test apps are built on (TEST_EXPRESS, test/support/express.ts). */
  express: 4 | 5
  /** The files this target runs, of those selected. */
  only?: (file: string) => boolean
  /** The express-session store of the test apps (TEST_STORE, test/support/stores.ts). */
  store?: 'sequelize' | 'pg-simple' | 'memory' | 'redis'
}

/**
 * The store contract: the files whose test apps take their store from TEST_STORE. They run on
 * connect-session-sequelize with every database, and unchanged on MemoryStore (SQLite for the
 * registry) and on connect-pg-simple (PostgreSQL).
 */
const contract = new Set([
  'test/login.test.ts',
  'test/logout.test.ts',
  'test/resurrection.test.ts',
  'test/regenerate-race.test.ts',
  'test/deny-limit.test.ts',
  'test/devices.test.ts',
  'test/why-signed-out.test.ts',
  'test/events.test.ts',
  'test/timeouts.test.ts',
  'test/audit.test.ts',
  'test/end-writes.test.ts',
  'test/prune-orphans.test.ts',
  'test/faults.test.ts',
  'test/stores.test.ts',
  'test/processes.test.ts',
  'test/cli.test.ts',
])
const inContract = (file: string) => contract.has(file)
/** Tests of connect-redis and the Redis backend: they run in the Redis target only. */
const redisOnly = new Set(['test/redis.test.ts'])

/**
 * The files that run on Express 5 as well: the core and Passport tests, and the panel in Chromium
 * (the example app builds the panel's router on the app's Express). Not the panel's API tests
 * (admin-*: they run on Express 4, the panel on Express 5 being proved in Chromium), the event
 * stream's browser test, nor the files without an Express app under test: the command line (cli),
 * migrations and options.
 */
const notOnExpress5 = new Set([
  'test/cli.test.ts',
  'test/migrations.test.ts',
  'test/options.test.ts',
])
const onExpress5 = (file: string) =>
  file === 'test/browser/admin.browser.test.ts' ||
  (/^test\/[^/]+\.test\.ts$/.test(file) &&
    !file.startsWith('test/admin') &&
    !notOnExpress5.has(file))
const express5 = process.env.CI === 'true' || process.env.TEST_EXPRESS5 === '1'

const targets: Target[] = [
  { name: 'SQLite', url: '', hint: '', express: 4 },
  {
    name: 'PostgreSQL',
    url: process.env.TEST_POSTGRES_URL,
    hint: 'set TEST_POSTGRES_URL to run the suite against it',
    express: 4,
  },
  {
    name: 'MariaDB',
    url: process.env.TEST_MARIADB_URL,
    hint: 'set TEST_MARIADB_URL to run the suite against it',
    express: 4,
  },
  {
    name: 'MemoryStore (registry on SQLite)',
    url: '',
    hint: '',
    express: 4,
    only: inContract,
    store: 'memory',
  },
  {
    name: 'connect-pg-simple (PostgreSQL)',
    url: process.env.TEST_POSTGRES_URL,
    hint: 'set TEST_POSTGRES_URL to run the store contract on connect-pg-simple',
    express: 4,
    only: inContract,
    store: 'pg-simple',
  },
  {
    name: 'connect-redis (registry in Redis)',
    url: process.env.TEST_REDIS_URL ? '' : undefined,
    hint: 'set TEST_REDIS_URL to run the store contract on connect-redis, with the registry in Redis',
    express: 4,
    only: (file) => inContract(file) || redisOnly.has(file),
    store: 'redis',
  },
  {
    name: 'SQLite, Express 5',
    url: express5 ? '' : undefined,
    hint: 'set TEST_EXPRESS5=1 or CI=true to run the core and Passport tests on Express 5',
    express: 5,
    only: onExpress5,
  },
]

const requested = process.argv.slice(2)
const testFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `${dir}/${f}`)
// The browser test skips itself, with a message, where Chromium is missing (fails under CI=true).
const files =
  requested.length > 0 ? requested : [...testFiles('test'), ...testFiles('test/browser')]

interface Totals {
  /** Why each skipped test or suite was skipped, as the reporter printed it. */
  skips?: string[]
  pass: number
  fail: number
  /** Skipped tests and skipped suites: node's own counter leaves the suites out. */
  skipped: number
  /** Of `skipped`, how many were whole suites (their tests never ran, so node counts none). */
  skippedSuites: number
}

/** How long one job may run, in seconds (TEST_JOB_TIMEOUT): a few times the longest seen. */
const JOB_TIMEOUT_S = Math.max(1, Number(process.env.TEST_JOB_TIMEOUT ?? 600) || 600)

/**
 * Runs `files` one after the other in one process (test/support/in-one-process.ts) and resolves,
 * once it exits, to its counts and its whole report, which the caller prints in one piece.
 */
function runFiles(target: Target, files: readonly string[]): Promise<Totals & { output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    if (target.url) env.TEST_DATABASE_URL = target.url
    else delete env.TEST_DATABASE_URL
    env.TEST_EXPRESS = String(target.express)
    env.TEST_STORE = target.store ?? 'sequelize'
    // The example app's password hashes: cheap, or thousands of test logins spend minutes in scrypt.
    env.PASSWORD_HASH_COST ??= '1024'
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test-reporter=spec', 'test/support/in-one-process.ts', ...files],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    // A handle left open keeps a process alive after its tests: the job is then killed and
    // failed, rather than the whole run hanging with nothing said.
    const watchdog = setTimeout(() => {
      output +=
        `\n✖ this job did not exit within ${JOB_TIMEOUT_S} s (TEST_JOB_TIMEOUT) and was killed;` +
        ` its files: ${files.join(' ')}\n`
      child.kill('SIGKILL')
    }, JOB_TIMEOUT_S * 1000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(watchdog)
      const count = (label: string) =>
        Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? 0)
      // A skipped suite is not in the runner's own count: count the reporter's "﹣" lines.
      const skips = [...output.matchAll(/^\s*﹣ (.+?) \([\d.]+ms\)(?: # (.*))?$/gm)].map(
        ([, name, why]) => (why ? `${name}: ${why}` : name!),
      )
      const skippedTests = count('skipped')
      const totals: Totals & { output: string } = {
        output,
        pass: count('pass'),
        fail: count('fail'),
        skipped: Math.max(skippedTests, skips.length),
        skippedSuites: Math.max(0, skips.length - skippedTests),
        skips,
      }
      if (code !== 0 && totals.fail === 0) totals.fail = 1
      resolve(totals)
    })
  })
}

/**
 * About how long a file's tests take on a quiet 2-core machine, in seconds, for the few that take
 * far longer than the rest (the others count 1). Only how the files are put into jobs depends on
 * it, never what runs.
 */
const SECONDS: Record<string, number> = {
  'test/processes.test.ts': 30,
  'test/cli.test.ts': 26,
  'test/browser/events.browser.test.ts': 40,
  'test/browser/admin.browser.test.ts': 35,
  'test/timeouts.test.ts': 20,
  'test/events.test.ts': 4,
  'test/admin-hostile.test.ts': 4,
}
const secondsOf = (file: string) => SECONDS[file] ?? 1
const PART_SECONDS = 30

/**
 * The files in jobs of about PART_SECONDS each (a longer file is a job of its own): the longest
 * first, the rest in name order, so that the panel's tests (test/admin-*) share a job and load
 * AdminJS once.
 */
function parts(list: string[]): string[][] {
  const result: Array<{ files: string[]; seconds: number }> = []
  const order = [...list].sort((a, b) => secondsOf(b) - secondsOf(a) || a.localeCompare(b))
  for (const file of order) {
    const room = result.find((part) => part.seconds + secondsOf(file) <= PART_SECONDS)
    if (room) {
      room.files.push(file)
      room.seconds += secondsOf(file)
    } else result.push({ files: [file], seconds: secondsOf(file) })
  }
  return result.map((part) => part.files)
}

/**
 * The jobs: each target's files in parts of about PART_SECONDS (parts() above), every target's
 * jobs in one queue, longest first (the browser tests, which mostly wait, start at once). JOBS of
 * them (TEST_JOBS, default 2) run at once, each one process running its files one at a time;
 * every file has its own database, so any two can run side by side. Three at once on two cores
 * gained under 10% and made the timing-sensitive tests wait on the CPU. Each job's report is
 * printed whole when it ends; the summary keeps the targets' order.
 */
interface Job {
  target: Target
  files: string[]
}
const JOBS = Math.max(1, Number(process.env.TEST_JOBS ?? 2) || 2)
/** Each target's line of the summary, in the targets' order: filled as they are known. */
const lines = new Map<Target, string>()
const jobs: Job[] = []
const runnable: Target[] = []
for (const target of targets) {
  if (target.url === undefined) {
    lines.set(target, `${target.name}: skipped (${target.hint})`)
    continue
  }
  const selected = target.only ? files.filter(target.only) : files
  if (selected.length === 0) {
    lines.set(target, `${target.name}: none of the selected files runs here`)
    continue
  }
  runnable.push(target)
  const browser = selected.filter((f) => f.startsWith('test/browser/'))
  const others = selected.filter((f) => !f.startsWith('test/browser/'))
  for (const part of [...parts(browser), ...parts(others)]) jobs.push({ target, files: part })
}

// The longest first, so that the short ones fill in at the end.
const jobSeconds = (job: Job) => job.files.reduce((sum, file) => sum + secondsOf(file), 0)
jobs.sort((a, b) => jobSeconds(b) - jobSeconds(a))

function isBrowserJob(job: Job): boolean {
  return job.files.every((f) => f.startsWith('test/browser/'))
}

const results = new Map<Target, Totals[]>()
const started = Date.now()
const queue = [...jobs]
async function worker(): Promise<void> {
  for (let job = queue.shift(); job; job = queue.shift()) {
    const what = isBrowserJob(job) ? `${job.target.name}, browser test` : job.target.name
    console.log(`--- ${what}: ${job.files.length} file${job.files.length === 1 ? '' : 's'} started`)
    const part = await runFiles(job.target, job.files)
    const seconds = Math.round((Date.now() - started) / 1000)
    console.log(`\n=== ${what} (done at ${seconds} s) ===\n${part.output}`)
    results.set(job.target, [...(results.get(job.target) ?? []), part])
  }
}
await Promise.all(Array.from({ length: Math.min(JOBS, jobs.length) }, () => worker()))

const overall: Totals = { pass: 0, fail: 0, skipped: 0, skippedSuites: 0 }
for (const target of runnable) {
  const totals: Totals = { pass: 0, fail: 0, skipped: 0, skippedSuites: 0, skips: [] }
  for (const part of results.get(target) ?? []) {
    totals.pass += part.pass
    totals.fail += part.fail
    totals.skipped += part.skipped
    totals.skippedSuites += part.skippedSuites
    totals.skips = [...(totals.skips ?? []), ...(part.skips ?? [])]
  }
  overall.pass += totals.pass
  overall.fail += totals.fail
  overall.skipped += totals.skipped
  const suites = totals.skippedSuites
  const tests = totals.skipped - suites
  lines.set(
    target,
    `${target.name}: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped` +
      (suites > 0
        ? ` (${tests} test${tests === 1 ? '' : 's'} and ${suites} whole suite${suites === 1 ? '' : 's'})`
        : '') +
      (totals.skips?.length ? totals.skips.map((skip) => `\n  skipped ${skip}`).join('') : ''),
  )
}

const summary = targets.flatMap((target) => lines.get(target) ?? [])
if (!chromiumPath && files.some((f) => f.startsWith('test/browser/'))) {
  summary.push('Browser test: skipped (Chromium not found; apt-get install chromium to run it)')
}
console.log('\n' + summary.join('\n'))
console.log(
  `${overall.pass} passed, ${overall.fail} failed, ${overall.skipped} skipped` +
    ` in ${Math.round((Date.now() - started) / 1000)} s`,
)
process.exitCode = overall.fail > 0 ? 1 : 0
