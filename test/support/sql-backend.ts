import type { SingleSession } from '../../src/index.js'
import { SequelizeJournal } from '../../src/registry/sequelize/sequelize-journal.js'
import { SequelizeRegistry } from '../../src/registry/sequelize/sequelize-registry.js'

/**
 * The SQL registry behind an instance, for tests that look at its rows directly; fails on the
 * Redis backend, where such a test must use the ports instead.
 */
export function sqlRegistry(
  singleSession: Pick<SingleSession<never>, 'registry'>,
): SequelizeRegistry {
  const { registry } = singleSession
  if (!(registry instanceof SequelizeRegistry)) throw new Error('this test needs the SQL registry')
  return registry
}

/** The SQL journal behind an instance (see sqlRegistry). */
export function sqlJournal(singleSession: Pick<SingleSession<never>, 'journal'>): SequelizeJournal {
  const { journal } = singleSession
  if (!(journal instanceof SequelizeJournal)) throw new Error('this test needs the SQL journal')
  return journal
}
