import type {
  Action,
  ActionContext,
  ActionRequest,
  ActionResponse,
  Before,
  BaseRecord,
  BaseResource,
  CurrentAdmin,
  IsFunction,
  RecordJSON,
  ResourceOptions,
  ResourceWithOptions,
} from 'adminjs'
import { describeDevice } from '../core/device.js'
import { runLogout } from './logout-action.js'
import { UserSessionRecord, UserSessionResource } from './port-resources.js'
import { canLogOutAnyone } from './permissions.js'
import { refuseCrossSite } from './cross-site.js'
import {
  invalid,
  missingIds,
  normalizeAdminOptions,
  selectedRecords,
  paramsOf,
  presentRecords,
  requestedIds,
  sessionGrants,
  withTrimmedLinks,
  type Target,
} from './shared.js'
import { mergeTranslations, SESSION_TRANSLATIONS } from './translations.js'
import { linkUserResource } from './user-resource.js'
import type { UserParams, UserSessionResourceOptions } from './types.js'

export const USER_SESSION_RESOURCE_ID = 'UserSession'
export const LOGOUT_SESSION = 'logoutSession'
export const BULK_LOGOUT_SESSIONS = 'bulkLogoutSessions'

/** Columns of the sessions table that never leave the server: `sid` is a bearer credential. */
const SECRET_FIELDS = ['sid']

/**
 * The UserSession resource: everyone's recorded sessions, newest activity first, with the user,
 * the device (browser and OS), the IP and the expiry; "Log out this session" for one session
 * and for a selection. No create, edit or delete (deleting a row would not end the session).
 * No session data lives in this table, and the session id is never sent to the browser.
 *
 * ```ts
 * resources: [userSessionResource({ singleSession, componentLoader })]
 * ```
 */
