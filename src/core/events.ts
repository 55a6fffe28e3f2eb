import { EventEmitter } from 'node:events'
import { log } from '../log.js'
import type { Device } from './device.js'
import type { Actor, EndReason } from './ending.js'

/** The events an app can listen to, e.g. to send an e-mail on a login from a new device. */
export interface SingleSessionEvents {
  /** A user signed in. `evicted`: how many of their sessions the login ended. */
  login: { userId: string; at: Date; device: Device; ip: string | null; evicted: number }
  /** A login was refused in deny mode. */
  'login-denied': { userId: string; at: Date; device: Device; ip: string | null; limit: number }
  /** Sessions of one user ended, and why. */
  'sessions-ended': { userId: string; at: Date; reason: EndReason; actor: Actor; sessions: number }
}

export type SingleSessionEventName = keyof SingleSessionEvents

/**
 * A typed emitter whose listeners cannot break the operation that emitted: a throwing listener
 * is logged and the next one still runs.
 */
export class SessionEvents {
  private readonly emitter = new EventEmitter()

  on<E extends SingleSessionEventName>(
    event: E,
    listener: (payload: SingleSessionEvents[E]) => unknown,
  ): void {
    this.emitter.on(event, listener)
  }

  off<E extends SingleSessionEventName>(
    event: E,
    listener: (payload: SingleSessionEvents[E]) => unknown,
  ): void {
    this.emitter.off(event, listener)
  }

  emit<E extends SingleSessionEventName>(event: E, payload: SingleSessionEvents[E]): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        const result = (listener as (p: SingleSessionEvents[E]) => unknown)(payload)
        if (result instanceof Promise) {
          result.catch((error: unknown) => log('%s listener failed: %O', event, error))
        }
      } catch (error) {
        log('%s listener failed: %O', event, error)
      }
    }
  }
}
