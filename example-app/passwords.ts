import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/** scrypt's CPU and memory cost N when PASSWORD_HASH_COST is not set: Node's default, 2^14. */
const DEFAULT_COST = 16384

const scryptAsync = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)))
  })

/**
 * The cost new hashes get: PASSWORD_HASH_COST (a power of two from 2 to 2^20), else 2^14. The
 * test suite sets a small one: its thousands of logins would otherwise spend minutes in scrypt.
 * Each hash records its own cost, so a change applies to new passwords only.
 */
export function passwordHashCost(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.PASSWORD_HASH_COST
  if (value === undefined || value === '') return DEFAULT_COST
  const cost = Number(value)
  if (!/^\d+$/.test(value) || cost < 2 || cost > 2 ** 20 || (cost & (cost - 1)) !== 0) {
    throw new Error(`PASSWORD_HASH_COST must be a power of two from 2 to 1048576; got ${value}`)
  }
  return cost
}

/** `scrypt$<N>$<salt>$<key>`, base64. */
export async function hashPassword(password: string, cost = passwordHashCost()): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, 32, { N: cost })
  return `scrypt$${cost}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Checks a password against a hash of hashPassword() (or the older `scrypt$<salt>$<key>`, N 2^14). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  const [scheme, cost, salt, key] =
    parts.length === 3 ? [parts[0], String(DEFAULT_COST), parts[1], parts[2]] : parts
  if (scheme !== 'scrypt' || !salt || !key || !/^\d+$/.test(cost ?? '')) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(cost),
  }).catch(() => null)
  return actual !== null && actual.length === expected.length && timingSafeEqual(actual, expected)
}
