export { createSingleSession } from './single-session.js'
export type {
  DeviceSession,
  LoginResult,
  LogoutResult,
  LogoutReport,
  SessionEndingInfo,
  SingleSession,
} from './single-session.js'
export { AUDIT_TABLE, ENDINGS_TABLE } from './single-session.js'
export type { SingleSessionEvents, SingleSessionEventName } from './core/events.js'
export { describeDevice } from './core/device.js'
export type { Device } from './core/device.js'
export type { EventsOptions, SingleSessionOptions } from './options.js'
export { EVENTS_SCRIPT, type EventsScriptOptions } from './express/events-script.js'
export { SESSION_ENDED_EVENT } from './express/events.js'
export type { OnLimit, PerUser } from './core/policy.js'
export type { Actor, EndReason, SessionEndReason } from './core/ending.js'
export { SYSTEM_ACTOR } from './core/ending.js'
export type { SessionRecord, SessionRegistry } from './core/ports/registry.js'
export type { StoreDriver, MarkedSession } from './store/driver.js'
export {
  ErrorCodes,
  SessionLimitError,
  SingleSessionError,
  isSingleSessionError,
} from './errors.js'
export type { ErrorCode } from './errors.js'
export { migrations, MIGRATIONS_TABLE } from './migrations/index.js'
export type { PassportAuthenticator } from './express/passport.js'
