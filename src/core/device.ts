import UAParser from 'ua-parser-js'

/** What a person recognises a session by: "Firefox on Windows". */
export interface Device {
  browser: string | null
  os: string | null
  /** "Firefox on Windows", "Unknown device" when nothing could be read. */
  label: string
}

/** Parses a User-Agent header with ua-parser-js. Never throws. */
export function describeDevice(userAgent: string | null | undefined): Device {
  if (!userAgent) return { browser: null, os: null, label: 'Unknown device' }
  const parsed = new UAParser(userAgent).getResult()
  const browser = parsed.browser.name ?? null
  const os = parsed.os.name ?? null
  const label =
    browser && os
      ? `${browser} on ${os}`
      : (browser ?? (os ? `Unknown browser on ${os}` : 'Unknown device'))
  return { browser, os, label }
}
