import { AppError, type ActionRequest, type Before } from 'adminjs'
import { ErrorCodes } from '../errors.js'
import { invalid, noticeOf, translatorFor, type NormalizedAdminOptions } from './shared.js'

/**
 * Checks `trustedOrigins` once: each an origin (`https://admin.example.com`), nothing more.
 * Returns them as `URL.origin` gives them, for an exact comparison.
 */
export function normalizeTrustedOrigins(value: unknown): readonly string[] {
  if (value === undefined) return []
  const expected = 'an array of origins such as "https://admin.example.com"'
  if (!Array.isArray(value)) invalid('trustedOrigins', expected)
  return value.map((entry: unknown) => {
    let url: URL | null = null
    try {
      url = typeof entry === 'string' ? new URL(entry) : null
    } catch {
      url = null
    }
    if (!url || url.origin === 'null' || url.origin !== String(entry).replace(/\/$/, '')) {
      invalid('trustedOrigins', expected)
    }
    return url.origin
  })
}

/** Where a request says it comes from: null when it says nothing (scripts, the CLI's peers). */
export function foreignSource(
  headers: Record<string, string | string[] | undefined>,
  trustedOrigins: readonly string[],
): string | null {
  const origin = single(headers.origin)
  const fetchSite = single(headers['sec-fetch-site'])
  if (origin !== undefined) {
    if (trustedOrigins.includes(origin)) return null
    if (hostOf(origin) !== single(headers.host)?.toLowerCase()) return origin
  }
  // A browser that sends no Origin (or the panel's own) but says the page was another site's.
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return origin ?? fetchSite
  return null
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** The host (and port) of an origin; null for `null` or anything that is not a URL. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase()
  } catch {
    return null
  }
}

/**
 * A `before` hook for actions that change something. SameSite=Lax keeps the session cookie off
 * a cross-site POST in today's browsers, but not in older ones, nor from a sibling subdomain
 * (same site): a POST whose Origin or Sec-Fetch-Site names another site is refused with a 403
 * and a notice, before the action runs. GETs (previews) pass.
 */
export function refuseCrossSite(options: NormalizedAdminOptions): Before {
  return (request, context) => {
    if (request.method !== 'post') return Promise.resolve(request)
    const from = foreignSource(headersOf(request), options.trustedOrigins)
    if (from === null) return Promise.resolve(request)
    const text = translatorFor(options, context)('crossSite', { from })
    responseOf(request)?.status(403)
    const notice = noticeOf(text, 'error', context.resource.decorate().id())
    throw new AppError(
      text,
      { code: ErrorCodes.CROSS_SITE_REQUEST },
      {
        ...notice,
        options: { ...notice.options, code: ErrorCodes.CROSS_SITE_REQUEST },
      },
    )
  }
}

/**
 * The request headers. @adminjs/express passes a copy of Express's request (`{ ...req }`), which
 * keeps Node's own `rawHeaders` but not `headers` (a getter on the prototype).
 */
function headersOf(request: ActionRequest): Record<string, string | string[] | undefined> {
  const { headers, rawHeaders } = request as { headers?: unknown; rawHeaders?: unknown }
  if (headers && typeof headers === 'object') {
    return headers as Record<string, string | string[] | undefined>
  }
  const parsed: Record<string, string> = {}
  if (Array.isArray(rawHeaders)) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = String(rawHeaders[i]).toLowerCase()
      // The first of repeated headers, as Node keeps it for Origin and Host.
      parsed[name] ??= String(rawHeaders[i + 1])
    }
  }
  return parsed
}

/** The framework's response, when the plugin passes it along (@adminjs/express does, as `res`). */
function responseOf(request: ActionRequest): { status(code: number): unknown } | null {
  const res = (request as { res?: { status?: unknown } }).res
  return res && typeof res.status === 'function' ? (res as { status(code: number): unknown }) : null
}
