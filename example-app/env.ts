/**
 * The single-session options the example reads from its environment:
 * SINGLE_SESSION_LIMIT, SINGLE_SESSION_ON_LIMIT, and SINGLE_SESSION_IDLE_TIMEOUT /
 * SINGLE_SESSION_ABSOLUTE_TIMEOUT in whole seconds (unset: no timeout).
 */
import type { SingleSessionOptions } from '../src/index.js'
import type { UserRow } from './users.js'

export type EnvOptions = Pick<
  SingleSessionOptions<UserRow>,
  'limit' | 'onLimit' | 'idleTimeout' | 'absoluteTimeout'
>

export function singleSessionOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EnvOptions {
  return {
    limit: Number(env.SINGLE_SESSION_LIMIT ?? 1),
    onLimit: env.SINGLE_SESSION_ON_LIMIT === 'deny-new' ? 'deny-new' : 'evict-oldest',
    idleTimeout: seconds(env, 'SINGLE_SESSION_IDLE_TIMEOUT'),
    absoluteTimeout: seconds(env, 'SINGLE_SESSION_ABSOLUTE_TIMEOUT'),
  }
}

/** Whole seconds as milliseconds; a typo stops the app instead of silently disabling it. */
function seconds(env: NodeJS.ProcessEnv, name: string): number | null {
  const value = env[name]
  if (value === undefined || value === '') return null
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name} must be a whole number of seconds >= 1`)
  return Number(value) * 1000
}
