import { expect, it } from 'vitest'
import { Column, ORM, Relation, RestoreError, SoftDel, UniqueConstraintError, type EntityClass } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { bootWithSideDoor, caught, columnValues, type BehindTheOrm } from './behind-the-orm.js'

// One rule for isDeleted = false and restore(): a row never comes back under a soft-deleted required parent.

class Author extends SoftDel {
  @Column({ unique: true }) name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Chapter extends SoftDel {
  @Column() title: string
  @Relation(() => Author) author: Author
  constructor(title: string, author: Author) {
    super()
    this.title = title
    this.author = author
  }
}

const CLASSES: EntityClass[] = [SoftDel, Author, Chapter]

let side: BehindTheOrm

/** An author and a chapter, each soft-deleted on its own; plus a live author with a live chapter. */
async function hiddenPair(): Promise<{ ann: Author; one: Chapter; bob: Author; two: Chapter }> {
  const ann = new Author('ann')
  const one = new Chapter('one', ann)
  const bob = new Author('bob')
  const two = new Chapter('two', bob)
  await ORM.flush()
  await one.softDelete()
  await ann.softDelete()
  return { ann, one, bob, two }
}

describeEachDialect('isDeleted = false keeps the rule of restore()', (db) => {
  it('refuses isDeleted = false under a soft-deleted required parent with a RestoreError naming the parent', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const { ann, one } = await hiddenPair()
    one.isDeleted = false
    const error = await caught(ORM.flush())
    expect(error).toBeInstanceOf(RestoreError)
    expect((error as Error).message).toContain(`Author #${String(ann.id)}`)
    expect((error as Error).message).toContain('Chapter.author')
    expect((error as Error).message).toContain(`Chapter #${String(one.id)}`)
  })

  it('writes nothing from that flush, and the rest goes through once the flag is set back', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const { one, two } = await hiddenPair()
    one.isDeleted = false
    two.title = 'two-2'
    await expect(ORM.flush()).rejects.toBeInstanceOf(RestoreError)
    expect(await columnValues(side, 'chapter', 'title')).toEqual(['one', 'two'])
    expect((await columnValues(side, 'chapter', 'deleted_at'))[0]).not.toBeNull()
    one.isDeleted = true
    await ORM.flush()
    expect(await columnValues(side, 'chapter', 'title')).toEqual(['one', 'two-2'])
    expect((await columnValues(side, 'chapter', 'deleted_at'))[0]).not.toBeNull()
  })

  it('counts a parent restored in the same flush as live', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const { ann, one } = await hiddenPair()
    one.isDeleted = false
    await expect(ORM.flush()).rejects.toBeInstanceOf(RestoreError)
    ann.isDeleted = false
    await ORM.flush()
    expect(await columnValues(side, 'chapter', 'deleted_at')).toEqual([null, null])
    expect(await Chapter.find({ where: { author: ann } })).toEqual([one])
  })

  it('refuses it when the same flush hides the parent', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const { one, bob } = await hiddenPair()
    one.author = bob
    await ORM.flush()
    bob.isDeleted = true
    one.isDeleted = false
    const error = await caught(ORM.flush())
    expect(error).toBeInstanceOf(RestoreError)
    expect((error as Error).message).toContain(`Author #${String(bob.id)}`)
    expect(await columnValues(side, 'author', 'deleted_at')).toEqual([expect.anything(), null])
    expect((await columnValues(side, 'chapter', 'deleted_at'))[0]).not.toBeNull()
  })

  it('refuses it when the same flush moves the row under a soft-deleted parent', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const { ann, two } = await hiddenPair()
    two.isDeleted = true
    await ORM.flush()
    two.author = ann
    two.isDeleted = false
    const error = await caught(ORM.flush())
    expect(error).toBeInstanceOf(RestoreError)
    expect((error as Error).message).toContain(`Author #${String(ann.id)}`)
    expect(await columnValues(side, 'chapter', 'deleted_at')).toEqual([expect.anything(), expect.anything()])
  })

  it('refuses it too when another connection soft-deleted the parent', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Author('ann')
    const one = new Chapter('one', ann)
    await ORM.flush()
    await one.softDelete()
    await side.run('UPDATE author SET deleted_at = updated_at WHERE id = ?', [ann.id])
    one.isDeleted = false
    await expect(ORM.flush()).rejects.toBeInstanceOf(RestoreError)
    expect((await columnValues(side, 'chapter', 'deleted_at'))[0]).not.toBeNull()
  })

  it('restores through the flag exactly as restore() does when the parents are live', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Author('ann')
    const byFlag = new Chapter('flag', ann)
    const byMethod = new Chapter('method', ann)
    await ORM.flush()
    const before = await side.run('SELECT title, deleted_at, updated_at, author_id FROM chapter ORDER BY id')
    await byFlag.softDelete()
    await byMethod.softDelete()
    byFlag.isDeleted = false
    await ORM.flush()
    await byMethod.restore()
    expect(await side.run('SELECT title, deleted_at, updated_at, author_id FROM chapter ORDER BY id')).toEqual(before)
  })

  it('still inserts a new row under a soft-deleted parent', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const { ann } = await hiddenPair()
    const three = new Chapter('three', ann)
    await ORM.flush()
    expect(three.isDeleted).toBe(false)
    expect((await Chapter.find()).map((chapter) => chapter.title)).toEqual(['two', 'three'])
    expect(await columnValues(side, 'chapter', 'title')).toEqual(['one', 'two', 'three'])
  })
})

describeEachDialect('restore() and unique conflicts', (db) => {
  it('words a unique conflict of restore() for the restore, not for a flush', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const old = new Author('ann')
    await ORM.flush()
    await old.softDelete()
    new Author('ann')
    await ORM.flush()
    const error = await caught(old.restore())
    expect(error).toBeInstanceOf(UniqueConstraintError)
    expect((error as Error).message).toContain(`Cannot restore Author #${String(old.id)}`)
    expect((error as Error).message).not.toContain('flush')
    expect([(error as UniqueConstraintError).className, (error as UniqueConstraintError).property]).toEqual(['Author', 'name'])
    const bulk = await caught(Author.restore({ where: {} }))
    expect(bulk).toBeInstanceOf(UniqueConstraintError)
    expect((bulk as Error).message).not.toContain('flush')
  })
})
