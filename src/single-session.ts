import type { SingleSession } from './api.js'
import { EndWatch } from './core/end-watch.js'
import { SYSTEM_ACTOR } from './core/ending.js'
import { SessionEvents } from './core/events.js'
import { SessionControl } from './core/session-control.js'
import { TimeoutSweep } from './core/timeout-sweep.js'
import { normalizeUserId, normalizeUserIds } from './core/user-id.js'
import { eventsScriptHandler } from './express/events-script.js'
import { eventsHandler } from './express/events.js'
import { installPassport } from './express/passport.js'
import { requestOperations } from './express/requests.js'
import { log } from './log.js'
import { normalizeOptions, type SingleSessionOptions } from './options.js'
import { redisBackend } from './registry/redis/backend.js'
import { sqlBackend } from './registry/sequelize/backend.js'
import { AUDIT_TABLE, ENDINGS_TABLE } from './schema.js'
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
  const guard = new GuardedStore(storeDriver)
  const backend =
    options.backend.kind === 'redis'
      ? redisBackend(options.backend, storeDriver, guard, options.lastSeenInterval)
      : sqlBackend(options.backend.sequelize, options.tableName, storeDriver, guard)
  const { registry, journal, schema } = backend
  const events = new SessionEvents()
  const watch: EndWatch = new EndWatch({
    registry,
    journal,
    notices: backend.notices,
    endIfTimedOut: (sid): Promise<boolean> => timeouts.endIfTimedOut(sid),
    limits: options.events,
  })
  const control: SessionControl = new SessionControl(
    registry,
    guard,
    journal,
    events,
    backend.endWriter,
    watch,
  )
  const timeouts: TimeoutSweep = new TimeoutSweep(registry, control)

  guard.install({
    sessionKey,
    lookupAlongside: backend.lookupAlongside,
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
      // Only a recorded session is news to a stream (not the anonymous one a login replaces).
      if ((await registry.remove([sid])) > 0) await watch.ended([sid])
    },
    rename: async (oldSid, newSid, expiresAt) => {
      watch.renamed(oldSid)
      if (!(await registry.rename(oldSid, newSid, expiresAt))) {
        log('regenerated session %s had already ended: the new one stays anonymous', oldSid)
      }
    },
  })

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
    eventsHandler: () =>
      eventsHandler({
        events: options.events,
        watch,
        markerOf,
        endedSession: requests.endedSession,
      }),
    eventsScript: (scriptOptions) => eventsScriptHandler(scriptOptions),
    closeEvents: () => watch.close(),
    eventsStats: () => watch.size,
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
