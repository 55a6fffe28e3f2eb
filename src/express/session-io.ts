import type { Request } from 'express'
import type { Session, SessionData } from 'express-session'
import { ErrorCodes, SingleSessionError } from '../errors.js'

/** express-session's callback API, as promises. */

export type SessionRequest = Request & { session: Session & Partial<SessionData> }

export function requireSession(req: Request, what: string): asserts req is SessionRequest {
  if (
    !req ||
    typeof req !== 'object' ||
    !req.session ||
    typeof req.session.regenerate !== 'function'
  ) {
    throw new SingleSessionError(
      ErrorCodes.NO_SESSION,
      `adminjs-single-session: ${what}() needs express-session: mount session({ store }) before this route`,
    )
  }
}

export function regenerateSession(req: SessionRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => (error ? reject(toError(error)) : resolve()))
  })
}

export function saveSession(req: SessionRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.save((error: unknown) => (error ? reject(toError(error)) : resolve()))
  })
}

export function destroySession(req: SessionRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!req.session) return resolve()
    req.session.destroy((error: unknown) => (error ? reject(toError(error)) : resolve()))
  })
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
