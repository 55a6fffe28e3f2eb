import { ErrorCodes, SingleSessionError } from '../errors.js'

/** Whether Passport has stored a user in this session (`req.session.passport.user`). */
export function signedInByPassport(session: unknown): boolean {
  const passport = (session as { passport?: unknown } | null | undefined)?.passport
  return typeof passport === 'object' && passport !== null && 'user' in passport
}

/** A Passport login the library never saw: no limit applied to it. */
export function passportNotInstalledError(): SingleSessionError {
  return new SingleSessionError(
    ErrorCodes.PASSPORT_NOT_INSTALLED,
    'adminjs-single-session: Passport signed this session in, but Passport is not wired to the ' +
      'library, so no session limit applied to that login. Call singleSession.passport(passport) ' +
      'once, before serving requests.',
  )
}
