/**
 * Who may log whom out. Pure functions: no AdminJS, no database.
 *
 * - `logout` lets an admin log out users who are not admins;
 * - `logout_all` lets an admin log out anyone, admins included.
 */

export const PERMISSION_LOGOUT = 'logout'
export const PERMISSION_LOGOUT_ALL = 'logout_all'

export interface Grants {
  /** May log out users who are not admins. */
  logout: boolean
  /** May log out anyone, admins included. */
  logoutAll: boolean
}

export const NO_GRANTS: Grants = { logout: false, logoutAll: false }

/** Reads a permissions list (array of strings, or a JSON text of one) into grants. */
export function grantsFrom(permissions: unknown): Grants {
  let list: unknown = permissions
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list)
    } catch {
      return NO_GRANTS
    }
  }
  if (!Array.isArray(list)) return NO_GRANTS
  const names = new Set(list.filter((p): p is string => typeof p === 'string'))
  return { logout: names.has(PERMISSION_LOGOUT), logoutAll: names.has(PERMISSION_LOGOUT_ALL) }
}

/** Whether the admin may use the actions at all. */
export function canLogOutAnyone(grants: Grants): boolean {
  return grants.logout || grants.logoutAll
}

/** Whether the admin may log out this target user. */
export function canLogOut(grants: Grants, targetIsAdmin: boolean): boolean {
  return targetIsAdmin ? grants.logoutAll : canLogOutAnyone(grants)
}

/** Splits targets into those the admin may log out and those skipped (admins, without logout_all). */
export function partitionTargets<T extends { isAdmin: boolean }>(
  grants: Grants,
  targets: readonly T[],
): { allowed: T[]; skipped: T[] } {
  const allowed: T[] = []
  const skipped: T[] = []
  for (const target of targets) (canLogOut(grants, target.isAdmin) ? allowed : skipped).push(target)
  return { allowed, skipped }
}
