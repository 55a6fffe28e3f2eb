import {
  DataTypes,
  Model,
  UniqueConstraintError,
  type ModelStatic,
  type Sequelize,
} from 'sequelize'
import { hashPassword } from './passwords.js'

export type Role = 'admin' | 'staff' | 'user'

export interface UserAttributes {
  id: number
  email: string
  name: string
  role: Role
  /** Panel permissions: 'logout' and/or 'logout_all'. */
  permissions: string[]
  passwordHash: string
}

export interface UserRow
  extends Model<UserAttributes, Omit<UserAttributes, 'id'> & { id?: number }>, UserAttributes {}

export function defineUser(sequelize: Sequelize): ModelStatic<UserRow> {
  return sequelize.define<UserRow>(
    'User',
    {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      email: { type: DataTypes.STRING(191), allowNull: false, unique: true },
      name: { type: DataTypes.STRING(100), allowNull: false },
      role: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'user' },
      permissions: { type: DataTypes.JSON, allowNull: false, defaultValue: [] },
      passwordHash: { type: DataTypes.STRING(200), allowNull: false },
    },
    { tableName: 'users' },
  )
}

export const DEMO_PASSWORD = 'password'

export const DEMO_USERS: ReadonlyArray<
  Pick<UserAttributes, 'email' | 'name' | 'role' | 'permissions'>
> = [
  {
    email: 'admin@example.com',
    name: 'Ada Admin',
    role: 'admin',
    permissions: ['logout', 'logout_all'],
  },
  {
    email: 'root@example.com',
    name: 'Root Admin',
    role: 'admin',
    permissions: ['logout', 'logout_all'],
  },
  { email: 'staff@example.com', name: 'Sam Staff', role: 'staff', permissions: ['logout'] },
  { email: 'alice@example.com', name: 'Alice', role: 'user', permissions: [] },
  { email: 'bob@example.com', name: 'Bob', role: 'user', permissions: [] },
]

/** Creates the demo accounts that are missing; existing ones are left as they are. */
export async function seedDemoUsers(User: ModelStatic<UserRow>): Promise<void> {
  for (const demo of DEMO_USERS) {
    const existing = await User.findOne({ where: { email: demo.email } })
    if (existing) continue
    try {
      await User.create({ ...demo, passwordHash: await hashPassword(DEMO_PASSWORD) })
    } catch (error) {
      // Another process of the app seeded it at the same moment.
      if (!(error instanceof UniqueConstraintError)) throw error
    }
  }
}
