import type { ActionResponse, After, BaseRecord } from 'adminjs'
import { actorOf, type NormalizedAdminOptions } from './shared.js'

/**
 * An `after` hook for AdminJS's `delete` and `bulkDelete`: a deleted user is logged out on all
 * sessions (reason `logged-out-by-admin`, the acting admin as actor), so that the deletion also
 * ends what the user was signed in to. Runs only when the deletion succeeded: AdminJS skips
 * after hooks when its handler throws (a bulk delete that failed part-way).
 */
export function endSessionsOfDeleted(
  options: NormalizedAdminOptions,
  userIdOfRecord: (record: BaseRecord) => string | null,
): After<ActionResponse> {
  return async (response, request, context) => {
    const notice = (response as { notice?: { type?: unknown } }).notice
    if (request.method !== 'post' || notice?.type !== 'success') return response
    const records = context.record ? [context.record] : (context.records ?? [])
    const userIds = records.flatMap((record) => userIdOfRecord(record) ?? [])
    if (userIds.length > 0) {
      await options.singleSession.logoutUsers(userIds, { actor: actorOf(context.currentAdmin) })
    }
    return response
  }
}
