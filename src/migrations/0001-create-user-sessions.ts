import { DataTypes, type QueryInterface } from 'sequelize'
import { tableNames, type Migration } from './context.js'

/**
 * The session records, and an index on the store's expiry column (connect-session-sequelize
 * creates none, so its cleanup scans the whole table). The store's table is created here too
 * when it does not exist yet, with connect-session-sequelize's columns.
 */
export const createUserSessions: Migration = {
  name: '0001-create-user-sessions',
  async up({ context: { queryInterface, sessionTable, registryTable } }) {
    if (sessionTable !== null) await createSequelizeStoreTable(queryInterface, sessionTable)

    await queryInterface.createTable(registryTable, {
      id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
      sid: { type: DataTypes.STRING(128), allowNull: false },
      userId: { type: DataTypes.STRING(191), allowNull: false },
      slot: { type: DataTypes.INTEGER, allowNull: true },
      createdAt: { type: DataTypes.DATE(3), allowNull: false },
      lastSeenAt: { type: DataTypes.DATE(3), allowNull: false },
      expiresAt: { type: DataTypes.DATE(3), allowNull: false },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      userAgent: { type: DataTypes.STRING(512), allowNull: true },
    })
    await queryInterface.addIndex(registryTable, ['sid'], {
      name: `${registryTable}_sid_unique`,
      unique: true,
    })
    await queryInterface.addIndex(registryTable, ['userId'], { name: `${registryTable}_user_id` })
    await queryInterface.addIndex(registryTable, ['userId', 'slot'], {
      name: `${registryTable}_user_slot_unique`,
      unique: true,
    })
    await queryInterface.addIndex(registryTable, ['expiresAt'], {
      name: `${registryTable}_expires_at`,
    })
  },
  async down({ context: { queryInterface, sessionTable, registryTable } }) {
    await queryInterface.dropTable(registryTable)
    if (sessionTable !== null) {
      await queryInterface.removeIndex(sessionTable, `${sessionTable}_expires`)
    }
  },
}

/** connect-session-sequelize's table, unless the store created it already, and its index. */
async function createSequelizeStoreTable(
  queryInterface: QueryInterface,
  sessionTable: string,
): Promise<void> {
  if (!(await tableNames(queryInterface)).includes(sessionTable)) {
    await queryInterface.createTable(sessionTable, {
      sid: { type: DataTypes.STRING(36), primaryKey: true },
      expires: { type: DataTypes.DATE },
      data: { type: DataTypes.TEXT },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    })
  }
  await queryInterface.addIndex(sessionTable, ['expires'], { name: `${sessionTable}_expires` })
}
