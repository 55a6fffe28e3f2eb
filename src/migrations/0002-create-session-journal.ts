import { DataTypes } from 'sequelize'
import type { Migration } from './context.js'

/** Why sessions ended (for their owners) and the audit trail (for admins). */
export const createSessionJournal: Migration = {
  name: '0002-create-session-journal',
  async up({ context: { queryInterface, endingsTable, auditTable } }) {
    await queryInterface.createTable(endingsTable, {
      ref: { type: DataTypes.STRING(64), primaryKey: true },
      userId: { type: DataTypes.STRING(191), allowNull: false },
      reason: { type: DataTypes.STRING(40), allowNull: false },
      endedAt: { type: DataTypes.DATE(3), allowNull: false },
      expiresAt: { type: DataTypes.DATE(3), allowNull: false },
      actorKind: { type: DataTypes.STRING(10), allowNull: false },
      actorId: { type: DataTypes.STRING(191), allowNull: true },
      actorLabel: { type: DataTypes.STRING(191), allowNull: true },
      newDevice: { type: DataTypes.STRING(200), allowNull: true },
    })
    await queryInterface.addIndex(endingsTable, ['expiresAt'], {
      name: `${endingsTable}_expires_at`,
    })

    await queryInterface.createTable(auditTable, {
      id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
      at: { type: DataTypes.DATE(3), allowNull: false },
      userId: { type: DataTypes.STRING(191), allowNull: false },
      event: { type: DataTypes.STRING(40), allowNull: false },
      sessions: { type: DataTypes.INTEGER, allowNull: false },
      sessionRefs: { type: DataTypes.TEXT, allowNull: false },
      actorKind: { type: DataTypes.STRING(10), allowNull: false },
      actorId: { type: DataTypes.STRING(191), allowNull: true },
      actorLabel: { type: DataTypes.STRING(191), allowNull: true },
      detail: { type: DataTypes.STRING(255), allowNull: true },
    })
    await queryInterface.addIndex(auditTable, ['userId'], { name: `${auditTable}_user_id` })
    await queryInterface.addIndex(auditTable, ['actorId'], { name: `${auditTable}_actor_id` })
    await queryInterface.addIndex(auditTable, ['at'], { name: `${auditTable}_at` })
  },
  async down({ context: { queryInterface, endingsTable, auditTable } }) {
    await queryInterface.dropTable(auditTable)
    await queryInterface.dropTable(endingsTable)
  },
}
