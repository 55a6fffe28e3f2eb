import { createServer, connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

/** Where a cut falls: before the next request reaches the server, or before its reply returns. */
export type CutPoint = 'request' | 'reply'

/**
 * A TCP proxy in front of a server (Redis here), so that a test can cut the app's connection
 * at a chosen moment, the way a server crash or a network failure does.
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number
  /**
   * Cuts the connection that next sends bytes: at once, so that the server never sees them
   * (`'request'`), or once the server answers, so that it did the work but the client never
   * hears of it (`'reply'`). Resolves once it is cut. Later connections go through.
   */
  cutNext(point: CutPoint): Promise<void>
  /** How many connections were cut. */
  readonly cuts: number
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let armed: { point: CutPoint; done: () => void } | null = null
  let cuts = 0
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    sockets.add(client)
    sockets.add(upstream)
    /** Set when this connection is to be cut at the server's next reply. */
    let cutAtReply: (() => void) | null = null
    const cut = () => {
      client.destroy()
      upstream.destroy()
    }
    const cutNow = (done: () => void) => {
      cuts += 1
      cut()
      done()
    }
    client.on('data', (chunk) => {
      const plan = armed
      if (plan) {
        armed = null
        if (plan.point === 'request') return cutNow(plan.done)
        cutAtReply = plan.done
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (cutAtReply) return cutNow(cutAtReply)
      client.write(chunk)
    })
    for (const socket of [client, upstream]) {
      socket.on('error', cut)
      socket.on('close', () => {
        sockets.delete(socket)
        cut()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    cutNext: (point) => new Promise<void>((done) => (armed = { point, done })),
    get cuts() {
      return cuts
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
