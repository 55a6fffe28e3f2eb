/**
 * The AdminJS integration: `import { ... } from 'adminjs-single-session/adminjs'`. Kept apart
 * from the package root so that apps without AdminJS never load it.
 */
export {
  singleSessionFeature,
  LOGOUT_ALL_SESSIONS,
  BULK_LOGOUT_ALL_SESSIONS,
} from './single-session.feature.js'
export {
  userSessionResource,
  USER_SESSION_RESOURCE_ID,
  LOGOUT_SESSION,
  BULK_LOGOUT_SESSIONS,
} from './user-session.resource.js'
export {
  sessionAuditResource,
  SESSION_AUDIT_RESOURCE_ID,
  AUDIT_TRANSLATIONS,
} from './session-audit.resource.js'
export { SingleSessionAuthProvider } from './auth.js'
export { explainEndedSessions } from './login-reasons.js'
export {
  watchPanelSessions,
  panelEventsScript,
  PANEL_EVENTS_PATH,
  PANEL_EVENTS_SCRIPT_PATH,
} from './panel-events.js'
export type { WatchPanelSessionsOptions } from './panel-events.js'
export type { ExplainEndedSessionsOptions } from './login-reasons.js'
export type { AuthContext, SingleSessionAuthOptions } from './auth.js'
export { adminErrorHandler } from './error-handler.js'
export type { AdminErrorMessages } from './error-handler.js'
export {
  canLogOut,
  canLogOutAnyone,
  grantsFrom,
  partitionTargets,
  PERMISSION_LOGOUT,
  PERMISSION_LOGOUT_ALL,
} from './permissions.js'
export type { Grants } from './permissions.js'
export { USER_TRANSLATIONS, SESSION_TRANSLATIONS, LOGIN_TRANSLATIONS } from './translations.js'
export type { Translations, TranslationBlock } from './translations.js'
export type {
  LogoutSummary,
  SingleSessionAdminOptions,
  SingleSessionFeatureOptions,
  UserParams,
  UserSessionResourceOptions,
} from './types.js'
