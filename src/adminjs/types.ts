import type { ActionContext, ComponentLoader, CurrentAdmin } from 'adminjs'
import type { SingleSession } from '../single-session.js'
import type { Translations } from './translations.js'

/** A user record's fields, unflattened (`{ id, email, role, permissions: [...] }`). */
export type UserParams = Record<string, unknown>

/** Options shared by the User feature and the UserSession resource. */
export interface SingleSessionAdminOptions {
  /** What `createSingleSession()` returned. Required. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  singleSession: SingleSession<any>
  /**
   * The ComponentLoader you pass to `new AdminJS({ componentLoader })`. Required: the
   * confirmation screen is bundled from it.
   */
  componentLoader: ComponentLoader
  /**
   * Whether a user is an admin, whom only holders of `logout_all` may log out.
   *
   * Default: `role` is `'admin'`, or `isAdmin` or `admin` is `true`.
   */
  isAdmin?: (user: UserParams) => boolean
  /**
   * The permission names an admin holds, read from `currentAdmin` (for showing the actions) and
   * from the admin's User record (re-checked when an action runs).
   *
   * Default: the `permissions` field, a list holding `'logout'` and/or `'logout_all'`.
   */
  permissionsOf?: (admin: UserParams) => unknown
  /**
   * Loads the acting admin's current fields from the database, for the permission check when
   * an action runs (a permission revoked a minute ago no longer works). Resolve to `null` when
   * the admin no longer exists.
   *
   * Default: the record of the User resource whose id is `currentAdmin.id`.
   */
  loadAdmin?: (currentAdmin: CurrentAdmin, context: ActionContext) => Promise<UserParams | null>
  /**
   * How a user is named in confirmations and notices.
   *
   * Default: `email`, else `name`, else the id.
   */
  labelOf?: (user: UserParams) => string
  /**
   * The most records one action accepts; a larger selection is refused with a notice.
   *
   * Default: `1000`.
   */
  maxRecords?: number
  /** Per-language overrides of the labels and messages (see `translations.ts`). */
  translations?: Translations
  /**
   * Origins besides the panel's own host whose pages may post the actions that change something
   * (`['https://admin.example.com']`). A POST whose `Origin` or `Sec-Fetch-Site` names any other
   * site is refused with a 403; one that carries neither header (a script) passes.
   *
   * Default: `[]` (the request's own `Host` only).
   */
  trustedOrigins?: readonly string[]
}

/** Options of `singleSessionFeature()`, for the User resource. */
export interface SingleSessionFeatureOptions extends SingleSessionAdminOptions {
  /**
   * The user id under which a User record's sessions are recorded (what `getUserId` returns
   * for that user at login).
   *
   * Default: the record's id.
   */
  userIdOf?: (user: UserParams) => unknown
}

/** Options of `userSessionResource()`. */
export interface UserSessionResourceOptions extends SingleSessionAdminOptions {
  /**
   * The AdminJS id of the User resource: sessions link to it and the acting admin and the
   * sessions' owners are loaded from it. Sessions are assumed to be recorded under the User
   * record's id. A resource id that matches nothing throws NO_USER_RESOURCE at `new AdminJS()`.
   *
   * Default: the resource that has `singleSessionFeature()`, whatever its id (the Sequelize
   * adapter's default is the table name), else the one with the id `'User'`.
   */
  userResourceId?: string
  /** Where the resource appears in the sidebar. Default: AdminJS's default (the database). */
  navigation?: { name?: string | null; icon?: string } | null
}

/** What the actions return besides AdminJS's own fields, for the confirmation screen and tests. */
export interface LogoutSummary {
  /** `preview` on GET (nothing done), `done` on POST. */
  phase: 'preview' | 'done'
  /** The confirmation text (preview) or the notice text (done). */
  text: string
  /** Users (or sessions) that are (or were) logged out. */
  targets: Array<{ id: string; label: string; sessions: number; self: boolean }>
  /** Targets skipped for lack of `logout_all`. */
  skipped: Array<{ id: string; label: string }>
  /** Requested ids that matched no record. */
  missing: string[]
  /** Sessions that would end (preview) or ended (done). */
  sessions: number
  /** Whether the acting admin is among the targets. */
  self: boolean
  /** Whether confirming would do anything. */
  canProceed: boolean
}
