import type { Request, Response } from 'express'
import { ErrorCodes, SingleSessionError } from '../errors.js'
import { log } from '../log.js'

export function mountedBeforeSessionError(): SingleSessionError {
  return new SingleSessionError(
    ErrorCodes.NO_SESSION,
    'adminjs-single-session: middleware() runs before express-session: mount ' +
      'app.use(session({ store, ... })) first, then app.use(singleSession.middleware()). ' +
      'Before it, middleware() sees no session: no last-seen, no idle time-out kept alive, no store check.',
  )
}

export function noMiddlewareError(): SingleSessionError {
  return new SingleSessionError(
    ErrorCodes.NO_MIDDLEWARE,
    'adminjs-single-session: login() with an idle timeout, but middleware() was never mounted: ' +
      'no request would keep the session alive, and it would end idleTimeout after the login. ' +
      'Mount app.use(singleSession.middleware()) after app.use(session({ store, ... })).',
  )
}

/**
 * Finds out whether middleware() was mounted before session(). A request may reach it without
 * a session for good reasons: outside the session cookie's `path`, or while the store is
 * disconnected (express-session then steps aside). Only a session() that runs later in the
 * same request, and so sets `req.sessionStore` after middleware() ran, proves the order wrong;
 * from then on every request fails with NO_SESSION, saying what to fix.
 */
export class MountOrder {
  private wrong = false

  /** Throws NO_SESSION once the order is known to be wrong; else watches a request without a session. */
  check(req: Request, res: Response): void {
    if (this.wrong) throw mountedBeforeSessionError()
    if (storeOf(req) !== undefined) return
    const afterResponse = () => {
      if (this.wrong || storeOf(req) === undefined) return
      this.wrong = true
      log('middleware() ran before express-session (%s %s)', req.method, req.originalUrl)
    }
    // 'close' comes once a response has ended, whether it finished or the client went away.
    res.once('close', afterResponse)
  }
}

function storeOf(req: Request): unknown {
  return (req as { sessionStore?: unknown }).sessionStore
}
