import { DataTypes, Model, type ModelStatic, type Sequelize } from 'sequelize'

export const USER_SESSION_MODEL = 'UserSession'
export const DEFAULT_USER_SESSION_TABLE = 'user_sessions'

export interface UserSessionAttributes {
  id: number
  sid: string
  userId: string
  slot: number | null
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  ip: string | null
  userAgent: string | null
  idleTimeout: number | null
  absoluteTimeout: number | null
  timesOutAt: Date | null
}

export type UserSessionCreation = Omit<
  UserSessionAttributes,
  'id' | 'slot' | 'idleTimeout' | 'absoluteTimeout' | 'timesOutAt'
> & {
  slot?: number | null
  idleTimeout?: number | null
  absoluteTimeout?: number | null
  timesOutAt?: Date | null
}

export interface UserSessionRow
  extends Model<UserSessionAttributes, UserSessionCreation>, UserSessionAttributes {}

export type UserSessionModel = ModelStatic<UserSessionRow>

/**
 * One row per logged-in session. `id` gives the total order "newest first" relies on. `slot` is
 * no longer written (deny mode counts every record under a per-user lock); it stays so that no
 * migration is needed, and older rows that carry one count like any other.
 * The session's data never lives here: this table is safe to show to admins.
 */
export function defineUserSessionModel(sequelize: Sequelize, tableName: string): UserSessionModel {
  const existing = sequelize.models[USER_SESSION_MODEL]
  if (existing) {
    if (existing.tableName !== tableName) {
      throw new Error(
        `A ${USER_SESSION_MODEL} model for table ${existing.tableName} is already defined on this Sequelize instance`,
      )
    }
    return existing as UserSessionModel
  }
  return sequelize.define<UserSessionRow>(
    USER_SESSION_MODEL,
    {
      id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
      sid: { type: DataTypes.STRING(128), allowNull: false },
      userId: { type: DataTypes.STRING(191), allowNull: false },
      slot: { type: DataTypes.INTEGER, allowNull: true },
      createdAt: { type: DataTypes.DATE(3), allowNull: false },
      lastSeenAt: { type: DataTypes.DATE(3), allowNull: false },
      expiresAt: { type: DataTypes.DATE(3), allowNull: false },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      userAgent: { type: DataTypes.STRING(512), allowNull: true },
      idleTimeout: { type: DataTypes.BIGINT, allowNull: true },
      absoluteTimeout: { type: DataTypes.BIGINT, allowNull: true },
      timesOutAt: { type: DataTypes.DATE(3), allowNull: true },
    },
    {
      tableName,
      timestamps: false,
      // Named from the table as the migrations name them (0001, 0003), so that sync() builds
      // what migrate() builds, and two registry tables in one schema do not collide.
      indexes: [
        { name: `${tableName}_sid_unique`, unique: true, fields: ['sid'] },
        { name: `${tableName}_user_id`, fields: ['userId'] },
        { name: `${tableName}_user_slot_unique`, unique: true, fields: ['userId', 'slot'] },
        { name: `${tableName}_expires_at`, fields: ['expiresAt'] },
        { name: `${tableName}_times_out_at`, fields: ['timesOutAt'] },
      ],
    },
  )
}
