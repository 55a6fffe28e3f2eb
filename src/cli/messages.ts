/** How the command line words what it reports: URLs without passwords, one-line errors. */

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
  }
}

/** The most useful line of an error: Sequelize wraps driver errors without their message. */
export function messageOf(error: unknown): string {
  const parent = (error as { parent?: { message?: string; code?: string } } | null)?.parent
  const message = (error as Error | null)?.message || parent?.message || String(error)
  const code = parent?.code ?? (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message
}
