import express, { type Request, type Router } from 'express'
import type { DeviceSession, SessionEndingInfo, SingleSession } from '../src/index.js'
import { devicesPage } from './pages.js'
import type { UserRow } from './users.js'

/** The sentence a person reads on the login page after the library signed them out. */
export function explainEnding(ending: SessionEndingInfo): string {
  const at = ending.endedAt.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  switch (ending.reason) {
    case 'signed-in-elsewhere':
      return `You were signed out because your account signed in on ${ending.newDevice ?? 'another device'} at ${at}.`
    case 'logged-out-everywhere':
      return `You were signed out because your account signed out of all devices at ${at}.`
    case 'logged-out-by-admin':
      return `You were signed out by an administrator at ${at}.`
    case 'revoked-by-user':
      return `This device was signed out from your account's device list at ${at}.`
    case 'idle-timeout':
      return `You were signed out after a period of inactivity (at ${at}).`
    case 'absolute-timeout':
      return `You were signed out because your session reached its maximum length (at ${at}). Please sign in again.`
    case 'denied-by-limit':
      return 'Your account is already signed in on the maximum number of devices. Sign out on one of them first.'
  }
}

function toJson(session: DeviceSession) {
  return {
    id: session.id,
    device: session.device.label,
    browser: session.device.browser,
    os: session.device.os,
    ip: session.ip,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    timesOutAt: session.timesOutAt?.toISOString() ?? null,
    current: session.current,
  }
}

function wantsHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html'
}

/**
 * "My devices": the signed-in user's own sessions, as JSON and as a page. Everything goes
 * through the library's helpers, which only ever act on the signed-in user's sessions.
 */
export function accountRoutes(
  singleSession: SingleSession<UserRow>,
  framework: typeof express = express,
): Router {
  const router = framework.Router()

  // The open home page's event stream: before the sign-in check below, because a browser whose
  // session has already ended must get the event (the library answers 401 to anyone else).
  router.get('/account/events', singleSession.eventsHandler())

  router.use('/account', (req, res, next) => {
    if (singleSession.userIdOf(req)) return next()
    if (wantsHtml(req)) return res.redirect(303, '/login')
    return res.status(401).json({ error: 'Not signed in' })
  })

  router.get('/account/sessions', async (req, res, next) => {
    try {
      const sessions = await singleSession.listDevices(req)
      if (wantsHtml(req)) return res.type('html').send(devicesPage(sessions))
      return res.json({ sessions: sessions.map(toJson) })
    } catch (error) {
      return next(error)
    }
  })

  const endOne = async (req: Request) => {
    const id = Number(req.params.id)
    return Number.isSafeInteger(id) && id > 0 ? singleSession.endDevice(req, id) : false
  }

  router.delete('/account/sessions/:id', async (req, res, next) => {
    try {
      // Someone else's session and no session at all look the same: nothing to probe.
      if (!(await endOne(req))) return res.status(404).json({ error: 'No such session of yours' })
      return res.json({ ended: true })
    } catch (error) {
      return next(error)
    }
  })

  // The page's forms cannot send DELETE.
  router.post('/account/sessions/:id/logout', async (req, res, next) => {
    try {
      await endOne(req)
      return res.redirect(303, '/account/sessions')
    } catch (error) {
      return next(error)
    }
  })

  router.post('/account/sessions/logout-others', async (req, res, next) => {
    try {
      const sessions = await singleSession.logoutOtherDevices(req)
      if (wantsHtml(req)) return res.redirect(303, '/account/sessions')
      return res.json({ sessions })
    } catch (error) {
      return next(error)
    }
  })

  return router
}
