import { isIP } from 'node:net'
import type { Request } from 'express'

/** Longer than any IPv6 address, even IPv4-mapped, while leaving room for a short zone id. */
const MAX_IP_LENGTH = 64

/**
 * The client's IP address, or null. With `trust proxy`, `req.ip` comes from X-Forwarded-For,
 * which a client can fill with anything: only a well-formed address that fits its column is
 * worth recording.
 */
export function clientIp(req: Request): string | null {
  const ip = req.ip ?? req.socket?.remoteAddress
  if (typeof ip !== 'string' || ip.length > MAX_IP_LENGTH) return null
  return isIP(ip) !== 0 ? ip : null
}
