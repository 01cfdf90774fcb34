import { expect, it } from 'vitest'
import {
  BootError,
  Column,
  ConcurrencyError,
  DetachedInstanceError,
  Entity,
  ORM,
  Relation,
  SoftDel,
  Table,
  ValidationError,
  type EntityClass,
} from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { bootWithSideDoor, caught, columnValues, type BehindTheOrm } from './behind-the-orm.js'

// Optimistic concurrency: a version column that every update increments and requires.

class Label extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Doc extends Entity {
  @Column() title: string
  @Column({ version: true }) version: number
  @Relation(() => Label) labels: Label[] = []
  constructor(title: string) {
    super()
    this.title = title
  }
}

class Folder extends SoftDel {
  @Column() name: string
  @Column({ version: true }) version: number
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Page extends SoftDel {
  @Column() text: string
  @Column({ version: true }) version: number
  @Relation(() => Folder) folder: Folder
  constructor(text: string, folder: Folder) {
    super()
    this.text = text
    this.folder = folder
  }
}

const CLASSES: EntityClass[] = [SoftDel, Label, Doc, Folder, Page]

let side: BehindTheOrm

async function versions(table: string): Promise<number[]> {
  return (await columnValues(side, table, 'version')).map(Number)
}

describeEachDialect('version columns', (db) => {
  it('sets the version to 1 on insert and increments it with every update', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    await ORM.flush()
    expect(doc.version).toBe(1)
    doc.title = 'final'
    await ORM.flush()
    doc.title = 'final, really'
    await ORM.flush()
    expect(doc.version).toBe(3)
    expect(await versions('doc')).toEqual([3])
  })

  it('refuses an assignment to the version with a ValidationError', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    await ORM.flush()
    expect(() => {
      ;(doc as { version: number }).version = 7
    }).toThrow(ValidationError)
    expect(doc.version).toBe(1)
  })

  it('refuses a version column that is not a number, with a BootError naming it', async () => {
    class Bad extends Entity {
      @Column({ version: true }) version: string
    }
    const error = await caught(db.boot([Bad]))
    expect(error).toBeInstanceOf(BootError)
    expect((error as Error).message).toContain('Bad.version')
  })

  it('rejects an update of a row another connection changed since it was loaded, and writes nothing', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    const other = new Doc('other')
    await ORM.flush()
    await side.run('UPDATE doc SET title = ?, version = version + 1 WHERE id = ?', ['theirs', doc.id])
    doc.title = 'mine'
    other.title = 'other-2'
    const error = await caught(ORM.flush())
    expect(error).toBeInstanceOf(ConcurrencyError)
    expect((error as ConcurrencyError).reason).toBe('changed')
    expect((error as Error).message).toContain(`Doc #${String(doc.id)}`)
    expect((error as Error).message).toContain('deleted or changed by someone else')
    expect(await columnValues(side, 'doc', 'title')).toEqual(['theirs', 'other'])
    await ORM.flush()
    expect(await columnValues(side, 'doc', 'title')).toEqual(['theirs', 'other-2'])
  })

  it('rolls back a batched update of versioned rows when one of them changed', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const docs = [new Doc('a'), new Doc('b'), new Doc('c')]
    await ORM.flush()
    await side.run('UPDATE doc SET version = version + 1 WHERE id = ?', [docs[1]?.id])
    for (const doc of docs) doc.title += '-2'
    const error = await caught(ORM.flush())
    expect((error as ConcurrencyError).id).toBe(docs[1]?.id)
    expect(await columnValues(side, 'doc', 'title')).toEqual(['a', 'b', 'c'])
    await ORM.flush()
    expect(await columnValues(side, 'doc', 'title')).toEqual(['a-2', 'b', 'c-2'])
    expect(await versions('doc')).toEqual([2, 2, 2])
  })

  it('lets the caller reload() after a conflict and re-apply the change on the current version', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    await ORM.flush()
    await side.run('UPDATE doc SET title = ?, version = version + 1 WHERE id = ?', ['theirs', doc.id])
    doc.title = 'mine'
    await expect(ORM.flush()).rejects.toBeInstanceOf(ConcurrencyError)
    await doc.reload()
    expect([doc.title, doc.version]).toEqual(['theirs', 2])
    doc.title = 'theirs and mine'
    await ORM.flush()
    expect(await columnValues(side, 'doc', 'title')).toEqual(['theirs and mine'])
    expect(await versions('doc')).toEqual([3])
    expect(await Doc.findById(doc.id)).toBe(doc)
  })

  it('counts a to-many change as a change of its owner: the version increments and is required', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    const news = new Label('news')
    await ORM.flush()
    doc.labels.push(news)
    await ORM.flush()
    expect(doc.version).toBe(2)
    await side.run('UPDATE doc SET version = version + 1 WHERE id = ?', [doc.id])
    doc.labels.length = 0
    await expect(ORM.flush()).rejects.toBeInstanceOf(ConcurrencyError)
    expect(await side.run('SELECT * FROM doc_labels')).toHaveLength(1)
  })

  it('increments the version on soft delete and restore, through the flag and the methods', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const byFlag = new Folder('flag')
    const byMethod = new Folder('method')
    await ORM.flush()
    byFlag.isDeleted = true
    await ORM.flush()
    await byMethod.softDelete()
    expect([byFlag.version, byMethod.version]).toEqual([2, 2])
    byFlag.isDeleted = false
    await ORM.flush()
    await byMethod.restore()
    expect([byFlag.version, byMethod.version]).toEqual([3, 3])
    expect(await versions('folder')).toEqual([3, 3])
  })

  it('refuses softDelete() and restore() of a row another connection changed, with a ConcurrencyError', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const live = new Folder('live')
    const hidden = new Folder('hidden')
    await ORM.flush()
    await hidden.softDelete()
    await side.run('UPDATE folder SET name = ?, version = version + 1', ['renamed'])
    expect(await caught(live.softDelete({ cascade: true }))).toBeInstanceOf(ConcurrencyError)
    expect(await caught(hidden.restore())).toBeInstanceOf(ConcurrencyError)
    expect(await columnValues(side, 'folder', 'deleted_at')).toEqual([null, expect.anything()])
    await hidden.reload()
    await hidden.restore()
    expect(await columnValues(side, 'folder', 'deleted_at')).toEqual([null, null])
  })

  it('increments the version of every row a cascade or a bulk call changes, and of the instances in memory', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const folder = new Folder('f')
    const page = new Page('p', folder)
    await ORM.flush()
    await folder.softDelete({ cascade: true })
    expect([folder.version, page.version]).toEqual([2, 2])
    await folder.restore({ cascade: true })
    expect([folder.version, page.version]).toEqual([3, 3])
    await Page.softDelete({ where: {} })
    await Page.restore({ where: {} })
    expect(page.version).toBe(5)
    expect(await versions('page')).toEqual([5])
    page.text = 'p-2'
    await ORM.flush()
    expect(await versions('page')).toEqual([6])
  })
})

