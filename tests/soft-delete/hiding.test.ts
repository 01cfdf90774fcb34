import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import {
  BootError,
  Column,
  DetachedInstanceError,
  ORM,
  SoftDel,
  SoftDelUuid,
  Table,
  ValidationError,
  type BootOptions,
  type Where,
} from '../../lib/index.js'
import type { Loaded } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawCount, rawRows, tableNames } from '../support/raw-sql.js'
import { rejection } from '../support/rejection.js'
import { MODEL as CLASSES, Note, Review, Story, Tag, User } from '../support/soft-model.js'

// --- classes for the declaration tests ---

/** A direct child of SoftDel choosing its own id type. */
class Ledger extends SoftDel {
  static ormClassSettings_ = { idType: 'BIGINT' }
  @Column() label: string
  constructor(label: string) {
    super()
    this.label = label
  }
}

/** A grandchild of SoftDel may not choose its id type. */
class Entry extends SoftDel {}
class SubEntry extends Entry {
  static ormClassSettings_ = { idType: 'BIGINT' }
  @Column() label: string
}

/** SoftDelUuid fixes the id type: its descendants may not override it. */
class Receipt extends SoftDelUuid {
  static override ormClassSettings_ = { idType: 'BIGINT' } as unknown as { idType: 'UUID' }
  @Column() label: string
}

@Table({ columns: { deletedAt: 'removed_at' } })
class Archive extends SoftDel {
  @Column() label: string
  constructor(label: string) {
    super()
    this.label = label
  }
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

// --- helpers ---

type Row = Record<string, unknown>

/** A date column as raw SQL returns it (epoch ms on SQLite, a Date on PostgreSQL), as epoch ms; null stays null. */
function toMillis(value: unknown): number | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value.getTime() : Number(value)
}

/** A raw row without the columns that differ between otherwise identical rows. */
function withoutIdsAndTimes(row: Row | undefined): Row {
  const { id: _id, created_at: _created, updated_at: _updated, deleted_at: _deleted, ...rest } = row ?? {}
  return rest
}

async function storyRows(): Promise<Row[]> {
  return rawRows('SELECT * FROM story ORDER BY id')
}

