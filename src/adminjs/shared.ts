import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  flat,
  type ActionContext,
  type ActionRequest,
  type BaseRecord,
  type BaseResource,
  type CurrentAdmin,
  type ActionResponse,
  type After,
  type RecordJSON,
} from 'adminjs'
import type { Actor } from '../core/ending.js'
import { ErrorCodes, SingleSessionError } from '../errors.js'
import { normalizeTrustedOrigins } from './cross-site.js'
import { canLogOutAnyone, grantsFrom, NO_GRANTS, type Grants } from './permissions.js'
import { translator, type Translate, type Translations } from './translations.js'
import type { LogoutSummary, SingleSessionAdminOptions, UserParams } from './types.js'

export const CONFIRM_COMPONENT = 'SingleSessionConfirm'

/** The options with every default filled in, checked once at creation. */
export interface NormalizedAdminOptions extends Required<
  Omit<SingleSessionAdminOptions, 'loadAdmin' | 'translations' | 'trustedOrigins'>
> {
  loadAdmin: SingleSessionAdminOptions['loadAdmin'] | null
  trustedOrigins: readonly string[]
  translations: Translations
  component: string
}

export function invalid(option: string, expected: string): never {
  throw new SingleSessionError(
    ErrorCodes.INVALID_OPTION,
    `adminjs-single-session: the AdminJS option \`${option}\` must be ${expected}`,
  )
}

function optionalFunction<F>(value: F | undefined, name: string, fallback: F): F {
  if (value === undefined) return fallback
  if (typeof value !== 'function') invalid(name, 'a function')
  return value
}

export const defaultIsAdmin = (user: UserParams): boolean =>
  user.role === 'admin' || user.isAdmin === true || user.admin === true

export const defaultPermissionsOf = (admin: UserParams): unknown => admin.permissions

export const defaultLabelOf = (user: UserParams): string => {
  for (const key of ['email', 'name'] as const) {
    const value = user[key]
    if (typeof value === 'string' && value.length > 0) return value
  }
  const id = user.id
  return typeof id === 'string' || typeof id === 'number' ? `#${id}` : 'unknown user'
}

export function normalizeAdminOptions(
  options: SingleSessionAdminOptions,
  translations: Translations,
  mergeTranslations: (defaults: Translations, extra?: Translations) => Translations,
): NormalizedAdminOptions {
  if (!options || typeof options !== 'object') invalid('options', 'an object')
  const { singleSession, componentLoader } = options
  if (!singleSession || typeof singleSession.logoutUsers !== 'function') {
    invalid('singleSession', 'the object createSingleSession() returned')
  }
  if (!componentLoader || typeof componentLoader.add !== 'function') {
    invalid('componentLoader', 'the ComponentLoader you pass to new AdminJS()')
  }
  const maxRecords = options.maxRecords ?? 1000
  if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) {
    invalid('maxRecords', 'an integer >= 1')
  }
  if (options.translations !== undefined && typeof options.translations !== 'object') {
    invalid('translations', 'an object keyed by language')
  }
  return {
    singleSession,
    componentLoader,
    isAdmin: optionalFunction(options.isAdmin, 'isAdmin', defaultIsAdmin),
    permissionsOf: optionalFunction(options.permissionsOf, 'permissionsOf', defaultPermissionsOf),
    loadAdmin: optionalFunction(options.loadAdmin, 'loadAdmin', null),
    labelOf: optionalFunction(options.labelOf, 'labelOf', defaultLabelOf),
    maxRecords,
    trustedOrigins: normalizeTrustedOrigins(options.trustedOrigins),
    translations: mergeTranslations(translations, options.translations),
    component: registerConfirmComponent(componentLoader),
  }
}

/** Adds the confirmation screen to the developer's ComponentLoader once. */
function registerConfirmComponent(loader: SingleSessionAdminOptions['componentLoader']): string {
  if (!loader.getComponents()[CONFIRM_COMPONENT]) {
    // Built package: the compiled .js next to this file; from source (tsx): the .tsx.
    const base = new URL('./components/single-session-confirm', import.meta.url)
    const js = fileURLToPath(`${base.href}.js`)
    loader.add(CONFIRM_COMPONENT, existsSync(js) ? js : fileURLToPath(`${base.href}.tsx`))
  }
  return CONFIRM_COMPONENT
}

/** A record's fields as a plain object (`permissions.0` → `permissions: [...]`). */
export function paramsOf(record: BaseRecord): UserParams {
  const { unflatten } = flat as unknown as { unflatten: (params: unknown) => unknown }
  return unflatten(record.params) as UserParams
}

/** Grants from the copy of the admin in the session: for isVisible / isAccessible (sync). */
export function sessionGrants(
  options: NormalizedAdminOptions,
  currentAdmin: CurrentAdmin | undefined,
): Grants {
  if (!currentAdmin) return NO_GRANTS
  return grantsFrom(options.permissionsOf(currentAdmin))
}

