import type { ErrorRequestHandler } from 'express'

const ACTION_ROUTE = /\/api\/resources\/[^/]+\/(?:bulk|records\/[^/]+)\/[^/]+$/

export interface AdminErrorMessages {
  /** Default: `'None of the selected records exists (or none was selected); nothing was done'`. */
  notFound?: string
  /** Default: `'The selection holds ids that are not ids; nothing was done'`. */
  invalidIds?: string
}

/**
 * AdminJS throws before any action runs when a bulk selection is empty or matches no record,
 * or is not one comma-separated text (`?recordIds=1&recordIds=2`, `?recordIds[]=1`), and the
 * database throws on ids that are not ids (PostgreSQL; a NUL byte on SQLite). Mounted on the
 * admin router after `buildAuthenticatedRouter`, this answers those with a 4xx and a notice
 * instead of a 500; every other error goes on to your error handler.
 */
export function adminErrorHandler(messages: AdminErrorMessages = {}): ErrorRequestHandler {
  const notFound =
    messages.notFound ??
    'None of the selected records exists (or none was selected); nothing was done'
  const invalidIds =
    messages.invalidIds ?? 'The selection holds ids that are not ids; nothing was done'
  return (error: unknown, req, res, next) => {
    if (res.headersSent || !ACTION_ROUTE.test(req.path)) return next(error)
    let status: number
    let text: string
    if ((error as { statusCode?: unknown } | null)?.statusCode === 404) {
      status = 404
      text = notFound
    } else if (isInvalidIdError(error) || !isIdListOrAbsent(req.query.recordIds)) {
      status = 400
      text = invalidIds
    } else return next(error)
    res.status(status).json({
      records: [],
      notice: {
        message: 'singleSessionNotice',
        options: { text, defaultValue: '{{text}}' },
        type: 'error',
      },
    })
  }
}

/**
 * `recordIds` as AdminJS and the database can read it: absent, or one string (the query parser
 * may give an array or an object) without control characters (SQLite cuts a query at a NUL).
 */
function isIdListOrAbsent(recordIds: unknown): boolean {
  return (
    recordIds === undefined || (typeof recordIds === 'string' && !CONTROL_CHARACTER.test(recordIds))
  )
}

const CONTROL_CHARACTER = /[\u0000-\u001f]/

/**
 * PostgreSQL's "invalid input syntax", "out of range" and "not in the encoding" (a NUL) for a
 * value compared with a key.
 */
function isInvalidIdError(error: unknown): boolean {
  const e = error as { name?: unknown; parent?: { code?: unknown } } | null
  return (
    e?.name === 'SequelizeDatabaseError' &&
    ['22P02', '22003', '22007', '22008', '22021'].includes(String(e.parent?.code))
  )
}
