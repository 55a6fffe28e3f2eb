import http from 'node:http'

/**
 * Starts a JSON POST whose body arrives in two halves: the server loads the session at once,
 * then waits for the rest of the body. `finish()` sends the second half and resolves to the
 * status. Lets a test hold a request in flight in another process without any hook in the app.
 */
export function startSlowPost(
  baseUrl: string,
  path: string,
  cookie: string,
  body: unknown,
): { headersSent: Promise<void>; finish(): Promise<number> } {
  const payload = Buffer.from(JSON.stringify(body))
  const half = Math.floor(payload.length / 2)
  const url = new URL(path, baseUrl)
  let resolveStatus!: (status: number) => void
  let rejectStatus!: (error: Error) => void
  const status = new Promise<number>((resolve, reject) => {
    resolveStatus = resolve
    rejectStatus = reject
  })
  const request = http.request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': payload.length,
        cookie: `sid=${cookie}`,
      },
    },
    (response) => {
      response.resume()
      response.on('end', () => resolveStatus(response.statusCode ?? 0))
    },
  )
  request.on('error', rejectStatus)
  const headersSent = new Promise<void>((resolve) => {
    request.write(payload.subarray(0, half), () => resolve())
  })
  return {
    headersSent,
    async finish() {
      request.end(payload.subarray(half))
      return status
    },
  }
}
