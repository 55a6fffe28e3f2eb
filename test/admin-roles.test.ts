/**
 * The example app's User resource is what people copy: staff (permission `logout` only) must not
 * be able to edit roles or permissions (and so give themselves `logout_all`), nor delete users.
 * Through a real HTTP server, with AdminJS's stock actions as a browser would post them.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { examplePanel } from './support/admin-panel.js'

interface ActionBody {
  notice?: { type: string; message: string; options?: { text?: string } }
  singleSession?: { skipped: Array<{ label: string }> }
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }
const record = (id: number, action: string) => `/admin/api/resources/User/records/${id}/${action}`

describe('User resource of the example app: roles and permissions', () => {
  const suite = examplePanel('admin_roles')
  const user = (who: string) => suite.example.User.findByPk(suite.ids[who])

  it('staff posting the stock edit on its own record to become admin with logout_all is refused; nothing changes, root stays signed in', async () => {
    const root = await suite.site('root')
    const staff = await suite.panel('staff')
    const staffId = suite.ids.staff!
    const body = new URLSearchParams({
      email: 'staff@example.com',
      name: 'Sam Staff',
      role: 'admin',
      'permissions.0': 'logout',
      'permissions.1': 'logout_all',
    }).toString()

    const edit = await staff.request<ActionBody>('POST', record(staffId, 'edit'), body, form)
    assert.equal(edit.body.notice?.type, 'error', edit.text.slice(0, 300))
    const after = await user('staff')
    assert.equal(after!.role, 'staff')
    assert.deepEqual(after!.permissions, ['logout'])

    // Still only `logout`: root (an admin) is skipped, and stays signed in.
    const logout = await staff.post<ActionBody>(record(suite.ids.root!, 'logoutAllSessions'))
    assert.equal(logout.body.notice?.type, 'error')
    assert.deepEqual(
      logout.body.singleSession?.skipped.map((s) => s.label),
      ['root@example.com'],
    )
    assert.equal((await root.get('/me')).status, 200)
    assert.equal(await suite.sessions('root'), 1)
  })

  it('staff cannot delete users, one or in bulk; an admin can', async () => {
    const staff = await suite.panel('staff')
    const one = await staff.post<ActionBody>(record(suite.ids.bob!, 'delete'))
    assert.equal(one.body.notice?.type, 'error', one.text.slice(0, 300))
    const bulk = await staff.post<ActionBody>(
      `/admin/api/resources/User/bulk/bulkDelete?recordIds=${suite.ids.bob},${suite.ids.alice}`,
    )
    assert.equal(bulk.body.notice?.type, 'error', bulk.text.slice(0, 300))
    assert.ok(await user('bob'))
    assert.ok(await user('alice'))

    const admin = await suite.panel('admin')
    const done = await admin.post<ActionBody>(record(suite.ids.bob!, 'delete'))
    assert.equal(done.body.notice?.type, 'success', done.text.slice(0, 300))
    assert.equal(await user('bob'), null)
  })

  it('an admin demoted to staff while signed in can no longer edit or delete: the role is read again', async () => {
    const demoted = await suite.panel('root')
    await suite.example.User.update({ role: 'staff' }, { where: { id: suite.ids.root } })
    const body = new URLSearchParams({ email: 'root@example.com', name: 'Root', role: 'admin' })
    const edit = await demoted.request<ActionBody>(
      'POST',
      record(suite.ids.root!, 'edit'),
      body.toString(),
      form,
    )
    assert.equal(edit.body.notice?.type, 'error', edit.text.slice(0, 300))
    assert.equal((await user('root'))!.role, 'staff')
    const remove = await demoted.post<ActionBody>(record(suite.ids.alice!, 'delete'))
    assert.equal(remove.body.notice?.type, 'error', remove.text.slice(0, 300))
    assert.ok(await user('alice'))
    await suite.example.User.update({ role: 'admin' }, { where: { id: suite.ids.root } })
  })

  it('the edit and delete buttons are not offered to staff, and are to admins', async () => {
    const list = '/admin/api/resources/User/actions/list'
    type ListBody = { records: Array<{ recordActions: Array<{ name: string }> }> }
    const names = async (who: string) => {
      const res = await (await suite.panel(who)).get<ListBody>(list)
      return new Set(res.body.records.flatMap((r) => r.recordActions.map((a) => a.name)))
    }
    const staff = await names('staff')
    assert.ok(!staff.has('edit') && !staff.has('delete'), [...staff].join(','))
    const admin = await names('admin')
    assert.ok(admin.has('edit') && admin.has('delete'), [...admin].join(','))
  })
})
