import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import SequelizeStoreInit from 'connect-session-sequelize'
import session from 'express-session'
import { after, before, describe, it } from 'node:test'
import { createSingleSession, ErrorCodes, type SingleSessionOptions } from '../src/index.js'
import { SINGLE_SESSION_OPTION_NAMES } from '../src/options.js'
import { createClient } from 'redis'
import { freshDatabase, type TestDatabase } from './support/database.js'

const SequelizeStore = SequelizeStoreInit(session.Store)

describe('options', () => {
  let db: TestDatabase
  before(async () => {
    db = await freshDatabase('options')
  })
  after(async () => {
    await db.drop()
  })

  const store = () => new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const create = (options: Partial<SingleSessionOptions>) =>
    createSingleSession({ store: store(), ...options })

  const invalid: Array<[string, Partial<SingleSessionOptions>, RegExp]> = [
    ['limit below 1', { limit: 0 }, /`limit` must be an integer >= 1/],
    ['fractional limit', { limit: 1.5 }, /`limit`/],
    ['limit as a string', { limit: '2' as unknown as number }, /`limit`.*"2"/],
    [
      'unknown onLimit',
      { onLimit: 'evict' as 'deny-new' },
      /`onLimit` must be one of 'evict-oldest', 'deny-new'; got "evict"/,
    ],
    [
      'enabled that is not a boolean or function',
      { enabled: 1 as unknown as boolean },
      /`enabled` must be true, false or a function/,
    ],
    [
      'redis and sequelize both',
      { redis: createClient(), sequelize: {} as never },
      /give `redis` or `sequelize`, not both/,
    ],
    [
      'redis that is not a client',
      { redis: { get: () => null } },
      /`redis` must be a connected node-redis or ioredis client, or \{ client, prefix, auditMaxLength \}; got "Object"/,
    ],
    [
      'a redis prefix with a brace',
      { redis: { client: createClient(), prefix: 'a}b' } },
      /`redis.prefix` must be letters, digits and/,
    ],
    [
      'a redis auditMaxLength of 0',
      { redis: { client: createClient(), auditMaxLength: 0 } },
      /`redis.auditMaxLength` must be an integer >= 1/,
    ],
    [
      'an unknown redis setting',
      { redis: { client: createClient(), prefx: 'x' } },
      /`redis` must be an object with client, prefix and auditMaxLength only; got "prefx"/,
    ],
    [
      'logoutAllSessions as a string',
      { logoutAllSessions: 'yes' as unknown as boolean },
      /`logoutAllSessions`/,
    ],
    [
      'getUserId that is not a function',
      { getUserId: 'id' as unknown as () => unknown },
      /`getUserId`/,
    ],
    ['sessionKey that is not a property name', { sessionKey: 'a b' }, /`sessionKey`/],
    ['tableName with SQL in it', { tableName: 'x; drop table users' }, /`tableName`/],
    ['negative lastSeenInterval', { lastSeenInterval: -1 }, /`lastSeenInterval`/],
    ['idleTimeout of 0', { idleTimeout: 0 }, /`idleTimeout`/],
    ['fractional absoluteTimeout', { absoluteTimeout: 1.5 }, /`absoluteTimeout`/],
    [
      'absoluteTimeout as a string',
      { absoluteTimeout: '8h' as unknown as number },
      /`absoluteTimeout`/,
    ],
  ]
  for (const [what, options, message] of invalid) {
    it(`throws INVALID_OPTION at creation for ${what}`, () => {
      assert.throws(() => create(options), { code: ErrorCodes.INVALID_OPTION, message })
    })
  }

  const reservedKeys = [
    'passport',
    'cookie',
    '__proto__',
    'constructor',
    'prototype',
    'id',
    'regenerate',
    'destroy',
    'save',
    'touch',
    'resetMaxAge',
    'toString',
  ]
  for (const sessionKey of reservedKeys) {
    it(`refuses the sessionKey ${JSON.stringify(sessionKey)}, which express-session, Passport or objects already use`, () => {
      assert.throws(() => create({ sessionKey }), {
        code: ErrorCodes.INVALID_OPTION,
        message: new RegExp(`\`sessionKey\` must be a name that .*; got "${sessionKey}"`),
      })
    })
  }

  const misspelt: Array<[string, string]> = [
    ['limt', 'limit'],
    ['onlimit', 'onLimit'],
    ['logoutAllSession', 'logoutAllSessions'],
    ['session_key', 'sessionKey'],
    ['tablename', 'tableName'],
  ]
  for (const [name, nearest] of misspelt) {
    it(`refuses the unknown option \`${name}\`, suggesting \`${nearest}\``, () => {
      assert.throws(() => create({ [name]: 2 }), {
        code: ErrorCodes.INVALID_OPTION,
        message: new RegExp(`unknown option \`${name}\`; did you mean \`${nearest}\`\\?`),
      })
    })
  }

  it('knows every option docs/options.md documents, and no other', () => {
    const page = readFileSync('docs/options.md', 'utf8')
    const start = page.indexOf('\n## Options\n')
    assert.notEqual(start, -1, 'docs/options.md has an `## Options` section')
    const end = page.indexOf('\n## ', start + 1)
    const section = page.slice(start, end === -1 ? undefined : end)
    const documented = [...section.matchAll(/^### (\w+)$/gm)].map((match) => match[1])
    assert.deepEqual([...documented].sort(), [...SINGLE_SESSION_OPTION_NAMES].sort())
  })

  it('refuses an unknown option unlike any other, listing the options', () => {
    assert.throws(() => create({ colour: 'blue' } as Partial<SingleSessionOptions>), {
      code: ErrorCodes.INVALID_OPTION,
      message:
        /unknown option `colour`; the options are store, storeDriver, sequelize, redis, limit,/,
    })
  })

  it('accepts undefined for an option and keeps its default', () => {
    const singleSession = create({ limit: undefined, onLimit: undefined, enabled: undefined })
    assert.equal(singleSession.options.limit, 1)
    assert.equal(singleSession.options.onLimit, 'evict-oldest')
    assert.equal(singleSession.options.enabled, true)
    assert.equal(singleSession.options.logoutAllSessions, true)
  })

  it('throws INVALID_OPTION without a store', () => {
    assert.throws(() => createSingleSession({} as SingleSessionOptions), {
      code: ErrorCodes.INVALID_OPTION,
      message: /`store`/,
    })
  })

  it('throws UNSUPPORTED_STORE for a store it cannot guard, naming the fix', () => {
    class FileStore extends session.Store {
      get() {}
      set() {}
      destroy() {}
    }
    assert.throws(() => createSingleSession({ store: new FileStore() }), {
      code: ErrorCodes.UNSUPPORTED_STORE,
      message: /FileStore is not supported.*storeDriver/,
    })
  })

  it('asks for `sequelize` with a store that is not Sequelize-based, naming the store', () => {
    assert.throws(() => createSingleSession({ store: new session.MemoryStore() }), {
      code: ErrorCodes.INVALID_OPTION,
      message: /`sequelize`.*MemoryStore/,
    })
  })

  it('refuses a storeDriver that is not one', () => {
    assert.throws(
      () =>
        createSingleSession({
          store: store(),
          storeDriver: { name: 'mine' } as unknown as SingleSessionOptions['storeDriver'],
        }),
      { code: ErrorCodes.INVALID_OPTION, message: /`storeDriver`/ },
    )
  })

  it('refuses to guard one store twice', () => {
    const shared = store()
    createSingleSession({ store: shared })
    assert.throws(() => createSingleSession({ store: shared }), {
      code: ErrorCodes.INVALID_OPTION,
      message: /already guarded/,
    })
  })

  it('ready() names the missing tables and how to create them', async () => {
    const empty = await freshDatabase('missing-table')
    try {
      const singleSession = createSingleSession({
        store: new SequelizeStore({ db: empty.sequelize, checkExpirationInterval: 0 }),
      })
      await assert.rejects(singleSession.ready(), {
        code: ErrorCodes.MISSING_TABLE,
        message:
          /missing tables Sessions, user_sessions, session_endings, session_audit\. Run `npx adminjs-single-session migrate`/,
      })
      await singleSession.sync()
      await singleSession.ready()
    } finally {
      await empty.drop()
    }
  })

  it('login() without express-session throws NO_SESSION', async () => {
    const singleSession = create({})
    await assert.rejects(singleSession.login({} as never, { id: 1 }), {
      code: ErrorCodes.NO_SESSION,
    })
  })
})