/** Whether the column allows NULL, or undefined when the table has no such column. */
async function columnNullable(table: string, column: string): Promise<boolean | undefined> {
  if (ORM.dialect === 'sqlite') {
    const [row] = await ORM.query('SELECT "notnull" AS nn FROM pragma_table_info(?) WHERE name = ?', [table, column])
    return row === undefined ? undefined : Number(row.nn) === 0
  }
  const [row] = await ORM.query(
    `SELECT is_nullable FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
    [table, column],
  )
  return row === undefined ? undefined : row.is_nullable === 'YES'
}

/** The indexes of a table, each with the columns it covers in order. */
async function indexesOf(table: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {}
  if (ORM.dialect === 'sqlite') {
    for (const { name } of await ORM.query('SELECT name FROM pragma_index_list(?)', [table])) {
      const columns = await ORM.query('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [name])
      result[String(name)] = columns.map((column) => String(column.name))
    }
    return result
  }
  const rows = await ORM.query(
    `SELECT i.relname AS name, a.attname AS column_name
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
     WHERE n.nspname = current_schema() AND t.relname = $1
     ORDER BY i.relname, k.ord`,
    [table],
  )
  for (const row of rows) (result[String(row.name)] ??= []).push(String(row.column_name))
  return result
}

/** The index names pg_indexes lists for a table (PostgreSQL only). */
async function pgIndexNames(table: string): Promise<string[]> {
  const rows = await ORM.query(
    'SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname',
    [table],
  )
  return rows.map((row) => String(row.indexname))
}

function titles(stories: readonly Loaded<Story>[]): string[] {
  return stories.map((story) => story.title)
}

function names(tags: readonly Loaded<Tag>[]): string[] {
  return tags.map((tag) => tag.name)
}

function usernames(users: readonly Loaded<User>[]): string[] {
  return users.map((user) => user.username)
}

function thrown(fn: () => void): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

const handles: Database.Database[] = []

afterEach(() => {
  for (const handle of handles.splice(0)) handle.close()
})

/**
 * Boots on a database that outlives ORM.close(), and returns a function that closes the ORM and boots
 * it again on the same data: nothing is in memory after that. On sqlite-memory the ORM is given a
 * database handle the test keeps open (close() leaves such a handle open).
 */
async function bootReusable(db: DialectContext, options: BootOptions = {}): Promise<() => Promise<void>> {
  let reach: BootOptions
  if (db.name === 'sqlite-memory') {
    const handle = new Database(':memory:')
    handles.push(handle)
    reach = { sqlite: handle }
    await db.boot(CLASSES, { ...reach, ...options })
  } else {
    await db.boot(CLASSES, options)
    reach = db.connectionOptions()
  }
  return async () => {
    await ORM.close()
    await ORM.boot(CLASSES, { ...reach, ...options })
  }
}

/**
 * ann wrote alpha (tags news, tech; edited by bob) and beta (tech); bob wrote gamma (no tags);
 * art tags nothing. Nothing is soft-deleted yet.
 */
async function seed() {
  const ann = new User('ann')
  const bob = new User('bob')
  const news = new Tag('news')
  const tech = new Tag('tech')
  const art = new Tag('art')
  const alpha = new Story('alpha', ann)
  alpha.tags.push(news, tech)
  alpha.editor = bob
  const beta = new Story('beta', ann)
  beta.tags.push(tech)
  const gamma = new Story('gamma', bob)
  await ORM.flush()
  return { ann, bob, news, tech, art, alpha, beta, gamma }
}

async function userNamed(username: string): Promise<Loaded<User>> {
  const user = await User.findOne({ where: { username } })
  if (!user) throw new Error(`no user named ${username}`)
  return user
}

async function storyTitled(title: string): Promise<Loaded<Story>> {
  const story = await Story.findOne({ where: { title } })
  if (!story) throw new Error(`no story titled ${title}`)
  return story
}

async function junctionTagNames(title: string): Promise<string[]> {
  const rows = await rawRows(
    `SELECT tag.name AS name FROM story_tags
     JOIN story ON story.id = story_tags.story_id
     JOIN tag ON tag.id = story_tags.tag_id
     WHERE story.title = ? ORDER BY tag.name`,
    [title],
  )
  return rows.map((row) => String(row.name))
}

describeEachDialect('soft delete: declaring', (db) => {
  it('accepts SoftDel and SoftDelUuid in ORM.boot() and creates no table for them', async () => {
    await db.boot([SoftDel, SoftDelUuid, User, Tag, Story, Review, Note])
    const withBases = await tableNames()
    expect(withBases).toEqual(['note', 'review', 'story', 'story_tags', 'tag', 'user'])
    await ORM.close()
    await db.boot([User, Tag, Story, Review, Note])
    expect(await tableNames()).toEqual(withBases)
  })

  it('gives SoftDel descendants idTypeDefault ids and SoftDelUuid descendants UUID ids', async () => {
    await db.boot(CLASSES, { idTypeDefault: 'BIGINT' })
    const ann = new User('ann')
    const alpha = new Story('alpha', ann)
    const review = new Review('fine', alpha, ann)
    expect(review.id).toMatch(UUID_PATTERN)
    await ORM.flush()
    expect(typeof ann.id).toBe('bigint')
    expect(typeof alpha.id).toBe('bigint')
    expect(await User.findById(ann.id)).toBe(ann)
    expect(await Review.findById(review.id)).toBe(review)
    const [row] = await rawRows('SELECT id FROM review')
    expect(row?.id).toBe(review.id)
  })

  it('lets a direct child of SoftDel choose its id type with ormClassSettings_', async () => {
    await db.boot([SoftDel, Ledger, Archive])
    const first = new Ledger('first')
    const second = new Ledger('second')
    const other = new Archive('int ids elsewhere')
    await ORM.flush()
    expect(typeof first.id).toBe('bigint')
    expect(second.id).toBe((first.id as bigint) + 1n)
    expect(typeof other.id).toBe('number')
    await second.softDelete()
    expect(await Ledger.find()).toEqual([first])
    expect(await Ledger.findById(second.id, { withDeleted: true })).toBe(second)
  })

  it('refuses ormClassSettings_ on a grandchild of SoftDel with a BootError', async () => {
    const error = await rejection(db.boot([SoftDel, SubEntry]))
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toContain('SubEntry')
    expect((error as BootError).message).toContain('ormClassSettings_')
  })

  it('refuses ormClassSettings_ on a descendant of SoftDelUuid with a BootError', async () => {
    const error = await rejection(db.boot([SoftDelUuid, Receipt]))
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toContain('Receipt')
    expect((error as BootError).message).toContain('ormClassSettings_')
  })

  it('adds a nullable deleted_at column to soft-deletable tables only, NULL for a live row', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    new Note('hi', ann)
    await ORM.flush()
    for (const table of ['user', 'story', 'tag', 'review']) expect(await columnNullable(table, 'deleted_at')).toBe(true)
    expect(await columnNullable('note', 'deleted_at')).toBeUndefined()
    expect(await columnNullable('story_tags', 'deleted_at')).toBeUndefined()
    expect(await rawRows('SELECT deleted_at FROM "user"')).toEqual([{ deleted_at: null }])
  })

  it('indexes deleted_at as <table>_deleted_at_idx', async () => {
    await db.boot(CLASSES)
    for (const table of ['user', 'story', 'tag', 'review']) {
      expect((await indexesOf(table))[`${table}_deleted_at_idx`]).toEqual(['deleted_at'])
    }
    if (db.isPostgres) expect(await pgIndexNames('user')).toContain('user_deleted_at_idx')
  })

  it('renames the deleted_at column with @Table({ columns: { deletedAt } })', async () => {
    await db.boot([SoftDel, Archive])
    expect(await columnNullable('archive', 'removed_at')).toBe(true)
    expect(await columnNullable('archive', 'deleted_at')).toBeUndefined()
    expect((await indexesOf('archive'))['archive_removed_at_idx']).toEqual(['removed_at'])
    const kept = new Archive('kept')
    const gone = new Archive('gone')
    await ORM.flush()
    await gone.softDelete()
    const rows = await rawRows('SELECT label, removed_at FROM archive ORDER BY id')
    expect(rows.map((row) => [row.label, toMillis(row.removed_at)])).toEqual([
      ['kept', null],
      ['gone', gone.deletedAt?.getTime()],
    ])
    expect(await Archive.find()).toEqual([kept])
  })
})

describeEachDialect('soft delete: the flag and the methods', (db) => {
  it('writes the same row through isDeleted = true and through softDelete()', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    const byFlag = new Story('same', ann)
    const byMethod = new Story('same', ann)
    await ORM.flush()
    const before = await storyRows()
    byFlag.isDeleted = true
    expect(byFlag.isDeleted).toBe(true)
    expect(byFlag.deletedAt).toBeInstanceOf(Date)
    await ORM.flush()
    await byMethod.softDelete()
    const after = await storyRows()
    expect(withoutIdsAndTimes(after[0])).toEqual(withoutIdsAndTimes(after[1]))
    expect(withoutIdsAndTimes(after[0])).toEqual(withoutIdsAndTimes(before[0]))
    expect(after.map((row) => toMillis(row.deleted_at))).toEqual([byFlag.deletedAt?.getTime(), byMethod.deletedAt?.getTime()])
    expect(after.every((row) => row.deleted_at !== null)).toBe(true)
    expect(after.map((row) => toMillis(row.updated_at))).toEqual(before.map((row) => toMillis(row.updated_at)))
    expect([byFlag.isDeleted, byMethod.isDeleted]).toEqual([true, true])
  })

  it('writes the same row through isDeleted = false and through restore()', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    const byFlag = new Story('same', ann)
    const byMethod = new Story('same', ann)
    await ORM.flush()
    const live = await storyRows()
    await byFlag.softDelete()
    await byMethod.softDelete()
    byFlag.isDeleted = false
    await ORM.flush()
    await byMethod.restore()
    const after = await storyRows()
    expect(withoutIdsAndTimes(after[0])).toEqual(withoutIdsAndTimes(after[1]))
    expect(after.map((row) => row.deleted_at)).toEqual([null, null])
    expect(after.map((row) => toMillis(row.updated_at))).toEqual(live.map((row) => toMillis(row.updated_at)))
    expect([byFlag.isDeleted, byFlag.deletedAt, byMethod.isDeleted, byMethod.deletedAt]).toEqual([false, undefined, false, undefined])
  })

  it('leaves updatedAt as it was, in memory and in the database, through soft delete and restore', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    const bob = new User('bob')
    await ORM.flush()
    const annUpdated = ann.updatedAt.getTime()
    const bobUpdated = bob.updatedAt.getTime()
    const rawBefore = (await rawRows('SELECT updated_at FROM "user" ORDER BY id')).map((row) => toMillis(row.updated_at))
    await new Promise((resolve) => setTimeout(resolve, 5))
    ann.isDeleted = true
    await bob.softDelete()
    expect([ann.updatedAt.getTime(), bob.updatedAt.getTime()]).toEqual([annUpdated, bobUpdated])
    ann.isDeleted = false
    await bob.restore()
    expect([ann.updatedAt.getTime(), bob.updatedAt.getTime()]).toEqual([annUpdated, bobUpdated])
    const rawAfter = (await rawRows('SELECT updated_at FROM "user" ORDER BY id')).map((row) => toMillis(row.updated_at))
    expect(rawAfter).toEqual(rawBefore)
  })

  it('inserts a new instance flagged isDeleted before its first flush as a soft-deleted row', async () => {
    await db.boot(CLASSES)
    const ghost = new User('ghost')
    ghost.isDeleted = true
    await ORM.flush()
    expect(await User.find()).toEqual([])
    expect(await User.find({ withDeleted: true })).toEqual([ghost])
    const [row] = await rawRows('SELECT deleted_at FROM "user"')
    expect(toMillis(row?.deleted_at)).toBe(ghost.deletedAt?.getTime())
  })

  it('sends nothing when soft-deleting a row that is already soft-deleted, and keeps its deletedAt', async () => {
    const queries: string[] = []
    await db.boot(CLASSES, { onQuery: ({ sql }) => queries.push(sql) })
    const ann = new User('ann')
    await ORM.flush()
    await ann.softDelete()
    const stamp = ann.deletedAt?.getTime()
    await ORM.flush()
    queries.length = 0
    await ann.softDelete()
    ann.isDeleted = true
    await ORM.flush()
    expect(queries).toEqual([])
    expect(ann.deletedAt?.getTime()).toBe(stamp)
    const [row] = await rawRows('SELECT deleted_at FROM "user"')
    expect(toMillis(row?.deleted_at)).toBe(stamp)
  })

  it('sends nothing when restoring a live row', async () => {
    const queries: string[] = []
    await db.boot(CLASSES, { onQuery: ({ sql }) => queries.push(sql) })
    const ann = new User('ann')
    await ORM.flush()
    queries.length = 0
    await ann.restore()
    ann.isDeleted = false
    await ORM.flush()
    expect(queries).toEqual([])
    expect([ann.isDeleted, ann.deletedAt]).toEqual([false, undefined])
    expect(await rawRows('SELECT deleted_at FROM "user"')).toEqual([{ deleted_at: null }])
  })

  it('leaves the row as it was when isDeleted is set and set back before the flush', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    await ORM.flush()
    const [before] = await rawRows('SELECT * FROM "user"')
    ann.isDeleted = true
    ann.isDeleted = false
    await ORM.flush()
    const [after] = await rawRows('SELECT * FROM "user"')
    expect(after).toEqual(before)
    expect([ann.isDeleted, ann.deletedAt]).toEqual([false, undefined])
  })

  it('refuses an assignment to deletedAt with a ValidationError and changes nothing', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    await ORM.flush()
    const error = thrown(() => {
      ;(ann as { deletedAt: Date | undefined }).deletedAt = new Date()
    })
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toContain('deletedAt')
    expect([ann.isDeleted, ann.deletedAt]).toEqual([false, undefined])
    expect(await rawRows('SELECT deleted_at FROM "user"')).toEqual([{ deleted_at: null }])
  })

  it('refuses a non-boolean isDeleted with a ValidationError and changes nothing', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    await ORM.flush()
    for (const value of ['yes', 1, 0, null, undefined, new Date()]) {
      const error = thrown(() => {
        ;(ann as { isDeleted: unknown }).isDeleted = value
      })
      expect(error).toBeInstanceOf(ValidationError)
    }
    expect(ann.isDeleted).toBe(false)
    expect(await rawRows('SELECT deleted_at FROM "user"')).toEqual([{ deleted_at: null }])
  })

  it('throws DetachedInstanceError for softDelete() and restore() on a hard-deleted instance', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    const bob = new User('bob')
    await ORM.flush()
    await bob.softDelete()
    await ann.delete()
    await bob.delete()
    expect(await rejection(ann.softDelete())).toBeInstanceOf(DetachedInstanceError)
    expect(await rejection(ann.restore())).toBeInstanceOf(DetachedInstanceError)
    expect(await rejection(bob.restore())).toBeInstanceOf(DetachedInstanceError)
    expect(await rejection(bob.softDelete())).toBeInstanceOf(DetachedInstanceError)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user"')).toBe(0)
  })

  it('refuses softDelete() and restore() on a class that is not soft-deletable with a ValidationError', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    const note = new Note('plain', ann)
    await ORM.flush()
    const asSoftDel = note as unknown as SoftDel
    expect(await rejection(SoftDel.prototype.softDelete.call(asSoftDel))).toBeInstanceOf(ValidationError)
    expect(await rejection(SoftDel.prototype.restore.call(asSoftDel))).toBeInstanceOf(ValidationError)
    const noteClass = Note as unknown as typeof User
    expect(await rejection(SoftDel.softDelete.call(noteClass, { where: {} }))).toBeInstanceOf(ValidationError)
    expect(await rejection(SoftDel.restore.call(noteClass, { where: {} }))).toBeInstanceOf(ValidationError)
    expect(await Note.find()).toEqual([note])
  })
})

describeEachDialect('soft delete: bulk', (db) => {
  it('soft-deletes the matching rows in one statement and returns how many', async () => {
    const queries: string[] = []
    await db.boot(CLASSES, { onQuery: ({ sql }) => queries.push(sql) })
    await seed()
    new User('cid')
    await ORM.flush()
    queries.length = 0
    expect(await User.softDelete({ where: { username: ['ann', 'cid', 'zed'] } })).toBe(2)
    expect(queries).toHaveLength(1)
    expect(usernames(await User.find())).toEqual(['bob'])
    expect(usernames(await User.find({ onlyDeleted: true }))).toEqual(['ann', 'cid'])
  })

  it('updates the identity-mapped instances it soft-deletes, with the deletedAt the database holds', async () => {
    await db.boot(CLASSES)
    const { ann, bob } = await seed()
    const cid = new User('cid')
    await ORM.flush()
    await User.softDelete({ where: { username: ['ann', 'cid'] } })
    expect([ann.isDeleted, bob.isDeleted, cid.isDeleted]).toEqual([true, false, true])
    expect(ann.deletedAt).toBeInstanceOf(Date)
    expect(bob.deletedAt).toBeUndefined()
    const rows = await rawRows('SELECT username, deleted_at FROM "user" ORDER BY id')
    expect(rows.map((row) => [row.username, toMillis(row.deleted_at)])).toEqual([
      ['ann', ann.deletedAt?.getTime()],
      ['bob', null],
      ['cid', cid.deletedAt?.getTime()],
    ])
  })

  it('leaves rows soft-deleted before out of a bulk soft delete, with their own deletedAt', async () => {
    await db.boot(CLASSES)
    const { ann, bob } = await seed()
    await ann.softDelete()
    const annStamp = ann.deletedAt?.getTime()
    expect(await User.softDelete({ where: {} })).toBe(1)
    expect(bob.isDeleted).toBe(true)
    expect(ann.deletedAt?.getTime()).toBe(annStamp)
    const [row] = await rawRows('SELECT deleted_at FROM "user" WHERE username = ?', ['ann'])
    expect(toMillis(row?.deleted_at)).toBe(annStamp)
  })

  it('restores only soft-deleted rows, in one statement, and updates identity-mapped instances', async () => {
    const queries: string[] = []
    await db.boot(CLASSES, { onQuery: ({ sql }) => queries.push(sql) })
    const { ann, bob } = await seed()
    const cid = new User('cid')
    await ORM.flush()
    await ann.softDelete()
    await cid.softDelete()
    const before = await rawRows('SELECT username, updated_at, deleted_at FROM "user" ORDER BY id')
    await ORM.flush()
    queries.length = 0
    expect(await User.restore({ where: {} })).toBe(2)
    expect(queries).toHaveLength(1)
    expect([ann.isDeleted, bob.isDeleted, cid.isDeleted]).toEqual([false, false, false])
    const after = await rawRows('SELECT username, updated_at, deleted_at FROM "user" ORDER BY id')
    expect(after.map((row) => row.deleted_at)).toEqual([null, null, null])
    expect(after.map((row) => toMillis(row.updated_at))).toEqual(before.map((row) => toMillis(row.updated_at)))
    expect(await User.restore({ where: {} })).toBe(0)
  })

  it('refuses a bulk soft delete or restore without where, sending nothing', async () => {
    const queries: string[] = []
    await db.boot(CLASSES, { onQuery: ({ sql }) => queries.push(sql) })
    const { ann } = await seed()
    await ann.softDelete()
    await ORM.flush()
    queries.length = 0
    const missing = {} as { where: Where<User> }
    expect(await rejection(User.softDelete(missing))).toBeInstanceOf(ValidationError)
    expect(await rejection(User.restore(missing))).toBeInstanceOf(ValidationError)
    expect(await rejection(User.softDelete(undefined as unknown as { where: Where<User> }))).toBeInstanceOf(ValidationError)
    expect(queries).toEqual([])
    expect(usernames(await User.find())).toEqual(['bob'])
    expect(usernames(await User.find({ onlyDeleted: true }))).toEqual(['ann'])
  })
})

describeEachDialect('soft delete: hiding', (db) => {
  it('hides soft-deleted rows from find, and shows them with withDeleted or onlyDeleted', async () => {
    await db.boot(CLASSES)
    const { alpha, beta, gamma } = await seed()
    await beta.softDelete()
    expect(await Story.find()).toEqual([alpha, gamma])
    expect(await Story.find({ withDeleted: true })).toEqual([alpha, beta, gamma])
    expect(await Story.find({ onlyDeleted: true })).toEqual([beta])
    expect(await Story.find({ where: { title: ['beta', 'gamma'] } })).toEqual([gamma])
    expect(await Story.find({ where: { title: ['beta', 'gamma'] }, onlyDeleted: true })).toEqual([beta])
  })

  it("applies each call's withDeleted or onlyDeleted to the same where of plain values", async () => {
    await db.boot(CLASSES)
    const { ann, alpha, beta } = await seed()
    await beta.softDelete()
    expect(await Story.find({ where: { createdBy: ann.id } })).toEqual([alpha])
    expect(await Story.find({ where: { createdBy: ann.id }, withDeleted: true })).toEqual([alpha, beta])
    expect(await Story.find({ where: { createdBy: ann.id }, onlyDeleted: true })).toEqual([beta])
    expect(await Story.find({ where: { createdBy: ann.id } })).toEqual([alpha])
  })

  it('hides soft-deleted rows from findOne unless asked', async () => {
    await db.boot(CLASSES)
    const { alpha, beta } = await seed()
    await alpha.softDelete()
    expect(await Story.findOne()).toBe(beta)
    expect(await Story.findOne({ where: { title: 'alpha' } })).toBeUndefined()
    expect(await Story.findOne({ where: { title: 'alpha' }, withDeleted: true })).toBe(alpha)
    expect(await Story.findOne({ onlyDeleted: true })).toBe(alpha)
  })

  it('hides a soft-deleted row from findById even while it is in memory, unless withDeleted', async () => {
    await db.boot(CLASSES)
    const { ann, bob } = await seed()
    await ann.softDelete()
    expect(await User.findById(ann.id)).toBeUndefined()
    expect(await User.findById(ann.id, { withDeleted: true })).toBe(ann)
    expect(await User.findById(bob.id)).toBe(bob)
  })

  it('loads a soft-deleted row by id with withDeleted after a fresh boot, reporting isDeleted', async () => {
    const reboot = await bootReusable(db)
    const { ann } = await seed()
    await ann.softDelete()
    const { id } = ann
    const stamp = ann.deletedAt?.getTime()
    await reboot()
    expect(await User.findById(id)).toBeUndefined()
    const loaded = await User.findById(id, { withDeleted: true })
    expect(loaded?.username).toBe('ann')
    expect(loaded?.isDeleted).toBe(true)
    expect(loaded?.deletedAt?.getTime()).toBe(stamp)
  })

  it('counts live rows by default, all with withDeleted and deleted ones with onlyDeleted', async () => {
    await db.boot(CLASSES)
    const { alpha, beta } = await seed()
    await beta.softDelete()
    await alpha.softDelete()
    expect(await Story.count()).toBe(1)
    expect(await Story.count({ withDeleted: true })).toBe(3)
    expect(await Story.count({ onlyDeleted: true })).toBe(2)
    expect(await Story.count({ where: { title: ['alpha', 'gamma'] } })).toBe(1)
    expect(await Story.count({ where: { title: ['alpha', 'gamma'] }, onlyDeleted: true })).toBe(1)
  })

  it('hides soft-deleted members of an eager-loaded to-many relation unless it says withDeleted', async () => {
    const reboot = await bootReusable(db)
    const { tech } = await seed()
    await tech.softDelete()
    await reboot()
    const hidden = await Story.find({ relations: { tags: true } })
    expect(hidden.map((story) => [story.title, names(story.tags)])).toEqual([
      ['alpha', ['news']],
      ['beta', []],
      ['gamma', []],
    ])
    await reboot()
    const shown = await Story.find({ relations: { tags: { withDeleted: true } } })
    expect(shown.map((story) => [story.title, names(story.tags)])).toEqual([
      ['alpha', ['news', 'tech']],
      ['beta', ['tech']],
      ['gamma', []],
    ])
    expect(shown[1]?.tags[0]?.isDeleted).toBe(true)
    await reboot()
    const [nested] = await User.find({ where: { username: 'ann' }, relations: { stories: { tags: true } } })
    expect(nested?.stories.map((story) => names(story.tags))).toEqual([['news'], []])
  })

  it('hides soft-deleted rows from an eager-loaded inverse view unless it says withDeleted', async () => {
    const reboot = await bootReusable(db)
    const { beta } = await seed()
    await beta.softDelete()
    await reboot()
    const hidden = await User.find({ relations: { stories: true } })
    expect(hidden.map((user) => [user.username, titles(user.stories)])).toEqual([
      ['ann', ['alpha']],
      ['bob', ['gamma']],
    ])
    await reboot()
    const shown = await User.find({ relations: { stories: { withDeleted: true } } })
    expect(shown.map((user) => [user.username, titles(user.stories)])).toEqual([
      ['ann', ['alpha', 'beta']],
      ['bob', ['gamma']],
    ])
  })

  it('hides soft-deleted stories from the eager-loaded inverse view of a to-many relation', async () => {
    const reboot = await bootReusable(db)
    const { alpha } = await seed()
    await alpha.softDelete()
    await reboot()
    const hidden = await Tag.find({ relations: { stories: true } })
    expect(hidden.map((tag) => [tag.name, titles(tag.stories)])).toEqual([
      ['news', []],
      ['tech', ['beta']],
      ['art', []],
    ])
    await reboot()
    const shown = await Tag.find({ relations: { stories: { withDeleted: true } } })
    expect(shown.map((tag) => [tag.name, titles(tag.stories)])).toEqual([
      ['news', ['alpha']],
      ['tech', ['alpha', 'beta']],
      ['art', []],
    ])
  })

  it('hides soft-deleted members when a to-many relation is loaded lazily', async () => {
    const reboot = await bootReusable(db)
    const { tech } = await seed()
    await tech.softDelete()
    await reboot()
    const alpha = await storyTitled('alpha')
    const beta = await storyTitled('beta')
    expect(names(await alpha.tags)).toEqual(['news'])
    expect(names(await beta.tags)).toEqual([])
  })

  it('hides soft-deleted rows when an inverse view is loaded lazily', async () => {
    const reboot = await bootReusable(db)
    const { beta } = await seed()
    await beta.softDelete()
    await reboot()
    const ann = await userNamed('ann')
    const tech = await Tag.findOne({ where: { name: 'tech' } })
    expect(titles(await ann.stories)).toEqual(['alpha'])
    expect(titles((await tech?.stories) ?? [])).toEqual(['alpha'])
  })

  it('ignores soft-deleted members in a where through a to-many relation unless the nested where says withDeleted', async () => {
    await db.boot(CLASSES)
    const { alpha, beta, tech } = await seed()
    await tech.softDelete()
    expect(await Story.find({ where: { tags: { name: 'tech' } } })).toEqual([])
    expect(await Story.count({ where: { tags: { name: 'tech' } } })).toBe(0)
    expect(await Story.find({ where: { tags: { name: 'tech', withDeleted: true } } })).toEqual([alpha, beta])
    expect(await Story.find({ where: { tags: { name: ['tech', 'news'] } } })).toEqual([alpha])
  })

  it('ignores soft-deleted rows in a where through an inverse view unless the nested where says withDeleted', async () => {
    await db.boot(CLASSES)
    const { ann, bob, alpha } = await seed()
    await alpha.softDelete()
    expect(await User.find({ where: { stories: { title: 'alpha' } } })).toEqual([])
    expect(await User.findOne({ where: { stories: { title: 'alpha' } } })).toBeUndefined()
    expect(await User.find({ where: { stories: { title: 'alpha', withDeleted: true } } })).toEqual([ann])
    expect(await User.count({ where: { stories: { title: 'alpha', withDeleted: true } } })).toBe(1)
    expect(await User.find({ where: { edited: { title: 'alpha' } } })).toEqual([])
    expect(await User.find({ where: { edited: { title: 'alpha', withDeleted: true } } })).toEqual([bob])
    expect(await Tag.find({ where: { stories: { title: 'alpha' } } })).toEqual([])
  })

  it('keeps a soft-deleted story out of user.stories and out of a where through user.stories', async () => {
    await db.boot(CLASSES)
    const ann = new User('ann')
    const kept = new Story('kept', ann)
    const gone = new Story('x', ann)
    await ORM.flush()
    expect(await ann.stories).toEqual([kept, gone])
    await gone.softDelete()
    expect(await ann.stories).toEqual([kept])
    expect(await User.find({ where: { stories: { title: 'x' } } })).toEqual([])
    expect(await User.find({ where: { stories: { title: 'kept' } } })).toEqual([ann])
    await gone.restore()
    expect(await ann.stories).toEqual([kept, gone])
    expect(await User.find({ where: { stories: { title: 'x' } } })).toEqual([ann])
  })

  it('ignores a soft-deleted parent in a where through a to-one relation, but not when matching by instance or id', async () => {
    await db.boot(CLASSES)
    const { ann, alpha, beta } = await seed()
    await ann.softDelete()
    expect(await Story.find({ where: { createdBy: { username: 'ann' } } })).toEqual([])
    expect(await Story.find({ where: { createdBy: { username: 'ann', withDeleted: true } } })).toEqual([alpha, beta])
    expect(await Story.find({ where: { createdBy: ann } })).toEqual([alpha, beta])
    expect(await Story.find({ where: { createdBy: ann.id } })).toEqual([alpha, beta])
  })

  it('resolves a required to-one relation to a soft-deleted target, eagerly and lazily', async () => {
    const reboot = await bootReusable(db)
    const { ann } = await seed()
    await ann.softDelete()
    await reboot()
    const [eager] = await Story.find({ where: { title: 'alpha' }, relations: { createdBy: true } })
    expect(eager?.createdBy).toBeInstanceOf(User)
    expect(eager?.createdBy.username).toBe('ann')
    expect(eager?.createdBy.isDeleted).toBe(true)
    await reboot()
    const lazy = await storyTitled('beta')
    const author = await lazy.createdBy
    expect(author.username).toBe('ann')
    expect(author.isDeleted).toBe(true)
    expect(author.deletedAt).toBeInstanceOf(Date)
  })

  it('resolves an optional to-one relation to a soft-deleted target, eagerly and lazily', async () => {
    const reboot = await bootReusable(db)
    const { bob } = await seed()
    await bob.softDelete()
    await reboot()
    const [eager] = await Story.find({ where: { title: 'alpha' }, relations: { editor: true } })
    expect(eager?.editor?.username).toBe('bob')
    expect(eager?.editor?.isDeleted).toBe(true)
    await reboot()
    const lazy = await storyTitled('alpha')
    const editor = await lazy.editor
    expect(editor?.username).toBe('bob')
    expect(editor?.isDeleted).toBe(true)
    expect(await User.findOne({ where: { username: 'bob' } })).toBeUndefined()
  })
})

describeEachDialect('soft delete: many-to-many membership', (db) => {
  it('hides a soft-deleted tag from story.tags on the next eager load and keeps its junction row', async () => {
    await db.boot(CLASSES)
    const { tech } = await seed()
    await tech.softDelete()
    const alpha = await Story.findOne({ where: { title: 'alpha' }, relations: { tags: true } })
    expect(names(alpha?.tags ?? [])).toEqual(['news'])
    expect(await junctionTagNames('alpha')).toEqual(['news', 'tech'])
    expect(await junctionTagNames('beta')).toEqual(['tech'])
  })

  it('brings a restored tag back into story.tags', async () => {
    const reboot = await bootReusable(db)
    const { tech } = await seed()
    await tech.softDelete()
    await reboot()
    const hidden = await storyTitled('alpha')
    expect(names(await hidden.tags)).toEqual(['news'])
    const ghost = await Tag.findOne({ where: { name: 'tech' }, withDeleted: true })
    await ghost?.restore()
    const eager = await Story.findOne({ where: { title: 'alpha' }, relations: { tags: true } })
    expect(names(eager?.tags ?? [])).toEqual(['news', 'tech'])
    await reboot()
    expect(names(await (await storyTitled('beta')).tags)).toEqual(['tech'])
  })

  it('keeps a hidden member junction row when loaded tags are reassigned', async () => {
    await db.boot(CLASSES)
    const { tech, art } = await seed()
    await tech.softDelete()
    const alpha = await Story.findOne({ where: { title: 'alpha' }, relations: { tags: true } })
    expect(names(alpha?.tags ?? [])).toEqual(['news'])
    alpha!.tags = [art]
    await ORM.flush()
    expect(await junctionTagNames('alpha')).toEqual(['art', 'tech'])
    await tech.restore()
    const again = await Story.findOne({ where: { title: 'alpha' }, relations: { tags: true } })
    expect(names(again?.tags ?? []).sort()).toEqual(['art', 'tech'])
  })

  it('keeps a hidden member junction row when unloaded tags are reassigned after a fresh boot', async () => {
    const reboot = await bootReusable(db)
    const { tech } = await seed()
    await tech.softDelete()
    await reboot()
    const alpha = await storyTitled('alpha')
    const art = await Tag.findOne({ where: { name: 'art' } })
    alpha.tags = [art!]
    await ORM.flush()
    expect(await junctionTagNames('alpha')).toEqual(['art', 'tech'])
    expect(names(await (await storyTitled('alpha')).tags)).toEqual(['art'])
  })

  it('keeps a hidden member junction row when a visible member is removed from loaded tags', async () => {
    const reboot = await bootReusable(db)
    const { tech } = await seed()
    await tech.softDelete()
    await reboot()
    const alpha = await storyTitled('alpha')
    const tags = await alpha.tags
    expect(names(tags)).toEqual(['news'])
    tags.splice(0, 1) // the loaded array itself: alpha.tags is typed Lazy until then
    await ORM.flush()
    expect(await junctionTagNames('alpha')).toEqual(['tech'])
  })
})

describeEachDialect('soft delete: deletion times', (db) => {
  it('gives many rows soft-deleted in one flush the current time, never one in the future', async () => {
    await db.boot([SoftDel, SoftDelUuid, User, Tag, Story, Review, Note])
    const users = Array.from({ length: 50 }, (_, i) => new User(`user ${i}`))
    await ORM.flush()
    const before = Date.now()
    for (const user of users) user.isDeleted = true
    await ORM.flush()
    const after = Date.now()
    for (const user of users) {
      // Plain soft deletes take the current time rounded down to an even millisecond.
      expect(user.deletedAt!.getTime()).toBeGreaterThanOrEqual(before - 1)
      expect(user.deletedAt!.getTime()).toBeLessThanOrEqual(after)
    }
  })

  it('gives a cascade a deletion time that no soft delete made in the same millisecond shares', async () => {
    await db.boot([SoftDel, SoftDelUuid, User, Tag, Story, Review, Note])
    const ann = new User('ann')
    const bob = new User('bob')
    await ORM.flush()
    bob.isDeleted = true
    await ann.softDelete({ cascade: true })
    const carl = new User('carl')
    carl.isDeleted = true
    await ORM.flush()
    expect(ann.deletedAt!.getTime()).not.toBe(bob.deletedAt!.getTime())
    expect(ann.deletedAt!.getTime()).not.toBe(carl.deletedAt!.getTime())
  })
})
