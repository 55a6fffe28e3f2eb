import type { ActionContext, ActionRequest } from 'adminjs'
import type { Actor } from '../core/ending.js'
import { canLogOutAnyone, partitionTargets } from './permissions.js'
import {
  actorOf,
  capitalize,
  freshGrants,
  listOf,
  noticeOf,
  refusal,
  summary,
  translatorFor,
  type Notice,
  type NormalizedAdminOptions,
  type Target,
} from './shared.js'
import type { Translate } from './translations.js'
import type { LogoutSummary } from './types.js'

/** What differs between logging out users (User feature) and sessions (UserSession resource). */
export interface LogoutKind {
  kind: 'users' | 'sessions'
  /** Ids the request named (a bulk selection or the one record). */
  requested: readonly string[]
  /** Requested ids that matched no record. */
  missing: readonly string[]
  /** The records as targets (may query the database). */
  targets(): Promise<Target[]>
  /** Ends the allowed targets' sessions; resolves to how many ended. */
  execute(allowed: readonly Target[], actor: Actor): Promise<number>
  /** Where the acting admin's current User record lives, for the permission re-check. */
  userResource: Parameters<typeof freshGrants>[2]
}

export interface LogoutOutcome {
  notice?: Notice
  redirectUrl?: string
  singleSession: LogoutSummary
}

/**
 * GET previews, POST acts. The permission is re-read from the database on both, so the preview
 * shows what the POST will do, and a permission revoked since login no longer works.
 */
export async function runLogout(
  options: NormalizedAdminOptions,
  request: ActionRequest,
  context: ActionContext,
  kind: LogoutKind,
): Promise<LogoutOutcome> {
  const resourceId = context.resource.decorate().id()
  const t = translatorFor(options, context)
  if (kind.requested.length === 0) return refusal(t('noneSelected'), resourceId)
  if (kind.requested.length > options.maxRecords) {
    return refusal(
      t('tooMany', { max: options.maxRecords, count: kind.requested.length }),
      resourceId,
    )
  }
  const grants = await freshGrants(options, context, kind.userResource)
  if (!canLogOutAnyone(grants)) return refusal(t('notPermitted'), resourceId)

  const { allowed, skipped } = partitionTargets(grants, await kind.targets())
  const { missing } = kind

  if (request.method !== 'post') {
    const text = previewText(t, kind.kind, allowed, skipped, missing)
    return { singleSession: summary('preview', text, allowed, skipped, missing) }
  }

  const ended = allowed.length > 0 ? await kind.execute(allowed, actorOf(context.currentAdmin)) : 0
  const parts: string[] = []
  if (kind.kind === 'users') {
    parts.push(
      allowed.length > 0
        ? t('usersLoggedOut', {
            count: allowed.length,
            sessions: t('sessionCount', { count: ended }),
          })
        : t('nobodyLoggedOut'),
    )
  } else {
    parts.push(
      allowed.length > 0 ? t('sessionsLoggedOut', { count: ended }) : t('noSessionLoggedOut'),
    )
  }
  if (skipped.length > 0) {
    parts.push(
      t(kind.kind === 'users' ? 'adminsSkipped' : 'adminSessionsSkipped', {
        count: skipped.length,
        list: listOf(
          t,
          skipped.map((s) => s.label),
        ),
      }),
    )
  }
  if (missing.length > 0) {
    parts.push(t('notFound', { count: missing.length, list: listOf(t, missing) }))
  }
  const self = allowed.some((target) => target.self)
  if (self) parts.push(t('selfLoggedOut'))
  const text = capitalize(parts.join('; '))
  const type =
    allowed.length === 0 ? 'error' : skipped.length + missing.length > 0 ? 'info' : 'success'
  const done = summary('done', text, allowed, skipped, missing)
  done.sessions = ended
  return {
    notice: noticeOf(text, type, resourceId),
    redirectUrl: self
      ? context.h.loginUrl()
      : context.h.resourceUrl({ resourceId, search: '?refresh=true' }),
    singleSession: done,
  }
}

function previewText(
  t: Translate,
  kind: LogoutKind['kind'],
  allowed: readonly Target[],
  skipped: readonly Target[],
  missing: readonly string[],
): string {
  const sentences: string[] = []
  const sessions = allowed.reduce((sum, target) => sum + target.sessions, 0)
  if (allowed.length === 0) sentences.push(t('willLogOutNobody'))
  else if (kind === 'users') {
    sentences.push(
      t('willLogOutUsers', {
        count: allowed.length,
        sessions: t('sessionCount', { count: sessions }),
      }),
    )
  } else sentences.push(t('willLogOutSessions', { count: allowed.length }))
  if (skipped.length > 0) {
    sentences.push(
      t(kind === 'users' ? 'willSkipAdmins' : 'willSkipAdminSessions', {
        count: skipped.length,
        list: listOf(
          t,
          skipped.map((s) => s.label),
        ),
      }),
    )
  }
  if (missing.length > 0) {
    sentences.push(t('willNotFind', { count: missing.length, list: listOf(t, missing) }))
  }
  if (allowed.some((target) => target.self)) sentences.push(t('selfWillBeLoggedOut'))
  return sentences.join(' ')
}
