import type { FeatureType, ResourceOptions } from 'adminjs'
import type AdminJS from 'adminjs'
import { ErrorCodes, SingleSessionError } from '../errors.js'
import { isUserFeature, resourceEntries } from './resource-entries.js'

/** The id the User resource had before it was looked up: kept for a resource without it. */
const LEGACY_USER_RESOURCE_ID = 'User'

/**
 * Which AdminJS resource holds the users: `userResourceId` when given, else the one that has
 * singleSessionFeature() (whatever its id: the Sequelize adapter's default is the table name),
 * else one with the id `'User'`. Thrown at `new AdminJS()` when there is none.
 */
export function findUserResourceId(admin: AdminJS, userResourceId: string | undefined): string {
  const entries = resourceEntries(admin)
  const found =
    userResourceId !== undefined
      ? entries.find((e) => e.id === userResourceId)
      : (entries.find((e) => e.features.some(isUserFeature)) ??
        entries.find((e) => e.id === LEGACY_USER_RESOURCE_ID))
  if (found) return found.id
  throw new SingleSessionError(
    ErrorCodes.NO_USER_RESOURCE,
    userResourceId !== undefined
      ? `adminjs-single-session: no AdminJS resource has the id \`${userResourceId}\` given as ` +
          `the option \`userResourceId\` of userSessionResource(); ids: ${entries.map((e) => e.id).join(', ')}`
      : 'adminjs-single-session: userSessionResource() cannot find the User resource: add ' +
          'singleSessionFeature() to it, or set the option `userResourceId` to its AdminJS id',
  )
}

/**
 * A feature for the UserSession resource: finds the User resource when AdminJS builds its
 * resources, links `userId` to it, and hands its id to `found` for the actions.
 */
export function linkUserResource(
  userResourceId: string | undefined,
  found: (id: string) => void,
): FeatureType {
  return (admin, previous: ResourceOptions = {}) => {
    const id = findUserResourceId(admin, userResourceId)
    found(id)
    const properties = previous.properties ?? {}
    return {
      ...previous,
      properties: { ...properties, userId: { ...properties.userId, reference: id } },
    }
  }
}
