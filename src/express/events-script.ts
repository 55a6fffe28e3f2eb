import type { Request, RequestHandler, Response } from 'express'
import { invalidOption } from '../errors.js'

/**
 * The browser side of `eventsHandler()`, plain ES2017 without a framework. It defines
 * `window.SingleSessionEvents.watch({ url, onEnded, redirectTo })`, which opens the stream with
 * the page's cookie and, when the session ends, calls `onEnded(reason)` or goes to
 * `redirectTo?reason=<reason>` (no `reason` parameter for a plain logout; nowhere when the page
 * is `redirectTo` itself, as AdminJS's login page is, since its assets load there too). It reads the stream
 * with fetch, not EventSource, to see status codes: it reconnects with a growing delay (1 s to
 * 30 s, with jitter) after a network error, a 5xx or a 429, and stops on 401. A 401 after the
 * stream had been open means the session ended without a recorded reason: `onEnded(null)`.
 * `onOpen()`, when given, is called each time the stream is open. `watch()` returns `{ stop() }`.
 */
export const EVENTS_SCRIPT = `(function () {
  'use strict'
  var MIN_DELAY = 1000
  var MAX_DELAY = 30000

  function watch(options) {
    var url = options.url
    var stopped = false
    var connected = false
    var delay = MIN_DELAY
    var controller = null
    var timer = null

    function ended(reason) {
      if (stopped) return
      stop()
      if (typeof options.onEnded === 'function') return options.onEnded(reason)
      if (options.redirectTo) {
        // Already there (a login page that loads the script too): going again would loop.
        if (window.location.pathname === options.redirectTo.split('?')[0]) return
        var target = options.redirectTo
        if (reason) target += (target.indexOf('?') === -1 ? '?' : '&') + 'reason=' + encodeURIComponent(reason)
        window.location.assign(target)
      }
    }

    function stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      if (controller) controller.abort()
    }

    function retry() {
      if (stopped) return
      var wait = delay / 2 + Math.random() * delay / 2
      delay = Math.min(MAX_DELAY, delay * 2)
      timer = setTimeout(connect, wait)
    }

    function handle(block) {
      var event = 'message'
      var data = ''
      block.split(/\\r?\\n/).forEach(function (line) {
        if (line.indexOf('event:') === 0) event = line.slice(6).trim()
        else if (line.indexOf('data:') === 0) data += line.slice(5).trim()
      })
      if (event !== 'session-ended') return
      var reason = null
      try { reason = JSON.parse(data).reason || null } catch (error) { reason = null }
      ended(reason)
    }

    function connect() {
      if (stopped) return
      controller = typeof AbortController === 'function' ? new AbortController() : null
      fetch(url, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'text/event-stream' },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (response.status === 401) {
          if (connected) ended(null)
          else stop()
          return
        }
        if (!response.ok || !response.body) return retry()
        // Not the stream (a login page after a redirect): nothing to watch here.
        if (!/text\\/event-stream/.test(response.headers.get('content-type') || '')) return stop()
        connected = true
        delay = MIN_DELAY
        if (typeof options.onOpen === 'function') options.onOpen()
        var reader = response.body.getReader()
        var decoder = new TextDecoder()
        var buffer = ''
        function read() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return retry()
            buffer += decoder.decode(chunk.value, { stream: true })
            var parts = buffer.split(/\\r?\\n\\r?\\n/)
            buffer = parts.pop()
            parts.forEach(handle)
            if (!stopped) return read()
          })
        }
        return read()
      }).catch(function () {
        retry()
      })
    }

    connect()
    return { stop: stop }
  }

  window.SingleSessionEvents = { watch: watch }
})();
`

export interface EventsScriptOptions {
  /** Where the stream is (the path `eventsHandler()` is mounted on): starts watching at once. */
  url?: string
  /** Where to go when the session ends, with `?reason=`. Needs `url`. */
  redirectTo?: string
}

/**
 * Serves EVENTS_SCRIPT. With `url` (and `redirectTo`), the script also starts watching as soon
 * as it loads, which is what a page that can only list script URLs (AdminJS's `assets`) needs.
 */
export function eventsScriptHandler(options: EventsScriptOptions = {}): RequestHandler {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('eventsScript(options)', 'an object with url and redirectTo', options)
  }
  for (const name of ['url', 'redirectTo'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'string' || !value.startsWith('/'))) {
      throw invalidOption(`eventsScript(options).${name}`, 'a path starting with /', value)
    }
  }
  if (options.redirectTo !== undefined && options.url === undefined) {
    throw invalidOption('eventsScript(options).url', 'set when redirectTo is', undefined)
  }
  const start = options.url
    ? `window.SingleSessionEvents.watch(${JSON.stringify({
        url: options.url,
        redirectTo: options.redirectTo,
      }).replace(/</g, '\\u003c')});\n`
    : ''
  const body = EVENTS_SCRIPT + start
  return (_req: Request, res: Response) => {
    res.setHeader('Content-Type', 'application/javascript; charset=utf-8')
    res.setHeader('Cache-Control', 'no-cache')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.send(body)
  }
}
