import type { FeatureType } from 'adminjs'
import type AdminJS from 'adminjs'
import { ErrorCodes, SingleSessionError } from '../errors.js'
import { resourceEntries } from './resource-entries.js'

/** The fields the default `isAdmin` reads. */
export const DEFAULT_ADMIN_FIELDS = ['role', 'isAdmin', 'admin'] as const

/**
 * With the default `isAdmin`, a User resource that has none of its fields makes everyone a
 * non-admin, and then a holder of `logout` can log out admins. Refused at `new AdminJS()`.
 * A resource the feature cannot find among the options (applied by hand) is not checked.
 */
export function assertAdminField(admin: AdminJS, feature: FeatureType): void {
  const entry = resourceEntries(admin).find((e) => e.features.includes(feature))
  if (!entry) return
  const fields = new Set(entry.resource.properties().map((p) => p.path().split('.')[0]))
  if (DEFAULT_ADMIN_FIELDS.some((field) => fields.has(field))) return
  throw new SingleSessionError(
    ErrorCodes.ADMIN_FIELD_MISSING,
    `adminjs-single-session: the resource \`${entry.id}\` has none of the fields ` +
      `${DEFAULT_ADMIN_FIELDS.map((f) => `\`${f}\``).join(', ')} that the default admin check ` +
      'reads, so every user would count as a non-admin and holders of `logout` could log out ' +
      'admins; pass the option `isAdmin` to singleSessionFeature()',
  )
}
