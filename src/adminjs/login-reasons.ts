import type AdminJS from 'adminjs'
import type { BaseAuthProvider } from 'adminjs'
import type { NextFunction, Request, Response, Router } from 'express'
import type { SessionEndReason } from '../core/ending.js'
import { log } from '../log.js'
import type { SessionEndingInfo, SingleSession } from '../single-session.js'
import { invalid } from './shared.js'
import {
  LOGIN_TRANSLATIONS,
  mergeTranslations,
  translator,
  type LoginMessageKey,
  type Translations,
} from './translations.js'

export interface ExplainEndedSessionsOptions<User> {
  /** The AdminJS instance the router was built for. Required. */
  admin: AdminJS
  /** What `createSingleSession()` returned. Required. */
  singleSession: SingleSession<User>
  /** The provider given to `buildAuthenticatedRouter()`, for its login page props. */
  provider?: BaseAuthProvider
  /**
   * Overrides of LOGIN_TRANSLATIONS (`{ en: { messages: { endedIdleTimeout: '...' } } }`).
   * Messages in the AdminJS instance's own `locale.translations` count too; these win.
   */
  translations?: Translations
}

const MESSAGE_OF: Record<SessionEndReason, LoginMessageKey> = {
  'signed-in-elsewhere': 'endedSignedInElsewhere',
  'logged-out-everywhere': 'endedLoggedOutEverywhere',
  'logged-out-by-admin': 'endedLoggedOutByAdmin',
  'revoked-by-user': 'endedRevokedByUser',
  'idle-timeout': 'endedIdleTimeout',
  'absolute-timeout': 'endedAbsoluteTimeout',
  'denied-by-limit': 'endedDeniedByLimit',
}

/**
 * Makes the panel's login page say why the admin's session ended (signed in elsewhere, logged
 * out by an admin, idle or absolute timeout, ...) when the browser's cookie names a session the
 * library ended. Call it on the router `buildAuthenticatedRouter()` returned, before mounting it.
 * The sentence is shown in the login form's message box; any other visit gets the stock page.
 */
export function explainEndedSessions<User>(
  router: Router,
  options: ExplainEndedSessionsOptions<User>,
): Router {
  if (!options || typeof options !== 'object') invalid('options', 'an object')
  if (typeof options.admin?.renderLogin !== 'function') invalid('admin', 'the AdminJS instance')
  if (typeof options.singleSession?.endedSession !== 'function') {
    invalid('singleSession', 'the object createSingleSession() returned')
  }
  const { admin, singleSession, provider } = options
  const { loginPath, rootPath } = admin.options
  const locale = staticLocale(admin)
  const messages = mergeTranslations(
    mergeTranslations(LOGIN_TRANSLATIONS, locale?.translations as Translations | undefined),
    options.translations,
  )
  const translate = translator<LoginMessageKey>(messages, locale?.language ?? 'en')

  router.get(routerPath(loginPath, rootPath), (req: Request, res: Response, next: NextFunction) => {
    singleSession
      .endedSession(req)
      .then(
        async (ending) => {
          if (!ending) return next()
          const page = await admin.renderLogin({
            action: loginPath,
            errorMessage: sentence(translate, ending),
            ...(provider?.getUiProps() ?? {}),
          })
          res.send(page)
        },
        (error: unknown) => {
          // Never keep an admin from the login form: show the stock one.
          log('could not tell why the panel session ended: %O', error)
          next()
        },
      )
      .catch(next)
  })
  // Routes run in the order they were added, and AdminJS's login page is already there: ours
  // must come first, or it would never run.
  const stack = (router as unknown as { stack: unknown[] }).stack
  stack.unshift(stack.pop())
  return router
}

function sentence(
  translate: (key: LoginMessageKey, values?: Record<string, string>) => string,
  ending: SessionEndingInfo,
): string {
  return translate(MESSAGE_OF[ending.reason], {
    device: ending.newDevice ?? 'another device',
    time: ending.endedAt.toISOString().slice(11, 16),
  })
}

/** The router is mounted at rootPath: its login route is the login path without it. */
function routerPath(loginPath: string, rootPath: string): string {
  const path = loginPath.startsWith(rootPath) ? loginPath.slice(rootPath.length) : loginPath
  return path.startsWith('/') ? path : `/${path}`
}

/** The AdminJS locale when it is given as an object (a per-admin function is not read here). */
function staticLocale(admin: AdminJS): { language?: string; translations?: unknown } | undefined {
  const locale = admin.options.locale
  return typeof locale === 'object' && locale !== null ? locale : undefined
}
