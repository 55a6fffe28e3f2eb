import { ErrorCodes, SingleSessionError } from '../errors.js'
import { storeName } from './drivers/detect.js'

/** express-session loads sessions from another store than the one the library guards. */
export function storeMismatchError(given: object, used: object): SingleSessionError {
  const same = storeName(given) === storeName(used)
  return new SingleSessionError(
    ErrorCodes.STORE_MISMATCH,
    `adminjs-single-session: express-session uses a ${storeName(used)} store, but ` +
      `createSingleSession() was given ${same ? 'another' : 'a'} ${storeName(given)}` +
      (same ? ' instance' : '') +
      '. Nothing would be enforced: pass the same store instance to session({ store }) and to ' +
      'createSingleSession({ store }).',
  )
}