export function userSessionResource(options: UserSessionResourceOptions): ResourceWithOptions {
  const normalized = normalizeAdminOptions(options, SESSION_TRANSLATIONS, mergeTranslations)
  const { singleSession } = normalized
  if (options.userResourceId !== undefined && typeof options.userResourceId !== 'string') {
    invalid('userResourceId', 'the AdminJS id of the User resource (a string)')
  }
  // Found when AdminJS builds its resources (see linkUserResource).
  let userResourceId = options.userResourceId ?? 'User'

  const mayUse: IsFunction = ({ currentAdmin }) =>
    canLogOutAnyone(sessionGrants(normalized, currentAdmin))
  const refuse: IsFunction = () => false

  const resource = new UserSessionResource(
    {
      registry: singleSession.registry,
      endSession: (sid, { actor }) => singleSession.endSession(sid, { actor }),
    },
    USER_SESSION_RESOURCE_ID,
  )

  function userResource(context: ActionContext): BaseResource {
    return context._admin.findResource(userResourceId)
  }

  function toPublicJSON(record: BaseRecord, currentAdmin?: CurrentAdmin): RecordJSON {
    return present(record.toJSON(currentAdmin))
  }

  async function targetsOf(
    records: readonly BaseRecord[],
    request: ActionRequest,
    context: ActionContext,
  ): Promise<Array<Target & { sid: string }>> {
    // The sid lives on the record the resource loaded, never in its params.
    const loaded: UserSessionRecord[] = []
    for (const record of records) {
      const own =
        record instanceof UserSessionRecord ? record : await resource.findOne(String(record.id()))
      if (own) loaded.push(own)
    }
    const ownerIds = [...new Set(loaded.map((r) => String(r.get('userId'))))]
    const owners = new Map<string, UserParams>()
    for (const owner of await userResource(context).findMany(ownerIds, context)) {
      owners.set(String(owner.id()), paramsOf(owner))
    }
    const currentSid = (request as { sessionID?: unknown }).sessionID
    return loaded.map((record) => {
      const userId = String(record.get('userId'))
      const owner = owners.get(userId)
      const sid = record.sid
      const device = describeDevice(record.get('userAgent') as string | null).label
      return {
        id: String(record.id()),
        sid,
        label: `${owner ? normalized.labelOf(owner) : `#${userId}`} (${device})`,
        // The session of a user who no longer exists is nobody's admin session.
        isAdmin: owner ? normalized.isAdmin(owner) : false,
        self: sid === currentSid,
        sessions: 1,
      }
    })
  }

  function run(
    request: ActionRequest,
    context: ActionContext,
    records: readonly BaseRecord[],
    requested: readonly string[],
  ) {
    let targets: Array<Target & { sid: string }> = []
    const selected = selectedRecords(requested, records)
    return runLogout(normalized, request, context, {
      kind: 'sessions',
      requested,
      missing: missingIds(requested, selected),
      userResource: userResource(context),
      targets: async () => (targets = await targetsOf(selected, request, context)),
      execute: async (allowed, actor) => {
        const ids = new Set(allowed.map((t) => t.id))
        let ended = 0
        for (const target of targets) {
          if (ids.has(target.id) && (await singleSession.endSession(target.sid, { actor }))) {
            ended += 1
          }
        }
        return ended
      },
    })
  }

  const common = {
    icon: 'LogOut',
    variant: 'danger',
    showInDrawer: true,
    component: normalized.component,
    isVisible: mayUse,
    isAccessible: mayUse,
    before: refuseCrossSite(normalized),
  } as const

  const logoutSession: Partial<Action<ActionResponse>> = {
    ...common,
    actionType: 'record',
    handler: async (request, _response, context) => {
      const record = context.record!
      // The id as the URL gave it: a database that compares loosely finds this record for
      // "4e0" or "+4", and that must not count as asking for it (as in a bulk selection).
      const requested = request.params.recordId ?? String(record.id())
      const outcome = await run(request, context, [record], [requested])
      return { ...outcome, record: toPublicJSON(record, context.currentAdmin) }
    },
  }

  const bulkLogoutSessions: Partial<Action<ActionResponse>> = {
    ...common,
    actionType: 'bulk',
    handler: async (request, _response, context) => {
      const records = context.records ?? []
      const outcome = await run(request, context, records, requestedIds(request))
      return { ...outcome, records: records.map((r) => toPublicJSON(r, context.currentAdmin)) }
    },
  }

  // Filtering or sorting by a hidden column would still let someone probe for it.
  const dropSecretQuery: Before = (request) => {
    const query = { ...(request.query as Record<string, unknown> | undefined) }
    for (const key of Object.keys(query)) {
      if (SECRET_FIELDS.some((field) => key === `filters.${field}` || query[key] === field)) {
        delete query[key]
      }
    }
    return Promise.resolve({ ...request, query })
  }

  const presentAll = presentRecords(present)

  const resourceOptions: ResourceOptions = {
    id: USER_SESSION_RESOURCE_ID,
    ...(options.navigation !== undefined ? { navigation: options.navigation } : {}),
    sort: { sortBy: 'lastSeenAt', direction: 'desc' },
    listProperties: [
      'userId',
      'device',
      'ip',
      'createdAt',
      'lastSeenAt',
      'expiresAt',
      'timesOutAt',
    ],
    showProperties: [
      'userId',
      'device',
      'userAgent',
      'ip',
      'createdAt',
      'lastSeenAt',
      'expiresAt',
      'timesOutAt',
    ],
    filterProperties: ['userId', 'ip', 'createdAt', 'lastSeenAt', 'expiresAt', 'timesOutAt'],
    editProperties: [],
    properties: {
      id: { isVisible: false },
      idleTimeout: { isVisible: false },
      absoluteTimeout: { isVisible: false },
      device: {
        type: 'string',
        isSortable: false,
        isVisible: { list: true, show: true, edit: false, filter: false },
      },
    },
    actions: {
      new: { isAccessible: refuse, isVisible: refuse },
      edit: { isAccessible: refuse, isVisible: refuse },
      delete: { isAccessible: refuse, isVisible: refuse },
      bulkDelete: { isAccessible: refuse, isVisible: refuse },
      list: { before: [dropSecretQuery], after: [presentAll] },
      search: { before: [dropSecretQuery], after: [presentAll] },
      show: { after: [presentAll] },
      [LOGOUT_SESSION]: logoutSession,
      [BULK_LOGOUT_SESSIONS]: bulkLogoutSessions,
    },
    translations: normalized.translations as ResourceOptions['translations'],
  }

  return {
    resource,
    options: resourceOptions,
    features: [linkUserResource(options.userResourceId, (id) => (userResourceId = id))],
  }
}

/**
 * Adds the device label and removes the session id from a record sent to the browser. The
 * linked user keeps only its id and title: the User record's other fields (a password hash,
 * say) have no business in the sessions list.
 */
function present(record: RecordJSON): RecordJSON {
  const params: Record<string, unknown> = { ...record.params }
  for (const field of SECRET_FIELDS) delete params[field]
  const userAgent = params.userAgent
  params.device = describeDevice(typeof userAgent === 'string' ? userAgent : null).label
  return withTrimmedLinks({ ...record, params })
}
