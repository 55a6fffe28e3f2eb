import { freshDatabase } from './database.js'
import { startTestApp, type TestApp } from './test-app.js'

type AppOptions = Parameters<typeof startTestApp>[1]

/** Runs `body` against a fresh database and a fresh app, and cleans both up. */
export async function withApp(
  label: string,
  options: AppOptions,
  body: (app: TestApp) => Promise<void>,
) {
  const db = await freshDatabase(label)
  const app = await startTestApp(db, options)
  try {
    await body(app)
  } finally {
    await app.close()
    await db.drop()
  }
}
