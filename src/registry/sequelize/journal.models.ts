import { DataTypes, Model, type ModelStatic, type Sequelize } from 'sequelize'

export const SESSION_ENDING_MODEL = 'SessionEnding'
export const SESSION_AUDIT_MODEL = 'SessionAudit'

export interface SessionEndingAttributes {
  ref: string
  userId: string
  reason: string
  endedAt: Date
  expiresAt: Date
  actorKind: string
  actorId: string | null
  actorLabel: string | null
  newDevice: string | null
}

export interface SessionAuditAttributes {
  id: number
  at: Date
  userId: string
  event: string
  sessions: number
  sessionRefs: string
  actorKind: string
  actorId: string | null
  actorLabel: string | null
  detail: string | null
}

export interface SessionEndingRow extends Model<SessionEndingAttributes>, SessionEndingAttributes {}
export interface SessionAuditRow
  extends
    Model<SessionAuditAttributes, Omit<SessionAuditAttributes, 'id'>>,
    SessionAuditAttributes {}

export interface JournalTables {
  endings: string
  audit: string
}

export function defineJournalModels(
  sequelize: Sequelize,
  tables: JournalTables,
): { Ending: ModelStatic<SessionEndingRow>; Audit: ModelStatic<SessionAuditRow> } {
  const Ending =
    (sequelize.models[SESSION_ENDING_MODEL] as ModelStatic<SessionEndingRow> | undefined) ??
    sequelize.define<SessionEndingRow>(
      SESSION_ENDING_MODEL,
      {
        ref: { type: DataTypes.STRING(64), primaryKey: true },
        userId: { type: DataTypes.STRING(191), allowNull: false },
        reason: { type: DataTypes.STRING(40), allowNull: false },
        endedAt: { type: DataTypes.DATE(3), allowNull: false },
        expiresAt: { type: DataTypes.DATE(3), allowNull: false },
        actorKind: { type: DataTypes.STRING(10), allowNull: false },
        actorId: { type: DataTypes.STRING(191), allowNull: true },
        actorLabel: { type: DataTypes.STRING(191), allowNull: true },
        newDevice: { type: DataTypes.STRING(200), allowNull: true },
      },
      {
        tableName: tables.endings,
        timestamps: false,
        indexes: [{ name: `${tables.endings}_expires_at`, fields: ['expiresAt'] }],
      },
    )
  const Audit =
    (sequelize.models[SESSION_AUDIT_MODEL] as ModelStatic<SessionAuditRow> | undefined) ??
    sequelize.define<SessionAuditRow>(
      SESSION_AUDIT_MODEL,
      {
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
      },
      {
        tableName: tables.audit,
        timestamps: false,
        indexes: [
          { name: `${tables.audit}_user_id`, fields: ['userId'] },
          { name: `${tables.audit}_actor_id`, fields: ['actorId'] },
          { name: `${tables.audit}_at`, fields: ['at'] },
        ],
      },
    )
  return { Ending, Audit }
}
