import type { IsFunction, ResourceOptions, ResourceWithOptions } from 'adminjs'
import { ACTOR_KINDS, SESSION_END_REASONS } from '../core/ending.js'
import { canLogOutAnyone } from './permissions.js'
import { SessionAuditResource } from './port-resources.js'
import { normalizeAdminOptions, presentRecords, sessionGrants, withTrimmedLinks } from './shared.js'
import { mergeTranslations, type Translations } from './translations.js'
import type { UserSessionResourceOptions } from './types.js'

export const SESSION_AUDIT_RESOURCE_ID = 'SessionAudit'

/** Defaults for the audit trail. */
export const AUDIT_TRANSLATIONS: Translations = {
  en: {
    labels: { SessionAudit: 'Session audit' },
    properties: {
      at: 'When',
      userId: 'User',
      event: 'What happened',
      sessions: 'Sessions ended',
      actorKind: 'Done by',
      actorId: 'Admin or user',
      actorLabel: 'Actor',
      detail: 'Detail',
      sessionRefs: 'Session references',
    },
  },
}

/**
 * The audit trail as a read-only AdminJS resource: newest first, filterable by user, by actor
 * and by event. Only admins who may log users out (`logout` or `logout_all`) see it.
 *
 * ```ts
 * resources: [sessionAuditResource({ singleSession, componentLoader })]
 * ```
 */
export function sessionAuditResource(options: UserSessionResourceOptions): ResourceWithOptions {
  const normalized = normalizeAdminOptions(options, AUDIT_TRANSLATIONS, mergeTranslations)
  const userResourceId = options.userResourceId ?? 'User'
  const mayRead: IsFunction = ({ currentAdmin }) =>
    canLogOutAnyone(sessionGrants(normalized, currentAdmin))
  const refuse: IsFunction = () => false

  // Linked users carry their id and title only, never their other fields.
  const trimLinks = presentRecords(withTrimmedLinks)

  const resourceOptions: ResourceOptions = {
    id: SESSION_AUDIT_RESOURCE_ID,
    ...(options.navigation !== undefined ? { navigation: options.navigation } : {}),
    sort: { sortBy: 'at', direction: 'desc' },
    listProperties: ['at', 'userId', 'event', 'sessions', 'actorKind', 'actorLabel', 'detail'],
    showProperties: [
      'at',
      'userId',
      'event',
      'sessions',
      'actorKind',
      'actorId',
      'actorLabel',
      'detail',
      'sessionRefs',
    ],
    filterProperties: ['userId', 'actorId', 'actorKind', 'event', 'at'],
    editProperties: [],
    properties: {
      id: { isVisible: false },
      userId: { reference: userResourceId },
      actorId: { reference: userResourceId },
      event: { availableValues: SESSION_END_REASONS.map((value) => ({ value, label: value })) },
      actorKind: {
        availableValues: ACTOR_KINDS.map((value) => ({ value, label: value })),
      },
    },
    actions: {
      list: { isAccessible: mayRead, isVisible: mayRead, after: [trimLinks] },
      search: { isAccessible: mayRead, isVisible: mayRead, after: [trimLinks] },
      show: { isAccessible: mayRead, isVisible: mayRead, after: [trimLinks] },
      new: { isAccessible: refuse, isVisible: refuse },
      edit: { isAccessible: refuse, isVisible: refuse },
      delete: { isAccessible: refuse, isVisible: refuse },
      bulkDelete: { isAccessible: refuse, isVisible: refuse },
    },
    translations: normalized.translations as ResourceOptions['translations'],
  }
  return {
    resource: new SessionAuditResource(normalized.singleSession.journal, SESSION_AUDIT_RESOURCE_ID),
    options: resourceOptions,
  }
}
