import type { Command } from 'commander'
import { resolveConfig, type GlobalOptions, type ResolvedConfig } from './config.js'
import type { ResolvedUser } from './context.js'

/** The configuration for a command: its options merged with the program's. */
export function globalConfig(command: Command): Promise<ResolvedConfig> {
  return resolveConfig(command.optsWithGlobals<GlobalOptions>())
}

/** `alice@example.com (user 4)`, or `user 4` when the email is unknown. */
export function userLabel(user: ResolvedUser): string {
  return user.email ? `${user.email} (user ${user.userId})` : `user ${user.userId}`
}
