/** What the core asks of the session store (the app's express-session store, guarded). */
export interface SessionStore {
  /** The subset of these sids whose sessions exist and have not expired. */
  alive(sids: readonly string[]): Promise<Set<string>>
  /** Deletes these sessions; resolves to how many existed. */
  destroyMany(sids: readonly string[]): Promise<number>
}
