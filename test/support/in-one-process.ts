/**
 * Runs the test files named on the command line in this one process, one after the other:
 * `node --import tsx --test-reporter=spec test/support/in-one-process.ts FILE...` (test/run.ts).
 * Their tests go to node:test's one root, so the reporter counts them all together.
 *
 * One process for a few files rather than one each (`node --test`): AdminJS alone takes about
 * 4 s of CPU to load through tsx, and each file would load it, express-session, Sequelize and
 * the library again. Every file makes its own database, server and apps and closes them, so the
 * files do not meet.
 */
import { it } from 'node:test'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

for (const file of process.argv.slice(2)) {
  try {
    await import(pathToFileURL(resolve(file)).href)
  } catch (error) {
    // A file that cannot load is a failure of its own, not the end of the others.
    it(`${file} loads`, () => {
      throw error
    })
  }
}
