/**
 * A server-sent events client for the tests: opens a stream with a browser's cookie and reads
 * its events as they come, over a real connection.
 */
export interface StreamEvent {
  event: string
  data: string
}

export interface OpenStream {
  status: number
  headers: Headers
  /** The response body, for answers that are not a stream (401, 429). */
  text(): Promise<string>
  /** The next event (comments skipped); null when the server closed the stream first. */
  next(): Promise<StreamEvent | null>
  /** Resolves once the server has closed the stream; true when it sent nothing after `next()`. */
  closed(): Promise<void>
  /** Comment lines received so far (heartbeats). */
  comments: string[]
  close(): void
}

export async function openEventStream(
  baseUrl: string,
  path: string,
  cookie: string | undefined,
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  const controller = new AbortController()
  const response = await fetch(baseUrl + path, {
    headers: {
      accept: 'text/event-stream',
      ...(cookie ? { cookie: `sid=${cookie}` } : {}),
      ...headers,
    },
    signal: controller.signal,
  })
  const isStream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
  const reader = isStream ? response.body!.getReader() : null
  const decoder = new TextDecoder()
  const comments: string[] = []
  const queue: StreamEvent[] = []
  let buffer = ''
  let done = false
  let waiting: Array<() => void> = []
  const wake = () => {
    const woken = waiting
    waiting = []
    for (const resolve of woken) resolve()
  }

  const pump = async () => {
    try {
      for (;;) {
        const chunk = await reader!.read()
        if (chunk.done) break
        buffer += decoder.decode(chunk.value, { stream: true })
        const blocks = buffer.split('\n\n')
        buffer = blocks.pop()!
        for (const block of blocks) {
          let event = 'message'
          let data = ''
          let isEvent = false
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim())
            else if (line.startsWith('event:')) {
              event = line.slice(6).trim()
              isEvent = true
            } else if (line.startsWith('data:')) {
              data += line.slice(5).trim()
              isEvent = true
            }
          }
          if (isEvent) queue.push({ event, data })
        }
        wake()
      }
    } catch {
      // aborted
    }
    done = true
    wake()
  }
  if (reader) void pump()
  else done = true

  const wait = () => new Promise<void>((resolve) => waiting.push(resolve))
  return {
    status: response.status,
    headers: response.headers,
    text: () => response.text(),
    comments,
    async next() {
      while (queue.length === 0 && !done) await wait()
      return queue.shift() ?? null
    },
    async closed() {
      while (!done) await wait()
    },
    close: () => controller.abort(),
  }
}
