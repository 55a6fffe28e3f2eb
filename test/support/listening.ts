import type { ChildProcess } from 'node:child_process'

/** An app running in a child process, on a port of its own. */
export interface AppProcess {
  url: string
  stop(): Promise<void>
}

/**
 * Resolves once `child` prints `listening <port>`; rejects if it exits first or has not started
 * within 120 s. `stop()` sends SIGTERM, then SIGKILL after 5 s. `errors()` is what the child
 * has written to stderr so far, for the failure message (none when stderr is inherited).
 */
export function whenListening(
  child: ChildProcess,
  what: string,
  errors: () => string = () => '',
): Promise<AppProcess> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start within 120 s:\n${errors()}`)),
      120_000,
    )
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${errors()}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString())
      if (!match) return
      clearTimeout(timer)
      resolve({
        url: `http://127.0.0.1:${match[1]}`,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGTERM')
            setTimeout(() => child.kill('SIGKILL'), 5000).unref()
          }),
      })
    })
  })
}
