import type { SingleSession } from './api.js'
import { SYSTEM_ACTOR } from './core/ending.js'
import { SessionEvents } from './core/events.js'
import { SessionControl } from './core/session-control.js'
import { TimeoutSweep } from './core/timeout-sweep.js'
import { normalizeUserId, normalizeUserIds } from './core/user-id.js'
import { installPassport } from './express/passport.js'
import { requestOperations } from './express/requests.js'
import { log } from './log.js'
import { normalizeOptions, type SingleSessionOptions } from './options.js'
import { SqlEndWriter } from './registry/sequelize/end-writers.js'
import { SequelizeJournal } from './registry/sequelize/sequelize-journal.js'
import { SequelizeRegistry } from './registry/sequelize/sequelize-registry.js'
import { AUDIT_TABLE, ENDINGS_TABLE, schemaOf } from './schema.js'
import { hasJoinedRead } from './store/driver.js'
import { GuardedStore } from './store/guard.js'
import { pruneRecords, pruneUnrecorded } from './store/prune.js'

export type {
  DeviceSession,
  LoginResult,
  LogoutReport,
  LogoutResult,
  SessionEndingInfo,
  SingleSession,
} from './api.js'
export { AUDIT_TABLE, ENDINGS_TABLE }

/**
 * Creates the session control for an app. Every option is checked here: a bad one throws a
 * SingleSessionError naming it, before the app serves a request.
 */
export function createSingleSession<User = Record<string, unknown>>(
  rawOptions: SingleSessionOptions<User>,
): SingleSession<User> {
  const options = normalizeOptions(rawOptions)
  const { storeDriver, sessionKey } = options
  if (options.backend.kind !== 'sql') throw new Error('the Redis backend is being written')
  const { sequelize } = options.backend
  if (hasJoinedRead(storeDriver)) storeDriver.attachRegistry(sequelize, options.tableName)
  const guard = new GuardedStore(storeDriver)
  const registry = new SequelizeRegistry(sequelize, options.tableName)
  const journal = new SequelizeJournal(sequelize, {
    endings: ENDINGS_TABLE,
    audit: AUDIT_TABLE,
  })
  const events = new SessionEvents()
  const control = new SessionControl(
    registry,
    guard,
    journal,
    events,
    new SqlEndWriter(storeDriver, registry, journal, guard),
  )
  const timeouts = new TimeoutSweep(registry, control)

  guard.install({
    sessionKey,
    lookup: async (sid) => {
      const record = await registry.find(sid)
      return record && { timesOutAt: record.timesOutAt }
    },
    cleaned: async () => {
      await timeouts.endAll()
      await pruneUnrecorded(storeDriver, registry, sessionKey)
      await pruneRecords(storeDriver, registry)
      await journal.pruneEndings()
    },
    timedOut: (sid) => timeouts.endIfTimedOut(sid),
    destroyed: async (sid) => {
      await registry.remove([sid])
    },
    rename: async (oldSid, newSid, expiresAt) => {
      if (!(await registry.rename(oldSid, newSid, expiresAt))) {
        log('regenerated session %s had already ended: the new one stays anonymous', oldSid)
      }
    },
  })

  const schema = schemaOf(registry, journal, storeDriver, options.tableName)
  let passportInstalled = false
  const requests = requestOperations<User>({
    options,
    registry,
    journal,
    control,
    guard,
    tableCheck: schema.tableCheck,
    passportInstalled: () => passportInstalled,
  })
  const { markerOf, login, logout } = requests

  return {
    options,
    control,
    registry,
    journal,
    login,
    logout,
    logoutUsers: async (userIds, { actor = SYSTEM_ACTOR } = {}) =>
      control.logoutUsers(normalizeUserIds(userIds), { reason: 'logged-out-by-admin', actor }),
    endSession: async (sid, { actor = SYSTEM_ACTOR } = {}) => {
      const record = await registry.find(String(sid))
      if (!record) return false
      return (await control.end([record], { reason: 'logged-out-by-admin', actor })) > 0
    },
    listSessions: (userId) => registry.list(normalizeUserId(userId)),
    userIdOf: (req) => markerOf(req)?.uid ?? null,
    endedSession: requests.endedSession,
    listDevices: requests.listDevices,
    endDevice: requests.endDevice,
    logoutOtherDevices: requests.logoutOtherDevices,
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    middleware: requests.middleware,
    sync: schema.sync,
    migrate: schema.migrate,
    ready: schema.ready,
    prune: async () => {
      const timedOut = await timeouts.endAll()
      const sessions = await storeDriver.pruneExpired()
      const unrecorded = await pruneUnrecorded(storeDriver, registry, sessionKey)
      const records = await pruneRecords(storeDriver, registry)
      const endings = await journal.pruneEndings()
      return { sessions, unrecorded, records, endings, timedOut }
    },
    passport(authenticator) {
      installPassport<User>(authenticator, options, {
        login,
        logout,
        userIdOf: (req) => markerOf(req)?.uid ?? null,
        unmark: requests.unmark,
      })
      passportInstalled = true
    },
  }
}
