import { usageError } from './errors.js'

/** A store package the app has installed (an optional peer), or a usage error naming it. */
export async function importPeer<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch {
    throw usageError(`${name} is not installed: npm install ${name}, or pass the --store you use`)
  }
}
