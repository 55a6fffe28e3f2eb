import { createRequire } from 'node:module'
import express4 from 'express'

/**
 * The Express every test app is built on: Express 4 (`express`) by default, Express 5 (the
 * `express5` alias of express@5) with TEST_EXPRESS=5. test/run.ts runs the core and Passport
 * tests once more with TEST_EXPRESS=5. The library itself has no such switch: it only takes
 * `req`/`res` from whichever Express the app uses. Typed with Express 4's types; the API the
 * tests use is the same on both.
 */
const requested = process.env.TEST_EXPRESS ?? '4'
if (requested !== '4' && requested !== '5') {
  throw new Error(`TEST_EXPRESS must be 4 or 5, not ${JSON.stringify(requested)}`)
}
export const expressMajor: 4 | 5 = requested === '5' ? 5 : 4

const require = createRequire(import.meta.url)
const packageName = expressMajor === 5 ? 'express5' : 'express'

export const express: typeof express4 =
  expressMajor === 5 ? (require('express5') as typeof express4) : express4

/** The version of the package `express` was loaded from, as its package.json says. */
export const expressVersion = (require(`${packageName}/package.json`) as { version: string })
  .version
