import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'
import { Lead, Member, Post, Shift, SOFT_HIERARCHY, Staff } from './model.js'

describeEachDialect('concrete inheritance: soft deletion', (db) => {
  it('makes every subclass of a soft-deletable root soft-deletable, hiding its rows from every class', async () => {
    await db.boot(SOFT_HIERARCHY)
    const ann = new Member('ann')
    const bob = new Staff('bob')
    const cid = new Lead('cid')
    await ORM.flush()
    bob.isDeleted = true
    await ORM.flush()
    expect(bob.isDeleted).toBe(true)
    expect((await Member.find()).map((member) => member.name)).toEqual(['ann', 'cid'])
    expect((await Staff.find()).map((member) => member.name)).toEqual(['cid'])
    expect(await Staff.find({ onlyDeleted: true })).toEqual([bob])
    expect(await Member.count({ withDeleted: true })).toBe(3)
    expect(await Staff.findById(bob.id)).toBeUndefined()
    await bob.restore()
    expect(await Staff.find()).toEqual([bob, cid])
    expect(ann.isDeleted).toBe(false)
  })

  it('soft-deletes with a where within the class only', async () => {
    await db.boot(SOFT_HIERARCHY)
    new Member('ann')
    new Staff('bob')
    new Lead('cid')
    await ORM.flush()
    expect(await Staff.softDelete({ where: {} })).toBe(2)
    expect((await Member.find()).map((member) => member.name)).toEqual(['ann'])
    expect(await Lead.restore({ where: {} })).toBe(1)
    expect((await Member.find()).map((member) => member.name)).toEqual(['ann', 'cid'])
  })

  it('cascades a soft delete and its restore to dependents of the root and of a subclass', async () => {
    await db.boot(SOFT_HIERARCHY)
    const cid = new Lead('cid')
    const post = new Post('hello', cid)
    const shift = new Shift('monday', cid)
    const other = new Post('other', new Member('ann'))
    await ORM.flush()
    expect(await cid.softDelete({ cascade: true })).toEqual({ Lead: 1, Post: 1, Shift: 1 })
    expect([post.isDeleted, shift.isDeleted, other.isDeleted]).toEqual([true, true, false])
    expect((await Post.find()).map((item) => item.title)).toEqual(['other'])
    expect(await Shift.count()).toBe(0)
    expect(await cid.restore({ cascade: true })).toEqual({ Lead: 1, Post: 1, Shift: 1 })
    expect(await Shift.find()).toEqual([shift])
    const rows = await rawRows('SELECT name, entity_type, deleted_at FROM member ORDER BY name')
    expect(rows.map((row) => [row.name, row.entity_type, row.deleted_at])).toEqual([
      ['ann', 'Member', null],
      ['cid', 'Lead', null],
    ])
  })

  it('reads a soft-deleted parent through a relation to a subclass with withDeleted only', async () => {
    await db.boot(SOFT_HIERARCHY)
    const bob = new Staff('bob')
    new Shift('monday', bob)
    await ORM.flush()
    await bob.softDelete()
    expect(await Shift.count({ where: { staff: { name: 'bob' } } })).toBe(0)
    expect(await Shift.count({ where: { staff: { name: 'bob', withDeleted: true } } as object })).toBe(1)
  })
})
