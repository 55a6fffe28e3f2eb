import {
  buildFeature,
  type Action,
  type ActionContext,
  type ActionRequest,
  type ActionResponse,
  type BaseRecord,
  type FeatureType,
  type IsFunction,
  type ResourceOptions,
} from 'adminjs'
import { normalizeUserId } from '../core/user-id.js'
import { isSingleSessionError } from '../errors.js'
import type { SessionRequest } from '../express/session-io.js'
import { assertAdminField } from './admin-field.js'
import { refuseCrossSite } from './cross-site.js'
import { endSessionsOfDeleted } from './deleted-users.js'
import { runLogout } from './logout-action.js'
import { canLogOut, canLogOutAnyone } from './permissions.js'
import {
  invalid,
  missingIds,
  selectedRecords,
  normalizeAdminOptions,
  paramsOf,
  requestedIds,
  sessionGrants,
  type Target,
} from './shared.js'
import { markUserFeature } from './resource-entries.js'
import { mergeTranslations, USER_TRANSLATIONS } from './translations.js'
import type { SingleSessionFeatureOptions, UserParams } from './types.js'

export const LOGOUT_ALL_SESSIONS = 'logoutAllSessions'
export const BULK_LOGOUT_ALL_SESSIONS = 'bulkLogoutAllSessions'

/**
 * The feature for your User resource: "Log out the user on all sessions" as a record action
 * (`logoutAllSessions`) and a bulk action (`bulkLogoutAllSessions`).
 *
 * Holders of `logout` may log out users who are not admins; only holders of `logout_all` may log
 * out admins. GET shows what would happen; only POST does it. The permission is re-read from the
 * database when the action runs.
 *
 * ```ts
 * resources: [{ resource: User, options: { id: 'User' },
 *   features: [singleSessionFeature({ singleSession, componentLoader })] }]
 * ```
 */
export function singleSessionFeature(options: SingleSessionFeatureOptions): FeatureType {
  const normalized = normalizeAdminOptions(options, USER_TRANSLATIONS, mergeTranslations)
  const { singleSession } = normalized
  const userIdOf = options.userIdOf
  if (userIdOf !== undefined && typeof userIdOf !== 'function') invalid('userIdOf', 'a function')

  const mayUse: IsFunction = ({ currentAdmin }) =>
    canLogOutAnyone(sessionGrants(normalized, currentAdmin))
  // On a record (its row and show page), the button shows only when this admin may target it.
  const mayTarget: IsFunction = ({ currentAdmin, record }) => {
    const grants = sessionGrants(normalized, currentAdmin)
    return record
      ? canLogOut(grants, normalized.isAdmin(paramsOf(record)))
      : canLogOutAnyone(grants)
  }

  /** The user id the record's sessions are recorded under; null when it has no usable one. */
  function sessionUserIdOf(record: BaseRecord): string | null {
    try {
      return normalizeUserId(userIdOf ? userIdOf(paramsOf(record)) : record.id())
    } catch (error) {
      if (!isSingleSessionError(error, 'INVALID_USER_ID')) throw error
      return null // a user with no usable id has no sessions to end
    }
  }

  async function targetsOf(
    records: readonly BaseRecord[],
    request: ActionRequest,
    context: ActionContext,
  ): Promise<Target[]> {
    const selfUserId = singleSession.userIdOf(request as unknown as SessionRequest)
    const adminId = context.currentAdmin?.id as unknown
    const selfRecordId =
      typeof adminId === 'string' || typeof adminId === 'number' ? String(adminId) : null
    const users = records.map((record) => ({
      record,
      params: paramsOf(record),
      userId: sessionUserIdOf(record),
    }))
    const counts = await sessionCounts(users.flatMap((u) => (u.userId ? [u.userId] : [])))
    return users.map(({ record, params, userId }) => ({
      id: String(record.id()),
      userId,
      label: normalized.labelOf(params),
      isAdmin: normalized.isAdmin(params),
      self:
        (userId !== null && userId === selfUserId) ||
        (selfRecordId !== null && selfRecordId === String(record.id())),
      sessions: userId ? (counts.get(userId) ?? 0) : 0,
    }))
  }

  async function sessionCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map()
    return singleSession.registry.countByUser(userIds)
  }

  function run(
    request: ActionRequest,
    context: ActionContext,
    records: readonly BaseRecord[],
    requested: readonly string[],
  ) {
    const selected = selectedRecords(requested, records)
    return runLogout(normalized, request, context, {
      kind: 'users',
      requested,
      missing: missingIds(requested, selected),
      userResource: context.resource,
      targets: () => targetsOf(selected, request, context),
      execute: async (allowed, actor) => {
        const ids = allowed.flatMap((t) => (t as Target & { userId: string | null }).userId ?? [])
        if (ids.length === 0) return 0
        return (await singleSession.logoutUsers(ids, { actor })).sessions
      },
    })
  }

  const crossSite = refuseCrossSite(normalized)
  const endSessions = endSessionsOfDeleted(normalized, sessionUserIdOf)

  const common = {
    before: crossSite,
    icon: 'LogOut',
    variant: 'danger',
    showInDrawer: true,
    component: normalized.component,
  } as const

  const recordAction: Partial<Action<ActionResponse>> = {
    ...common,
    actionType: 'record',
    isVisible: mayTarget,
    isAccessible: mayUse,
    handler: async (request, _response, context) => {
      const record = context.record!
      // The id as the URL gave it: a database that compares loosely finds this record for
      // "4e0" or "+4", and that must not count as asking for it (as in a bulk selection).
      const requested = request.params.recordId ?? String(record.id())
      const outcome = await run(request, context, [record], [requested])
      return { ...outcome, record: record.toJSON(context.currentAdmin) }
    },
  }

  const bulkAction: Partial<Action<ActionResponse>> = {
    ...common,
    actionType: 'bulk',
    isVisible: mayUse,
    isAccessible: mayUse,
    handler: async (request, _response, context) => {
      const records = context.records ?? []
      const outcome = await run(request, context, records, requestedIds(request))
      return { ...outcome, records: records.map((r) => r.toJSON(context.currentAdmin)) }
    },
  }

  const built = buildFeature({
    actions: {
      [LOGOUT_ALL_SESSIONS]: recordAction,
      [BULK_LOGOUT_ALL_SESSIONS]: bulkAction,
      // Deleting a user ends their sessions; the stock actions stay AdminJS's otherwise.
      delete: { before: [crossSite], after: [endSessions] },
      bulkDelete: { before: [crossSite], after: [endSessions] },
    },
    translations: normalized.translations as ResourceOptions['translations'],
  })
  const feature: FeatureType = (admin, previous) => {
    if (options.isAdmin === undefined) assertAdminField(admin, feature)
    return built(admin, previous)
  }
  return markUserFeature(feature)
}

export type { UserParams }
