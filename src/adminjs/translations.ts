/**
 * English labels and messages. They are AdminJS resource translations (`resources.<id>.…`), so
 * the panel looks them up like its own; override any of them with the `translations` option of
 * the feature or of the resource. Plural forms use i18next's `_one` / `_other` suffixes.
 */

/** One language's block, in AdminJS's `LocaleTranslationsBlock` shape. */
export interface TranslationBlock {
  actions?: Record<string, string>
  buttons?: Record<string, string>
  labels?: Record<string, string>
  messages?: Record<string, string>
  properties?: Record<string, string>
  [key: string]: Record<string, string> | undefined
}

/** Per language: `{ en: { messages: { ... } } }`. */
export type Translations = Record<string, TranslationBlock>

/** Messages shared by both resources' notices and confirmations. */
const MESSAGES = {
  singleSessionNotice: '{{text}}',
  usersLoggedOut_one: '{{count}} user logged out ({{sessions}})',
  usersLoggedOut_other: '{{count}} users logged out ({{sessions}})',
  sessionsLoggedOut_one: '{{count}} session logged out',
  sessionsLoggedOut_other: '{{count}} sessions logged out',
  sessionCount_one: '{{count}} session',
  sessionCount_other: '{{count}} sessions',
  nobodyLoggedOut: 'Nobody was logged out',
  noSessionLoggedOut: 'No session was logged out',
  adminsSkipped_one: '{{count}} admin skipped: {{list}} (needs logout_all)',
  adminsSkipped_other: '{{count}} admins skipped: {{list}} (needs logout_all)',
  adminSessionsSkipped_one: "{{count}} admin's session skipped: {{list}} (needs logout_all)",
  adminSessionsSkipped_other: "{{count}} admins' sessions skipped: {{list}} (needs logout_all)",
  notFound_one: '{{count}} id not found: {{list}}',
  notFound_other: '{{count}} ids not found: {{list}}',
  selfLoggedOut: 'you logged yourself out too: sign in again',
  selfWillBeLoggedOut: 'You are in this selection: you will be logged out too.',
  andMore: '{{list}} and {{count}} more',
  noneSelected: 'Select at least one record; nothing was done',
  tooMany: 'Select at most {{max}} records at a time ({{count}} selected); nothing was done',
  invalidIds: 'These are not valid ids: {{list}}; nothing was done',
  notPermitted:
    'You are not allowed to log anyone out (needs logout or logout_all); nothing was done',
  willLogOutUsers_one: '{{count}} user will be logged out on all sessions ({{sessions}}).',
  willLogOutUsers_other: '{{count}} users will be logged out on all sessions ({{sessions}}).',
  willLogOutSessions_one: '{{count}} session will be logged out.',
  willLogOutSessions_other: '{{count}} sessions will be logged out.',
  willLogOutNobody: 'Nobody can be logged out with this selection.',
  willSkipAdmins_one: '{{count}} admin will be skipped: {{list}} (needs logout_all).',
  willSkipAdmins_other: '{{count}} admins will be skipped: {{list}} (needs logout_all).',
  willSkipAdminSessions_one:
    "{{count}} admin's session will be skipped: {{list}} (needs logout_all).",
  willSkipAdminSessions_other:
    "{{count}} admins' sessions will be skipped: {{list}} (needs logout_all).",
  willNotFind_one: '{{count}} id was not found: {{list}}.',
  willNotFind_other: '{{count}} ids were not found: {{list}}.',
  crossSite:
    'Refused: this request came from another site ({{from}}), not from this panel; nothing was done',
} as const

/** Defaults for the User resource (the feature). */
export const USER_TRANSLATIONS: Translations = {
  en: {
    actions: {
      logoutAllSessions: 'Log out the user on all sessions',
      bulkLogoutAllSessions: 'Log out the user on all sessions',
    },
    buttons: {
      confirmLogoutAllSessions: 'Log out',
      cancelLogout: 'Cancel',
    },
    labels: {
      logoutTargets: 'Users',
      logoutSessions: 'Sessions',
      logoutSkipped: 'Skipped',
    },
    messages: { ...MESSAGES },
  },
}

/** Defaults for the UserSession resource. */
export const SESSION_TRANSLATIONS: Translations = {
  en: {
    labels: { UserSession: 'Sessions' },
    actions: {
      logoutSession: 'Log out this session',
      bulkLogoutSessions: 'Log out this session',
    },
    buttons: {
      confirmLogoutAllSessions: 'Log out',
      cancelLogout: 'Cancel',
    },
    properties: {
      userId: 'User',
      createdAt: 'Signed in',
      lastSeenAt: 'Last seen',
      expiresAt: 'Expires',
      timesOutAt: 'Times out',
      device: 'Device',
      ip: 'IP address',
    },
    messages: { ...MESSAGES },
  },
}

/**
 * The panel's login page, when the cookie named a session the library ended (see
 * `explainEndedSessions()`): one sentence per reason. `{{device}}` is the new login's device,
 * `{{time}}` when the session ended (HH:MM, UTC).
 */
const LOGIN_MESSAGES = {
  endedSignedInElsewhere:
    'You were signed out because your account signed in on {{device}} at {{time}} UTC.',
  endedLoggedOutEverywhere: 'You were signed out because your account signed out everywhere.',
  endedLoggedOutByAdmin: 'You were signed out by an administrator at {{time}} UTC.',
  endedRevokedByUser: 'This device was signed out from your list of devices.',
  endedIdleTimeout: 'You were signed out after a period of inactivity. Please sign in again.',
  endedAbsoluteTimeout:
    'Your session reached its maximum length and was ended. Please sign in again.',
  endedDeniedByLimit:
    'This account is already signed in on the maximum number of devices. Sign out there first.',
} as const

export type LoginMessageKey = keyof typeof LOGIN_MESSAGES

/** Defaults for the panel's login page (global AdminJS messages, not a resource's). */
export const LOGIN_TRANSLATIONS: Translations = { en: { messages: { ...LOGIN_MESSAGES } } }

/** Deep-merges `overrides` over `defaults`, per language and per section. */
export function mergeTranslations(defaults: Translations, overrides?: Translations): Translations {
  const merged: Translations = {}
  for (const language of new Set([...Object.keys(defaults), ...Object.keys(overrides ?? {})])) {
    const base = defaults[language] ?? {}
    const extra = overrides?.[language] ?? {}
    const block: TranslationBlock = {}
    for (const section of new Set([...Object.keys(base), ...Object.keys(extra)])) {
      block[section] = { ...base[section], ...extra[section] }
    }
    merged[language] = block
  }
  return merged
}

export type MessageKey = keyof typeof MESSAGES extends infer K
  ? K extends `${infer Base}_${'one' | 'other'}`
    ? Base
    : K
  : never

/**
 * Renders a message on the server, the way i18next would on the client: `_one` / `_other` by
 * `count`, then `{{name}}` interpolation (values are inserted as they are, never re-parsed).
 */
export type Translate<Key extends string = MessageKey> = (
  key: Key,
  values?: Record<string, string | number>,
) => string

export function translator<Key extends string = MessageKey>(
  translations: Translations,
  language = 'en',
): Translate<Key> {
  const messages = { ...translations.en?.messages, ...translations[language]?.messages }
  return (key, values = {}) => {
    const count = values.count
    const template =
      (typeof count === 'number'
        ? messages[`${key}_${count === 1 ? 'one' : 'other'}`]
        : undefined) ??
      messages[key] ??
      key
    return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name: string) =>
      name in values ? String(values[name]) : match,
    )
  }
}
