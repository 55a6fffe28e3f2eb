/**
 * Awaits independent writes side by side and throws the first failure only once all have
 * settled, so that nothing is still running when the caller cleans up or rolls back.
 */
export async function together<T extends readonly unknown[]>(
  ...writes: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const settled = await Promise.allSettled(writes)
  const failure = settled.find((result) => result.status === 'rejected')
  if (failure) throw failure.reason
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T
}