@Table({ name: 'memo' })
class MemoBefore extends Entity {
  @Column() text: string
  constructor(text: string) {
    super()
    this.text = text
  }
}

@Table({ name: 'memo' })
class MemoAfter extends Entity {
  @Column() text: string
  @Column({ version: true }) version: number
}

describeEachDialect(
  'a version column added to a table that has rows',
  (db) => {
    it('counts the rows from before as version 0 and gives them version 1 at their first update', async () => {
      await db.boot([MemoBefore], { autoFlush: false, logger: { warn: () => undefined } })
      new MemoBefore('old')
      await ORM.flush()
      await ORM.close()
      await ORM.boot([MemoAfter], { ...db.connectionOptions(), autoFlush: false, logger: { warn: () => undefined } })
      const [memo] = await MemoAfter.find()
      expect(memo?.version).toBeUndefined()
      if (memo) memo.text = 'new'
      await ORM.flush()
      expect(memo?.version).toBe(1)
      const [row] = await ORM.query('SELECT text, version FROM memo')
      expect([row?.text, Number(row?.version)]).toEqual(['new', 1])
    })
  },
  ['sqlite-file', 'postgres'],
)

describeEachDialect('reload()', (db) => {
  it('drops unflushed changes and takes the row as it is now, version included', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    await ORM.flush()
    doc.title = 'local'
    await side.run('UPDATE doc SET title = ?, version = version + 1 WHERE id = ?', ['theirs', doc.id])
    await doc.reload()
    expect([doc.title, doc.version]).toEqual(['theirs', 2])
    await ORM.flush()
    expect(await columnValues(side, 'doc', 'title')).toEqual(['theirs'])
  })

  it('works for a class without a version column, and drops to-many changes', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const label = new Label('news')
    const doc = new Doc('draft')
    await ORM.flush()
    label.name = 'local'
    doc.labels.push(label)
    await label.reload()
    await doc.reload()
    expect(label.name).toBe('news')
    expect(await doc.labels).toEqual([])
    await ORM.flush()
    expect(await side.run('SELECT * FROM doc_labels')).toEqual([])
  })

  it('reads a soft-deleted row too', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const folder = new Folder('f')
    await ORM.flush()
    await side.run('UPDATE folder SET deleted_at = updated_at, version = version + 1')
    await folder.reload()
    expect([folder.isDeleted, folder.version]).toEqual([true, 2])
  })

  it('throws a ValidationError for an instance that was never flushed', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    const error = await caught(doc.reload())
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toContain('never flushed')
  })

  it('throws a ConcurrencyError and detaches the instance when the row is gone', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    await ORM.flush()
    await side.run('DELETE FROM doc WHERE id = ?', [doc.id])
    const error = await caught(doc.reload())
    expect(error).toBeInstanceOf(ConcurrencyError)
    expect((error as ConcurrencyError).reason).toBe('deleted')
    await expect(doc.save()).rejects.toBeInstanceOf(DetachedInstanceError)
  })

  it('refuses an instance that this process deleted', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const doc = new Doc('draft')
    await ORM.flush()
    await doc.delete()
    await expect(doc.reload()).rejects.toBeInstanceOf(DetachedInstanceError)
  })
})
