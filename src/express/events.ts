import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { SessionEndingInfo } from '../api.js'
import type { EndWatch } from '../core/end-watch.js'
import type { SessionEndReason } from '../core/ending.js'
import type { NormalizedEventsOptions } from '../options.js'
import type { SessionMarker } from './marker.js'

/** The event an open stream receives when its session ends. */
export const SESSION_ENDED_EVENT = 'session-ended'

/**
 * Whether a request asks for an event stream: `middleware()` leaves those alone (no last-seen
 * write), since an open page must not keep its session alive by itself.
 */
export function isEventStreamRequest(req: Request): boolean {
  return /\btext\/event-stream\b/.test(req.get('accept') ?? '')
}

export interface EventsDependencies {
  events: NormalizedEventsOptions
  watch: EndWatch
  markerOf: (req: Request) => SessionMarker | null
  endedSession: (req: Request) => Promise<SessionEndingInfo | null>
}

/**
 * The server-sent events endpoint: a signed-in browser gets `event: session-ended` with
 * `data: {"reason": ...}` as soon as its session ends, then the stream closes. Anonymous
 * requests get 401 (JSON); one whose session has already ended gets the event at once.
 *
 * The stream never keeps its session alive: `req.session` is detached before the response
 * starts, so express-session neither touches nor saves it, nor sets a cookie, and never
 * re-creates it; `middleware()` writes no last-seen for it.
 */
export function eventsHandler({
  events,
  watch,
  markerOf,
  endedSession,
}: EventsDependencies): RequestHandler {
  const heartbeats = new Heartbeats(events.heartbeatInterval)

  return (req: Request, res: Response, next: NextFunction) => {
    const marker = markerOf(req)
    const sid = req.sessionID
    detachSession(req)
    if (!marker) {
      endedSession(req).then((ending) => {
        if (!ending) {
          res.status(401).json({ error: 'Not signed in' })
          return
        }
        openStream(res)
        sendEnded(res, ending.reason)
      }, next)
      return
    }

    let closed = false
    const finish = (reason: SessionEndReason | null | undefined) => {
      if (closed) return
      closed = true
      heartbeats.remove(res)
      if (reason !== undefined) sendEnded(res, reason)
      else res.end()
    }
    const watched = watch.watch(sid, marker.uid, {
      ended: (reason) => finish(reason),
      gone: () => finish(undefined),
    })
    if (!watched.ok) {
      res.setHeader('Retry-After', '30')
      res.status(429).json({ error: 'Too many open event streams', limit: watched.limit })
      return
    }
    openStream(res)
    heartbeats.add(res)
    res.on('close', () => {
      closed = true
      heartbeats.remove(res)
      watched.close()
    })
  }
}

/**
 * express-session touches or saves `req.session` when the response ends, and sets the cookie
 * when the headers go out, whenever `req.session` is there: without it, it does neither.
 */
function detachSession(req: Request): void {
  delete (req as { session?: unknown }).session
}

function openStream(res: Response): void {
  res.status(200)
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8')
  res.setHeader('Cache-Control', 'no-cache, no-store, no-transform')
  res.setHeader('X-Accel-Buffering', 'no')
  res.flushHeaders()
  write(res, ': open\n\n')
}

function sendEnded(res: Response, reason: SessionEndReason | null): void {
  write(res, `event: ${SESSION_ENDED_EVENT}\ndata: ${JSON.stringify({ reason })}\n\n`)
  res.end()
}

/** Writes, and flushes through compression middleware when there is one. */
function write(res: Response, text: string): void {
  res.write(text)
  ;(res as { flush?: () => void }).flush?.()
}

/** One timer for every open stream of a handler: a comment line each interval. */
class Heartbeats {
  private readonly open = new Set<Response>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly interval: number) {}

  add(res: Response): void {
    this.open.add(res)
    if (this.timer) return
    this.timer = setInterval(() => {
      for (const stream of this.open) write(stream, ': heartbeat\n\n')
    }, this.interval)
    this.timer.unref()
  }

  remove(res: Response): void {
    this.open.delete(res)
    if (this.open.size > 0 || !this.timer) return
    clearInterval(this.timer)
    this.timer = null
  }
}