/** Grants read from the database now: the acting admin's current User record. */
export async function freshGrants(
  options: NormalizedAdminOptions,
  context: ActionContext,
  userResource: BaseResource | null,
): Promise<Grants> {
  const { currentAdmin } = context
  if (!currentAdmin) return NO_GRANTS
  let admin: UserParams | null = null
  if (options.loadAdmin) {
    admin = await options.loadAdmin(currentAdmin, context)
  } else {
    const id = currentAdmin.id as unknown
    if (!userResource || (typeof id !== 'string' && typeof id !== 'number')) return NO_GRANTS
    let record: BaseRecord | null = null
    try {
      record = await userResource.findOne(String(id), context)
    } catch {
      return NO_GRANTS // an id the database cannot even compare: no such admin
    }
    admin = record ? paramsOf(record) : null
  }
  return admin ? grantsFrom(options.permissionsOf(admin)) : NO_GRANTS
}

export function actorOf(currentAdmin: CurrentAdmin | undefined): Actor {
  const id = currentAdmin?.id as unknown
  return {
    kind: 'admin',
    id: typeof id === 'string' || typeof id === 'number' ? String(id) : null,
    label: typeof currentAdmin?.email === 'string' ? currentAdmin.email : null,
  }
}

/** The ids of a bulk request, as sent: trimmed, de-duplicated, empty ones dropped. */
export function requestedIds(request: ActionRequest): string[] {
  const raw = (request.query as Record<string, unknown> | undefined)?.recordIds
  const text = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join(',') : ''
  return [...new Set(text.split(',').map((id) => id.trim()))].filter((id) => id.length > 0)
}

/** The canonical form of an id as sent: '007' is 7 on a numeric key. */
function canonicalId(id: string): string {
  return /^\d{1,15}$/.test(id) ? String(Number(id)) : id
}

/**
 * The loaded records that were really asked for. Some databases compare loosely (MariaDB finds
 * record 1 for "1' OR 1=1"): a record counts as selected only if one requested id is its id.
 */
export function selectedRecords(
  requested: readonly string[],
  records: readonly BaseRecord[],
): BaseRecord[] {
  const wanted = new Set(requested.map(canonicalId))
  return records.filter((record) => wanted.has(canonicalId(String(record.id()))))
}

/** Requested ids that no selected record answers to. */
export function missingIds(requested: readonly string[], records: readonly BaseRecord[]): string[] {
  const found = new Set(records.map((r) => canonicalId(String(r.id()))))
  return requested.filter((id) => !found.has(canonicalId(id)))
}

export function translatorFor(options: NormalizedAdminOptions, context: ActionContext): Translate {
  const locale = context._admin?.options?.locale as { language?: unknown } | undefined
  const language = typeof locale?.language === 'string' ? locale.language : 'en'
  return translator(options.translations, language)
}

/** "a, b, c and 2 more": at most `max` names. */
export function listOf(t: Translate, names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ')
  return names.length > max ? t('andMore', { list: shown, count: names.length - max }) : shown
}

/** AdminJS's NoticeMessage, as this integration sends it. */
export interface Notice {
  message: string
  options: { text: string; defaultValue: string }
  resourceId: string
  type: 'success' | 'info' | 'error'
}

/** A notice that shows `text` as it is: translated on the client through a `{{text}}` key. */
export function noticeOf(text: string, type: Notice['type'], resourceId: string): Notice {
  return {
    message: 'singleSessionNotice',
    options: { text, defaultValue: '{{text}}' },
    resourceId,
    type,
  }
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** One target of a logout: a user (feature) or a session (UserSession resource). */
export interface Target {
  id: string
  label: string
  isAdmin: boolean
  self: boolean
  /** Sessions that end with it. */
  sessions: number
}

export function summary(
  phase: LogoutSummary['phase'],
  text: string,
  allowed: readonly Target[],
  skipped: readonly Target[],
  missing: readonly string[],
): LogoutSummary {
  return {
    phase,
    text,
    targets: allowed.map(({ id, label, sessions, self }) => ({ id, label, sessions, self })),
    skipped: skipped.map(({ id, label }) => ({ id, label })),
    missing: [...missing],
    sessions: allowed.reduce((sum, target) => sum + target.sessions, 0),
    self: allowed.some((target) => target.self),
    canProceed: allowed.length > 0,
  }
}

/** A refusal: nothing done, an error notice, and a summary that says so. */
export function refusal(text: string, resourceId: string) {
  return {
    notice: noticeOf(text, 'error', resourceId),
    singleSession: { ...summary('preview', text, [], [], []), canProceed: false },
  }
}

export { canLogOutAnyone }

/** A record as the browser may see it: linked records keep their id and title, nothing else. */
export function withTrimmedLinks(record: RecordJSON): RecordJSON {
  const populated: RecordJSON['populated'] = {}
  for (const [key, linked] of Object.entries(record.populated ?? {})) {
    populated[key] = linked && { ...linked, params: { id: linked.id }, populated: {} }
  }
  return { ...record, populated }
}

/** An `after` hook that passes every record of a list, search or show response through `present`. */
export function presentRecords(present: (record: RecordJSON) => RecordJSON): After<ActionResponse> {
  return (response) => {
    const { records, record } = response as { records?: RecordJSON[]; record?: RecordJSON }
    return Promise.resolve({
      ...response,
      ...(records ? { records: records.map(present) } : {}),
      ...(record ? { record: present(record) } : {}),
    })
  }
}
