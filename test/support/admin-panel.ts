import { after, before } from 'node:test'
import { createExampleApp, type ExampleApp, type ExampleAppOptions } from '../../example-app/app.js'
import { freshDatabase, type TestDatabase } from './database.js'
import { listen } from './http.js'
import { panelSession, siteSession } from './panel.js'
import { sqlRegistry } from './sql-backend.js'

export interface ExamplePanel {
  readonly example: ExampleApp
  readonly url: string
  /** Demo account ids by the local part of their e-mail (admin, root, staff, alice, bob). */
  readonly ids: Record<string, number>
  site(who: string): ReturnType<typeof siteSession>
  panel(who: string): ReturnType<typeof panelSession>
  /** Sessions recorded for `who`. */
  sessions(who: string): Promise<number>
}

/**
 * The example app on a fresh database and a real HTTP server for the enclosing `describe`
 * (registers its own before/after hooks); its fields are set once `before` has run.
 */
export function examplePanel(
  label: string,
  options: Partial<Omit<ExampleAppOptions, 'databaseUrl'>> = {},
): ExamplePanel {
  let db: TestDatabase
  let server: Awaited<ReturnType<typeof listen>>
  const state = {
    ids: {},
  } as ExamplePanel & { example: ExampleApp; url: string }
  before(async () => {
    db = await freshDatabase(label)
    state.example = await createExampleApp({
      sessionSecret: `${label} secret`,
      ...options,
      databaseUrl: db.url,
    })
    server = await listen(state.example.app)
    state.url = server.url
    for (const user of await state.example.User.findAll()) {
      state.ids[user.email.split('@')[0]!] = user.id
    }
  })
  after(async () => {
    await server?.close()
    await state.example?.close()
    await db?.drop()
  })
  state.site = (who) => siteSession(state.url, who)
  state.panel = (who) => panelSession(state.url, who)
  state.sessions = (who) =>
    sqlRegistry(state.example.singleSession).model.count({
      where: { userId: String(state.ids[who]) },
    })
  return state
}
