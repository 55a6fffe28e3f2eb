/**
 * The example's admin panel at /admin: AdminJS on the site's Sequelize instance and session
 * cookie, with the User resource (and its "Log out the user on all sessions" actions) and the
 * UserSession resource.
 */
import { buildAuthenticatedRouter } from '@adminjs/express'
import { Database, Resource } from '@adminjs/sequelize'
import AdminJS, {
  ComponentLoader,
  ForbiddenError,
  type Before,
  type CurrentAdmin,
  type IsFunction,
} from 'adminjs'
import type { Router } from 'express'
import type { CookieOptions, Store } from 'express-session'
import { DataTypes, type ModelStatic, type Sequelize, Model } from 'sequelize'
import {
  adminErrorHandler,
  explainEndedSessions,
  panelEventsScript,
  watchPanelSessions,
  sessionAuditResource,
  singleSessionFeature,
  SingleSessionAuthProvider,
  userSessionResource,
} from '../src/adminjs/index.js'
import type { SingleSession } from '../src/index.js'
import { verifyPassword } from './passwords.js'
import type { UserRow } from './users.js'

AdminJS.registerAdapter({ Resource, Database })

export const ADMIN_ROOT = '/admin'

/** Who may enter the panel: admins and staff. alice@ and bob@ (role 'user') may not. */
export const PANEL_ROLES: readonly string[] = ['admin', 'staff']

/** Whether the signed-in panel user is an admin (not staff): sync, as AdminJS requires. */
const isAdminUser: IsFunction = ({ currentAdmin }) => currentAdmin?.role === 'admin'

/**
 * The same rule read from the database when a change is posted: `isAdminUser` sees the copy
 * kept in the session, which still says admin after a demotion.
 */
function stillAdmin(User: ModelStatic<UserRow>): Before {
  return async (request, context) => {
    if (request.method !== 'post') return request
    const id = context.currentAdmin?.id as unknown
    const row = typeof id === 'string' ? await User.findByPk(id) : null
    if (row?.role !== 'admin') throw new ForbiddenError('Only admins may change users')
    return request
  }
}

export interface AdminPanelOptions {
  sequelize: Sequelize
  User: ModelStatic<UserRow>
  singleSession: SingleSession<UserRow>
  store: Store
  sessionSecret: string
  /**
   * The site's session cookie options. Required, not just tidy: express-session installs its
   * `generate` on the store it is given, so with one shared store the session middleware created
   * last decides the cookie of every regenerated session (every login, site or panel).
   */
  cookie: CookieOptions
  /**
   * The router to build the panel on: the app's own Express's (`express.Router()`), so that an
   * app on Express 5 runs the panel on Express 5 too. @adminjs/express otherwise builds it on the
   * `express` it resolves itself.
   */
  router: Router
}

/**
 * The panel's view of the users table: every column but the password hash, so that the hash
 * never reaches the panel's pages or API.
 */
function defineAdminUser(sequelize: Sequelize): ModelStatic<Model> {
  return sequelize.define(
    'AdminUser',
    {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      email: { type: DataTypes.STRING(191), allowNull: false, unique: true },
      name: { type: DataTypes.STRING(100), allowNull: false },
      role: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'user' },
      permissions: { type: DataTypes.JSON, allowNull: false, defaultValue: [] },
    },
    { tableName: 'users' },
  )
}

export function createAdminPanel(options: AdminPanelOptions): { admin: AdminJS; router: Router } {
  const { sequelize, User, singleSession, store, sessionSecret, cookie, router: base } = options
  const componentLoader = new ComponentLoader()
  const shared = { singleSession, componentLoader }
  const adminsOnly = stillAdmin(User)

  const admin = new AdminJS({
    rootPath: ADMIN_ROOT,
    componentLoader,
    // Sends an open panel page to the login page (which says why) as soon as its session ends.
    assets: { scripts: [panelEventsScript(ADMIN_ROOT)] },
    branding: { companyName: 'Example app', withMadeWithLove: false },
    resources: [
      {
        resource: defineAdminUser(sequelize),
        options: {
          id: 'User',
          navigation: { name: 'Accounts', icon: 'Users' },
          listProperties: ['id', 'email', 'name', 'role', 'permissions', 'createdAt'],
          actions: {
            // Accounts are created by signing up, which hashes a password.
            new: { isAccessible: false, isVisible: false },
            // Whoever can edit roles or permissions can give themselves logout_all: admins only.
            edit: { isAccessible: isAdminUser, isVisible: isAdminUser, before: [adminsOnly] },
            delete: { isAccessible: isAdminUser, isVisible: isAdminUser, before: [adminsOnly] },
            bulkDelete: { isAccessible: isAdminUser, isVisible: isAdminUser, before: [adminsOnly] },
          },
          properties: {
            role: {
              availableValues: ['admin', 'staff', 'user'].map((v) => ({ value: v, label: v })),
            },
          },
        },
        features: [singleSessionFeature(shared)],
      },
      userSessionResource({ ...shared, navigation: { name: 'Accounts', icon: 'Users' } }),
      sessionAuditResource({ ...shared, navigation: { name: 'Accounts', icon: 'Users' } }),
    ],
  })

  const provider = new SingleSessionAuthProvider<UserRow>({
    singleSession,
    componentLoader,
    authenticate: async ({ email, password }) => {
      const user = await User.findOne({ where: { email: email.trim().toLowerCase() } })
      if (!user || !(await verifyPassword(password, user.passwordHash))) return null
      return PANEL_ROLES.includes(user.role) ? user : null
    },
    // Small, and never the hash: it is kept in the session and sent with every page.
    currentAdmin: (user): CurrentAdmin => ({
      id: String(user.id),
      email: user.email,
      title: user.name,
      role: user.role,
      permissions: [...user.permissions],
    }),
  })

  // The site's session middleware runs first (app-level) on the same cookie, so the one that
  // buildAuthenticatedRouter mounts finds req.session set and steps aside. These options only
  // matter if the panel is mounted without it, except `cookie` (see AdminPanelOptions.cookie).
  const router = buildAuthenticatedRouter(
    admin,
    { provider, cookieName: 'sid', cookiePassword: sessionSecret },
    base,
    { store, secret: sessionSecret, resave: false, saveUninitialized: false, cookie },
  )
  // The login page says why an admin's session ended (signed in elsewhere, timed out, ...).
  explainEndedSessions(router, { admin, singleSession, provider })
  watchPanelSessions(router, { admin, singleSession })
  router.use(adminErrorHandler())
  return { admin, router }
}
