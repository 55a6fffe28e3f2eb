import { DefaultAuthProvider, type ComponentLoader, type CurrentAdmin } from 'adminjs'
import type { Request, Response } from 'express'
import { isSingleSessionError } from '../errors.js'
import { log } from '../log.js'
import type { SingleSession } from '../single-session.js'
import { invalid } from './shared.js'

/** What @adminjs/express passes to an auth provider as its second argument. */
export interface AuthContext {
  req: Request
  res: Response
}

export interface SingleSessionAuthOptions<User> {
  /** What `createSingleSession()` returned. Required. */
  singleSession: SingleSession<User>
  /** The ComponentLoader you pass to `new AdminJS()`. Required by AdminJS's providers. */
  componentLoader: ComponentLoader
  /**
   * Checks the login form. Resolve to the user, or `null` for wrong credentials (and for users
   * who may not enter the panel). Required.
   */
  authenticate: (
    credentials: { email: string; password: string },
    context: AuthContext,
  ) => Promise<User | null>
  /**
   * What the panel keeps of the user as `currentAdmin`, in the session and in every page: keep
   * it small and never put a password hash in it.
   *
   * Default: `id` (as the library reads it, `getUserId`) plus those of `email`, `title`,
   * `avatarUrl`, `role` and `permissions` that the user has.
   */
  currentAdmin?: (user: User) => CurrentAdmin
  /**
   * Shown on the login form when `onLimit` is `'deny-new'` and the user is at the limit.
   *
   * Default: `'This account is already signed in on the maximum number of devices. Sign out there first.'`
   */
  limitMessage?: string
}

const PICKED = ['email', 'title', 'avatarUrl', 'role', 'permissions'] as const

/**
 * An AdminJS auth provider that signs into the panel through the library: a new session id
 * (no fixation), the session recorded, the limit applied. The panel's logout applies
 * `logoutAllSessions`. Pass it to `buildAuthenticatedRouter(admin, { provider, ... })`.
 */
export class SingleSessionAuthProvider<User = Record<string, unknown>> extends DefaultAuthProvider {
  private readonly singleSession: SingleSession<User>
  private readonly checkCredentials: SingleSessionAuthOptions<User>['authenticate']
  private readonly toCurrentAdmin: (user: User) => CurrentAdmin
  private readonly limitMessage: string

  constructor(options: SingleSessionAuthOptions<User>) {
    if (!options || typeof options !== 'object') invalid('options', 'an object')
    if (!options.singleSession || typeof options.singleSession.login !== 'function') {
      invalid('singleSession', 'the object createSingleSession() returned')
    }
    if (typeof options.authenticate !== 'function') invalid('authenticate', 'a function')
    if (options.currentAdmin !== undefined && typeof options.currentAdmin !== 'function') {
      invalid('currentAdmin', 'a function')
    }
    super({
      componentLoader: options.componentLoader,
      // Never called: handleLogin below does the work.
      authenticate: () => Promise.resolve(null),
    })
    this.singleSession = options.singleSession
    this.checkCredentials = options.authenticate
    this.toCurrentAdmin = options.currentAdmin ?? ((user) => this.defaultCurrentAdmin(user))
    this.limitMessage =
      options.limitMessage ??
      'This account is already signed in on the maximum number of devices. Sign out there first.'
  }

  override async handleLogin(
    opts: { data?: Record<string, unknown> },
    context?: AuthContext,
  ): Promise<CurrentAdmin | null> {
    if (!context?.req) throw new Error('SingleSessionAuthProvider needs @adminjs/express')
    const { email, password } = opts.data ?? {}
    if (typeof email !== 'string' || typeof password !== 'string') return null
    if (email.length > 320 || password.length > 1000) return null
    const user = await this.checkCredentials({ email, password }, context)
    if (!user) return null

    const { req } = context
    const redirectTo: unknown = (req.session as { redirectTo?: unknown } | undefined)?.redirectTo
    try {
      await this.singleSession.login(req, user)
    } catch (error) {
      // @adminjs/express shows the message on the login form: never a database error's.
      if (isSingleSessionError(error, 'SESSION_LIMIT_REACHED')) throw new Error(this.limitMessage)
      log('panel login failed: %O', error)
      throw new Error('Signing in failed; please try again.')
    }
    // login() regenerated the session: keep where the admin was going.
    if (typeof redirectTo === 'string') {
      ;(req.session as unknown as { redirectTo: string }).redirectTo = redirectTo
    }
    return this.toCurrentAdmin(user)
  }

  override async handleLogout(context?: AuthContext): Promise<void> {
    if (!context?.req?.session) return
    // @adminjs/express destroys the session itself right after this.
    await this.singleSession.logout(context.req, { destroy: false })
  }

  private defaultCurrentAdmin(user: User): CurrentAdmin {
    const source = user as unknown as Record<string, unknown>
    const admin: Record<string, unknown> = {
      id: String(this.singleSession.options.getUserId(user)),
    }
    for (const key of PICKED) if (source[key] !== undefined) admin[key] = source[key]
    return admin as unknown as CurrentAdmin
  }
}
