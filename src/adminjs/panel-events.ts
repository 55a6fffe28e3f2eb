import type AdminJS from 'adminjs'
import type { Router } from 'express'
import type { SingleSession } from '../single-session.js'
import { invalid } from './shared.js'

/** Where the panel's event stream and its script are, under the panel's rootPath. */
export const PANEL_EVENTS_PATH = '/single-session/events'
export const PANEL_EVENTS_SCRIPT_PATH = '/single-session/events.js'

/**
 * The script URL to list in AdminJS's `assets.scripts`, for a panel mounted at `rootPath`:
 * `new AdminJS({ rootPath, assets: { scripts: [panelEventsScript(rootPath)] } })`.
 */
export function panelEventsScript(rootPath: string): string {
  return `${rootPath.replace(/\/$/, '')}${PANEL_EVENTS_SCRIPT_PATH}`
}

export interface WatchPanelSessionsOptions<User> {
  /** The AdminJS instance the router was built for. Required. */
  admin: AdminJS
  /** What `createSingleSession()` returned. Required. */
  singleSession: SingleSession<User>
}

/**
 * Sends an open panel page to the login page as soon as its session ends (signed in elsewhere,
 * logged out by an admin, timed out, ...); with `explainEndedSessions()`, the login page says
 * why. Adds the event stream and its script to the router `buildAuthenticatedRouter()`
 * returned, right after its session middleware and before its login redirect, so that the
 * stream of an ended session still answers with the reason. List `panelEventsScript(rootPath)`
 * in the AdminJS options' `assets.scripts`.
 */
export function watchPanelSessions<User>(
  router: Router,
  options: WatchPanelSessionsOptions<User>,
): Router {
  if (!options || typeof options !== 'object') invalid('options', 'an object')
  if (typeof options.admin?.renderLogin !== 'function') invalid('admin', 'the AdminJS instance')
  if (typeof options.singleSession?.eventsHandler !== 'function') {
    invalid('singleSession', 'the object createSingleSession() returned')
  }
  const { admin, singleSession } = options
  const { rootPath, loginPath } = admin.options
  router.get(PANEL_EVENTS_PATH, singleSession.eventsHandler())
  router.get(
    PANEL_EVENTS_SCRIPT_PATH,
    singleSession.eventsScript({
      url: `${rootPath.replace(/\/$/, '')}${PANEL_EVENTS_PATH}`,
      redirectTo: loginPath,
    }),
  )
  // Routes run in the order they were added: ours go right after the panel's session
  // middleware (AdminJS's login redirect would otherwise answer an ended session's stream).
  const stack = (router as unknown as { stack: Array<{ name?: string }> }).stack
  const ours = stack.splice(stack.length - 2, 2)
  const session = stack.findIndex((layer) => layer.name === 'session')
  stack.splice(session + 1, 0, ...ours)
  return router
}
