import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ErrorRequestHandler, Express } from 'express'

export interface Response<T = unknown> {
  status: number
  body: T
  text: string
  headers: Headers
}

/** A real HTTP server on a free loopback port. */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** What `errorsAsJson` answers with: the error's code and message. */
export interface ErrorBody {
  code?: string
  message?: string
}

/** A test app's last handler: any error as a 500 whose body gives its code and message. */
export const errorsAsJson: ErrorRequestHandler = (error, _req, res, _next) => {
  const { code, message } = error as ErrorBody
  res.status(500).json({ code, message })
}

/** Serves `app` on a real server while `body` runs, with one browser on it; closes it after. */
export async function withServer(
  app: Express,
  body: (browser: Browser) => Promise<void>,
): Promise<void> {
  const server = await listen(app)
  try {
    await body(new Browser(server.url))
  } finally {
    await server.close()
  }
}

/**
 * One browser: keeps its cookies between requests, like a real one (name=value only; the
 * servers under test set no path or domain restrictions that matter here).
 */
export class Browser {
  private readonly cookies = new Map<string, string>()

  constructor(
    readonly baseUrl: string,
    readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  ) {}

  get cookie(): string | undefined {
    return this.cookies.get('sid')
  }

  set cookie(value: string | undefined) {
    if (value === undefined) this.cookies.delete('sid')
    else this.cookies.set('sid', value)
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response<T>> {
    const cookieHeader = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const response = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        'user-agent': this.userAgent,
        accept: 'application/json',
        ...(body !== undefined && typeof body !== 'string'
          ? { 'content-type': 'application/json' }
          : {}),
        ...(cookieHeader ? { cookie: cookieHeader } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const index = pair!.indexOf('=')
      const name = pair!.slice(0, index).trim()
      const value = pair!.slice(index + 1).trim()
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers }
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path)
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {})
  }
}

/** The session id inside a signed `s:<sid>.<signature>` cookie value. */
export function sidOf(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined
  const decoded = decodeURIComponent(cookie)
  return decoded.startsWith('s:') ? decoded.slice(2, decoded.lastIndexOf('.')) : undefined
}
