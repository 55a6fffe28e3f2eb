import { DataTypes } from 'sequelize'
import type { Migration } from './context.js'

/**
 * Idle and absolute timeouts: each record keeps the timeouts fixed at its login and when it
 * times out, indexed for pruning.
 */
export const addSessionTimeouts: Migration = {
  name: '0003-add-session-timeouts',
  async up({ context: { queryInterface, registryTable } }) {
    await queryInterface.addColumn(registryTable, 'idleTimeout', {
      type: DataTypes.BIGINT,
      allowNull: true,
    })
    await queryInterface.addColumn(registryTable, 'absoluteTimeout', {
      type: DataTypes.BIGINT,
      allowNull: true,
    })
    await queryInterface.addColumn(registryTable, 'timesOutAt', {
      type: DataTypes.DATE(3),
      allowNull: true,
    })
    await queryInterface.addIndex(registryTable, ['timesOutAt'], {
      name: `${registryTable}_times_out_at`,
    })
  },
  async down({ context: { queryInterface, registryTable } }) {
    await queryInterface.removeIndex(registryTable, `${registryTable}_times_out_at`)
    await queryInterface.removeColumn(registryTable, 'timesOutAt')
    await queryInterface.removeColumn(registryTable, 'absoluteTimeout')
    await queryInterface.removeColumn(registryTable, 'idleTimeout')
  },
}
