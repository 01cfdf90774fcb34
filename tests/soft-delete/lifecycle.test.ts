import { expect, it } from 'vitest'
import {
  DatabaseError,
  DependentsError,
  DetachedInstanceError,
  ORM,
  RestoreError,
  UniqueConstraintError,
  ValidationError,
} from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawCount, rawRows } from '../support/raw-sql.js'
import { MODEL, Note, Review, Story, Tag, User } from '../support/soft-model.js'

class Boom extends Error {}

function toMillis(value: unknown): number | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value.getTime() : Number(value)
}

/** deleted_at of one row as epoch milliseconds (null for a live row), read with raw SQL. */
async function deletedAtInDb(table: string, id: unknown): Promise<number | null> {
  const rows = await rawRows(`SELECT deleted_at FROM ${table} WHERE id = ?`, [id])
  expect(rows).toHaveLength(1)
  return toMillis(rows[0]?.deleted_at)
}

/** Rewrites deleted_at behind the ORM's back (SQLite stores epoch ms, PostgreSQL timestamptz). */
async function setDeletedAtInDb(table: string, id: unknown, date: Date): Promise<void> {
  const value = ORM.dialect === 'postgres' ? date : date.getTime()
  await rawRows(`UPDATE ${table} SET deleted_at = ? WHERE id = ?`, [value, id])
}

async function usernamesInDb(): Promise<string[]> {
  const rows = await rawRows('SELECT username FROM "user" ORDER BY id')
  return rows.map((row) => String(row.username))
}

/** Makes every UPDATE of review.deleted_at fail inside the database. */
async function freezeReviews(): Promise<void> {
  if (ORM.dialect === 'postgres') {
    await ORM.query(
      `CREATE FUNCTION refuse_review_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'reviews are frozen'; END $$`,
    )
    await ORM.query(
      'CREATE TRIGGER review_frozen BEFORE UPDATE OF deleted_at ON review FOR EACH ROW EXECUTE FUNCTION refuse_review_change()',
    )
  } else {
    await ORM.query(
      "CREATE TRIGGER review_frozen BEFORE UPDATE OF deleted_at ON review BEGIN SELECT RAISE(ABORT, 'reviews are frozen'); END",
    )
  }
}

const LONG_AGO = new Date('2020-01-01T00:00:00.000Z')
const CUTOFF = new Date('2021-01-01T00:00:00.000Z')
const SOON = (): Date => new Date(Date.now() + 60_000)

/**
 * ann wrote 'one' and 'two' (live) and 'old' (soft-deleted on its own, with its review, before the
 * cascade). bob reviewed 'one' and 'old'; ann reviewed bob's story 'bobs'. ann keeps a note.
 */
async function cascadeScenario() {
  const ann = new User('ann')
  const bob = new User('bob')
  const one = new Story('one', ann)
  const two = new Story('two', ann)
  const old = new Story('old', ann)
  const bobs = new Story('bobs', bob)
  const onOne = new Review('on one, by bob', one, bob)
  const onBobs = new Review('on bobs, by ann', bobs, ann)
  const onOld = new Review('on old, by bob', old, bob)
  const note = new Note('remember', ann)
  await ORM.flush()
  await old.softDelete({ cascade: true })
  return { ann, bob, one, two, old, bobs, onOne, onBobs, onOld, note }
}

describeEachDialect('soft delete cascade', (db) => {
  it('soft-deletes the user, their stories and the reviews reached through a story or directly, with one deletedAt', async () => {
    await db.boot(MODEL)
    const { ann, one, two, onOne, onBobs } = await cascadeScenario()
    await ann.softDelete({ cascade: true })
    expect(ann.isDeleted).toBe(true)
    expect(ann.deletedAt).toBeInstanceOf(Date)
    const stamp = ann.deletedAt?.getTime()
    for (const row of [one, two, onOne, onBobs]) {
      expect(row.isDeleted).toBe(true)
      expect(row.deletedAt?.getTime()).toBe(stamp)
    }
  })

  it('writes that one deleted_at to every cascaded row in the database', async () => {
    await db.boot(MODEL)
    const { ann, one, two, onOne, onBobs } = await cascadeScenario()
    await ann.softDelete({ cascade: true })
    const stamp = ann.deletedAt?.getTime()
    expect(await deletedAtInDb('"user"', ann.id)).toBe(stamp)
    expect(await deletedAtInDb('story', one.id)).toBe(stamp)
    expect(await deletedAtInDb('story', two.id)).toBe(stamp)
    expect(await deletedAtInDb('review', onOne.id)).toBe(stamp)
    expect(await deletedAtInDb('review', onBobs.id)).toBe(stamp)
  })

  it('leaves other users, their stories and plain Entity dependents such as notes live', async () => {
    await db.boot(MODEL)
    const { ann, bob, bobs, note } = await cascadeScenario()
    await ann.softDelete({ cascade: true })
    expect([bob.isDeleted, bobs.isDeleted]).toEqual([false, false])
    expect(await deletedAtInDb('"user"', bob.id)).toBe(null)
    expect(await deletedAtInDb('story', bobs.id)).toBe(null)
    expect(await Note.find()).toEqual([note])
    expect(await rawCount('SELECT COUNT(*) AS n FROM note WHERE author_id = ?', [ann.id])).toBe(1)
    const author = await note.author
    expect(author).toBe(ann)
    expect(author.isDeleted).toBe(true)
  })

  it('keeps the earlier deletedAt of a story soft-deleted on its own, and of its review', async () => {
    await db.boot(MODEL)
    const { ann, old, onOld } = await cascadeScenario()
    const earlier = old.deletedAt?.getTime()
    expect(onOld.deletedAt?.getTime()).toBe(earlier)
    await ann.softDelete({ cascade: true })
    expect(ann.deletedAt?.getTime()).not.toBe(earlier)
    expect(old.deletedAt?.getTime()).toBe(earlier)
    expect(onOld.deletedAt?.getTime()).toBe(earlier)
    expect(await deletedAtInDb('story', old.id)).toBe(earlier)
    expect(await deletedAtInDb('review', onOld.id)).toBe(earlier)
  })

  it('reaches rows that were never loaded into memory, which then load as soft-deleted', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    const now = ORM.dialect === 'postgres' ? new Date() : Date.now()
    await rawRows('INSERT INTO story (title, created_by_id, created_at, updated_at) VALUES (?, ?, ?, ?)', ['raw', ann.id, now, now])
    await ann.softDelete({ cascade: true })
    expect(await Story.find({ where: { title: 'raw' } })).toEqual([])
    const [raw] = await Story.find({ where: { title: 'raw' }, withDeleted: true })
    expect(raw?.isDeleted).toBe(true)
    expect(raw?.deletedAt?.getTime()).toBe(ann.deletedAt?.getTime())
  })

  it('follows required relations only: tags of the stories and stories the user merely edits stay live', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const bob = new User('bob')
    const tag = new Tag('news')
    const mine = new Story('mine', ann)
    mine.tags.push(tag)
    const edited = new Story('edited', bob)
    edited.editor = ann
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    expect(mine.isDeleted).toBe(true)
    expect([tag.isDeleted, edited.isDeleted]).toEqual([false, false])
    expect(await deletedAtInDb('tag', tag.id)).toBe(null)
    expect(await deletedAtInDb('story', edited.id)).toBe(null)
  })

  it('changes nothing, in the database or in memory, when a cascaded update fails', async () => {
    await db.boot(MODEL)
    const { ann, one, two, onOne, onBobs } = await cascadeScenario()
    await freezeReviews()
    const error = await ann.softDelete({ cascade: true }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseError)
    expect(String((error as Error).message)).toMatch(/reviews are frozen/)
    expect(await deletedAtInDb('"user"', ann.id)).toBe(null)
    expect(await deletedAtInDb('story', one.id)).toBe(null)
    expect(await deletedAtInDb('story', two.id)).toBe(null)
    expect(await deletedAtInDb('review', onOne.id)).toBe(null)
    expect(await deletedAtInDb('review', onBobs.id)).toBe(null)
    expect([ann.isDeleted, one.isDeleted, two.isDeleted, onOne.isDeleted, onBobs.isDeleted]).toEqual([false, false, false, false, false])
    expect(ann.deletedAt).toBe(undefined)
  })

  it('restore({ cascade: true }) brings back exactly the rows the cascade hid', async () => {
    await db.boot(MODEL)
    const { ann, one, two, old, onOne, onBobs, onOld } = await cascadeScenario()
    const earlier = old.deletedAt?.getTime()
    await ann.softDelete({ cascade: true })
    await ann.restore({ cascade: true })
    for (const row of [ann, one, two, onOne, onBobs]) {
      expect(row.isDeleted).toBe(false)
      expect(row.deletedAt).toBe(undefined)
    }
    expect([old.isDeleted, onOld.isDeleted]).toEqual([true, true])
    expect(old.deletedAt?.getTime()).toBe(earlier)
    expect(await deletedAtInDb('story', old.id)).toBe(earlier)
    expect(await deletedAtInDb('review', onOld.id)).toBe(earlier)
    expect(await deletedAtInDb('review', onBobs.id)).toBe(null)
    const titles = (await Story.find({ where: { createdBy: ann }, orderBy: { id: 'ASC' } })).map((story) => story.title)
    expect(titles).toEqual(['one', 'two'])
    expect(await Review.count()).toBe(2)
  })

  it('does not restore a row under a parent that was soft-deleted on its own and stays hidden', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const old = new Story('old', ann)
    // Hidden by the user's cascade through Review.createdBy, while its story was already hidden.
    const review = new Review('on old, by ann', old, ann)
    await ORM.flush()
    await old.softDelete()
    await ann.softDelete({ cascade: true })
    expect(review.isDeleted).toBe(true)
    await ann.restore({ cascade: true })
    expect([ann.isDeleted, old.isDeleted, review.isDeleted]).toEqual([false, true, true])
    expect(await deletedAtInDb('review', review.id)).not.toBe(null)
    // Once its story is back, the review can be restored on its own.
    await old.restore()
    await review.restore()
    expect(review.isDeleted).toBe(false)
  })
})

describeEachDialect('soft delete and unique columns', (db) => {
  it('lets a new user take the username of a soft-deleted user', async () => {
    await db.boot(MODEL)
    const first = new User('ann')
    await ORM.flush()
    await first.softDelete()
    const second = new User('ann')
    await ORM.flush()
    expect(await User.find({ where: { username: 'ann' } })).toEqual([second])
    expect(await usernamesInDb()).toEqual(['ann', 'ann'])
  })

  it('lets several soft-deleted users share a username', async () => {
    await db.boot(MODEL)
    const first = new User('ann')
    await ORM.flush()
    await first.softDelete()
    const second = new User('ann')
    await ORM.flush()
    await second.softDelete()
    const third = new User('ann')
    await ORM.flush()
    expect(await User.count({ where: { username: 'ann' }, onlyDeleted: true })).toBe(2)
    expect(await User.find({ where: { username: 'ann' } })).toEqual([third])
  })

  it('refuses to restore a user whose username was taken meanwhile, and changes nothing', async () => {
    await db.boot(MODEL)
    const first = new User('ann')
    await ORM.flush()
    await first.softDelete()
    const stamp = first.deletedAt?.getTime()
    const second = new User('ann')
    await ORM.flush()
    await expect(first.restore()).rejects.toThrow(UniqueConstraintError)
    expect(first.isDeleted).toBe(true)
    expect(first.deletedAt?.getTime()).toBe(stamp)
    expect(await deletedAtInDb('"user"', first.id)).toBe(stamp)
    expect(await deletedAtInDb('"user"', second.id)).toBe(null)
    expect(await User.find({ where: { username: 'ann' } })).toEqual([second])
  })

  it('restores the old user once the new holder of the name is soft-deleted', async () => {
    await db.boot(MODEL)
    const first = new User('ann')
    await ORM.flush()
    await first.softDelete()
    const second = new User('ann')
    await ORM.flush()
    await second.softDelete()
    await first.restore()
    expect(first.isDeleted).toBe(false)
    expect(await User.find({ where: { username: 'ann' } })).toEqual([first])
  })

  it('still refuses two live users with the same username', async () => {
    await db.boot(MODEL)
    new User('ann')
    await ORM.flush()
    const duplicate = new User('ann')
    await expect(ORM.flush()).rejects.toThrow(UniqueConstraintError)
    duplicate.username = 'bob'
    expect(await usernamesInDb()).toEqual(['ann', 'bob'])
  })

  it('rolls back a cascaded restore when the user cannot come back: the stories stay soft-deleted', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    const stamp = ann.deletedAt?.getTime()
    new User('ann')
    await ORM.flush()
    await expect(ann.restore({ cascade: true })).rejects.toThrow(UniqueConstraintError)
    expect([ann.isDeleted, one.isDeleted]).toEqual([true, true])
    expect(await deletedAtInDb('"user"', ann.id)).toBe(stamp)
    expect(await deletedAtInDb('story', one.id)).toBe(stamp)
  })
})

describeEachDialect('hard delete of soft-deletable rows', (db) => {
  it('refuses to hard-delete a user whose stories are all soft-deleted, counting them', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    new Story('one', ann)
    new Story('two', ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    const error = await ann.delete().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DependentsError)
    expect((error as DependentsError).counts).toEqual({ Story: { createdBy: 2 } })
    expect((error as DependentsError).target).toBe(`User #${ann.id}`)
    expect(await usernamesInDb()).toEqual(['ann'])
    expect(ann.isDeleted).toBe(true)
  })

  it('counts live and soft-deleted dependents of every class together', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    new Story('two', ann)
    new Review('mine', one, ann)
    new Note('remember', ann)
    await ORM.flush()
    await one.softDelete({ cascade: true })
    const error = await ann.delete().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DependentsError)
    expect((error as DependentsError).counts).toEqual({ Story: { createdBy: 2 }, Review: { createdBy: 1 }, Note: { author: 1 } })
  })

  it('getDependents() lists soft-deleted stories, each reporting isDeleted', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    const two = new Story('two', ann)
    await ORM.flush()
    await one.softDelete()
    const dependents = await ann.getDependents()
    expect(dependents).toEqual({ Story: [[one, two], ['createdBy']] })
    const [stories] = dependents.Story ?? [[]]
    expect(stories.map((story) => story.isDeleted)).toEqual([true, false])
    expect(stories[0]).toBe(one)
  })

  it('getDependents({ withDeleted: false }) lists only live dependents', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    const two = new Story('two', ann)
    await ORM.flush()
    await one.softDelete()
    expect(await ann.getDependents({ withDeleted: false })).toEqual({ Story: [[two], ['createdBy']] })
    await two.softDelete()
    expect(await ann.getDependents({ withDeleted: false })).toEqual({})
  })

  it('hard-deletes the soft-deleted user once its soft-deleted stories are hard-deleted', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    const two = new Story('two', ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    await one.delete()
    await two.delete()
    await ann.delete()
    expect(await usernamesInDb()).toEqual([])
    expect(await rawCount('SELECT COUNT(*) AS n FROM story')).toBe(0)
    expect(await User.findById(ann.id, { withDeleted: true })).toBe(undefined)
    await expect(ann.restore()).rejects.toThrow(DetachedInstanceError)
    await expect(ann.softDelete()).rejects.toThrow(DetachedInstanceError)
  })
})

describeEachDialect('purgeDeleted', (db) => {
  it('purges rows soft-deleted before the date, and keeps live rows and rows deleted after it', async () => {
    await db.boot(MODEL)
    const gone = new User('gone')
    const recent = new User('recent')
    new User('live')
    await ORM.flush()
    await gone.softDelete()
    await recent.softDelete()
    await setDeletedAtInDb('"user"', gone.id, LONG_AGO)
    expect(await User.purgeDeleted({ olderThan: CUTOFF })).toEqual({ purged: 1, blocked: 0 })
    expect(await usernamesInDb()).toEqual(['recent', 'live'])
  })

  it('purges everything soft-deleted so far with a date in the future, detaching it, and never live rows', async () => {
    await db.boot(MODEL)
    const a = new User('a')
    const b = new User('b')
    new User('live')
    await ORM.flush()
    await a.softDelete()
    await b.softDelete()
    expect(await User.purgeDeleted({ olderThan: SOON() })).toEqual({ purged: 2, blocked: 0 })
    expect(await usernamesInDb()).toEqual(['live'])
    expect(await User.findById(a.id, { withDeleted: true })).toBe(undefined)
    await expect(a.restore()).rejects.toThrow(DetachedInstanceError)
    expect(await User.purgeDeleted({ olderThan: SOON() })).toEqual({ purged: 0, blocked: 0 })
  })

  it('keeps a row deleted exactly at olderThan (only rows deleted before it go)', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await ann.softDelete()
    const at = ann.deletedAt as Date
    expect(await User.purgeDeleted({ olderThan: new Date(at.getTime()) })).toEqual({ purged: 0, blocked: 0 })
    expect(await usernamesInDb()).toEqual(['ann'])
  })

  it('skips soft-deleted users still referenced by stories, live or soft-deleted, and counts them as blocked', async () => {
    await db.boot(MODEL)
    const withLive = new User('with-live')
    const withDeleted = new User('with-deleted')
    const free = new User('free')
    new Story('live story', withLive)
    const hidden = new Story('hidden story', withDeleted)
    await ORM.flush()
    await withLive.softDelete()
    await withDeleted.softDelete()
    await hidden.softDelete()
    await free.softDelete()
    expect(await User.purgeDeleted({ olderThan: SOON() })).toEqual({ purged: 1, blocked: 2 })
    expect(await usernamesInDb()).toEqual(['with-live', 'with-deleted'])
    expect(withLive.isDeleted).toBe(true)
  })

  it('counts a user referenced only by a plain Entity note as blocked', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    new Note('remember', ann)
    await ORM.flush()
    await ann.softDelete()
    expect(await User.purgeDeleted({ olderThan: SOON() })).toEqual({ purged: 0, blocked: 1 })
    expect(await usernamesInDb()).toEqual(['ann'])
  })

  it('purges a cascaded tree class by class: reviews, then stories, then the user', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    new Review('first', one, ann)
    new Review('second', one, ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    const olderThan = SOON()
    expect(await User.purgeDeleted({ olderThan })).toEqual({ purged: 0, blocked: 1 })
    expect(await Story.purgeDeleted({ olderThan })).toEqual({ purged: 0, blocked: 1 })
    expect(await Review.purgeDeleted({ olderThan })).toEqual({ purged: 2, blocked: 0 })
    expect(await Story.purgeDeleted({ olderThan })).toEqual({ purged: 1, blocked: 0 })
    expect(await User.purgeDeleted({ olderThan })).toEqual({ purged: 1, blocked: 0 })
    expect(await rawCount('SELECT COUNT(*) AS n FROM review')).toBe(0)
    expect(await rawCount('SELECT COUNT(*) AS n FROM story')).toBe(0)
    expect(await usernamesInDb()).toEqual([])
  })

  it('sets optional references to a purged row to NULL, in the database and in memory', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const editor = new User('editor')
    const story = new Story('one', ann)
    story.editor = editor
    await ORM.flush()
    await editor.softDelete()
    expect(await User.purgeDeleted({ olderThan: SOON() })).toEqual({ purged: 1, blocked: 0 })
    const [row] = await rawRows('SELECT editor_id FROM story WHERE id = ?', [story.id])
    expect(row?.editor_id).toBe(null)
    expect(story.editor).toBe(undefined)
    expect(story.isDeleted).toBe(false)
  })

  it('purges a soft-deleted tag that stories list, removing only its junction rows', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const news = new Tag('news')
    const kept = new Tag('kept')
    const story = new Story('one', ann)
    story.tags.push(news, kept)
    await ORM.flush()
    await news.softDelete()
    expect(await Tag.purgeDeleted({ olderThan: SOON() })).toEqual({ purged: 1, blocked: 0 })
    const rows = await rawRows('SELECT tag_id FROM story_tags WHERE story_id = ?', [story.id])
    expect(rows.map((row) => Number(row.tag_id))).toEqual([Number(kept.id)])
    expect(await rawCount('SELECT COUNT(*) AS n FROM story')).toBe(1)
  })

  it('rejects an olderThan that is not a valid Date with ValidationError, purging nothing', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await ann.softDelete()
    await expect(User.purgeDeleted({ olderThan: new Date('not a date') })).rejects.toThrow(ValidationError)
    await expect(User.purgeDeleted({ olderThan: '2099-01-01' as unknown as Date })).rejects.toThrow(ValidationError)
    await expect(User.purgeDeleted({ olderThan: Date.now() + 60_000 } as unknown as { olderThan: Date })).rejects.toThrow(ValidationError)
    await expect(User.purgeDeleted({} as unknown as { olderThan: Date })).rejects.toThrow(ValidationError)
    expect(await usernamesInDb()).toEqual(['ann'])
  })
})

describeEachDialect('restoring under soft-deleted ancestors', (db) => {
  it('refuses to restore a story under a soft-deleted user, naming the user and Story.createdBy', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    const stamp = ann.deletedAt?.getTime()
    const error = await one.restore().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RestoreError)
    const message = (error as Error).message
    expect(message).toContain(`User #${ann.id}`)
    expect(message).toContain('Story.createdBy')
    expect(message).toContain('withAncestors')
    expect([ann.isDeleted, one.isDeleted]).toEqual([true, true])
    expect(one.deletedAt?.getTime()).toBe(stamp)
    expect(await deletedAtInDb('story', one.id)).toBe(stamp)
    expect(await deletedAtInDb('"user"', ann.id)).toBe(stamp)
  })

  it('restore({ withAncestors: true }) restores the user, then the story, and not the user\'s other stories', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    const two = new Story('two', ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    await one.restore({ withAncestors: true })
    expect([ann.isDeleted, one.isDeleted, two.isDeleted]).toEqual([false, false, true])
    expect(await deletedAtInDb('"user"', ann.id)).toBe(null)
    expect(await deletedAtInDb('story', one.id)).toBe(null)
    expect(await Story.find({ where: { createdBy: ann } })).toEqual([one])
  })

  it('refuses to restore a review under a soft-deleted story (naming Story #id and Review.story), and withAncestors restores the whole chain', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const bob = new User('bob')
    const bobs = new Story('bobs', bob)
    const review = new Review('good', bobs, ann)
    await ORM.flush()
    await bob.softDelete({ cascade: true })
    await ann.softDelete()
    const error = await review.restore().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RestoreError)
    expect((error as Error).message).toContain(`Story #${bobs.id}`)
    expect((error as Error).message).toContain('Review.story')
    expect(await deletedAtInDb('review', review.id)).toBe(bob.deletedAt?.getTime())
    expect([review.isDeleted, bobs.isDeleted, bob.isDeleted]).toEqual([true, true, true])
    await review.restore({ withAncestors: true })
    expect([review.isDeleted, bobs.isDeleted, bob.isDeleted, ann.isDeleted]).toEqual([false, false, false, false])
    expect(await deletedAtInDb('review', review.id)).toBe(null)
    expect(await deletedAtInDb('story', bobs.id)).toBe(null)
    expect(await deletedAtInDb('"user"', bob.id)).toBe(null)
    expect(await deletedAtInDb('"user"', ann.id)).toBe(null)
  })

  it('is a no-op on a live story, even when its user is soft-deleted', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    await ORM.flush()
    await ann.softDelete()
    const stamp = ann.deletedAt?.getTime()
    await one.restore({ withAncestors: true })
    expect(one.isDeleted).toBe(false)
    expect(ann.deletedAt?.getTime()).toBe(stamp)
    expect(await deletedAtInDb('"user"', ann.id)).toBe(stamp)
  })

  it('changes nothing when an ancestor cannot be restored because its username is taken', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    const stamp = ann.deletedAt?.getTime()
    new User('ann')
    await ORM.flush()
    await expect(one.restore({ withAncestors: true })).rejects.toThrow(UniqueConstraintError)
    expect([ann.isDeleted, one.isDeleted]).toEqual([true, true])
    expect(await deletedAtInDb('"user"', ann.id)).toBe(stamp)
    expect(await deletedAtInDb('story', one.id)).toBe(stamp)
  })
})

describeEachDialect('restoring rows soft-deleted outside veil-orm', (db) => {
  it('restores a row whose deleted_at was written by SQL with sub-millisecond precision', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    // What a database default, a trigger or another application (django-safedelete writes microseconds) leaves.
    if (ORM.dialect === 'postgres') await ORM.query(`UPDATE "user" SET deleted_at = '2024-05-01 10:00:00.123456+00' WHERE id = $1`, [ann.id])
    else await setDeletedAtInDb('"user"', ann.id, new Date('2024-05-01T10:00:00.123Z'))
    const [loaded] = await User.find({ where: { username: 'ann' }, withDeleted: true })
    expect(loaded).toBe(ann)
    expect(ann.isDeleted).toBe(true)
    await ann.restore()
    expect(await deletedAtInDb('"user"', ann.id)).toBe(null)
    expect(ann.isDeleted).toBe(false)
    expect(await User.find()).toEqual([ann])
  })
})

describeEachDialect('soft delete inside transactions', (db) => {
  it('a rolled-back softDelete leaves the row live and the instance isDeleted === false', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        await ann.softDelete()
        expect(ann.isDeleted).toBe(true)
        throw new Boom()
      }),
    ).rejects.toThrow(Boom)
    expect(ann.isDeleted).toBe(false)
    expect(ann.deletedAt).toBe(undefined)
    expect(await deletedAtInDb('"user"', ann.id)).toBe(null)
    expect(await User.find()).toEqual([ann])
  })

  it('a rolled-back isDeleted = true leaves the row live', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        ann.isDeleted = true
        await ORM.flush()
        throw new Boom()
      }),
    ).rejects.toThrow(Boom)
    expect(ann.isDeleted).toBe(false)
    expect(await deletedAtInDb('"user"', ann.id)).toBe(null)
  })

  it('a rolled-back cascade brings every cascaded instance and row back', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    const review = new Review('good', one, ann)
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        await ann.softDelete({ cascade: true })
        expect(review.isDeleted).toBe(true)
        throw new Boom()
      }),
    ).rejects.toThrow(Boom)
    expect([ann.isDeleted, one.isDeleted, review.isDeleted]).toEqual([false, false, false])
    expect(await deletedAtInDb('story', one.id)).toBe(null)
    expect(await deletedAtInDb('review', review.id)).toBe(null)
  })

  it('a rolled-back restore leaves the row soft-deleted with its deletedAt', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await ann.softDelete()
    const stamp = ann.deletedAt?.getTime()
    await expect(
      ORM.transaction(async () => {
        await ann.restore()
        expect(ann.isDeleted).toBe(false)
        throw new Boom()
      }),
    ).rejects.toThrow(Boom)
    expect(ann.isDeleted).toBe(true)
    expect(ann.deletedAt?.getTime()).toBe(stamp)
    expect(await deletedAtInDb('"user"', ann.id)).toBe(stamp)
  })

  it('a rolled-back purge keeps the rows and leaves the instances usable', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await ann.softDelete()
    await expect(
      ORM.transaction(async () => {
        expect(await User.purgeDeleted({ olderThan: SOON() })).toEqual({ purged: 1, blocked: 0 })
        throw new Boom()
      }),
    ).rejects.toThrow(Boom)
    expect(await usernamesInDb()).toEqual(['ann'])
    await ann.restore()
    expect(await User.find()).toEqual([ann])
  })
})

describeEachDialect(
  'live rows of a user use an index',
  (db) => {
    async function bootWithManyStories(queries: string[]): Promise<User[]> {
      await db.boot(MODEL, { onQuery: ({ sql }) => queries.push(sql) })
      const users = Array.from({ length: 50 }, (_, i) => new User(`user${i}`))
      for (let i = 0; i < 5000; i++) new Story(`story ${i}`, users[i % 50] as User)
      await ORM.flush()
      // A tenth of each user's stories soft-deleted, as in a real table.
      await ORM.query('UPDATE story SET deleted_at = now() WHERE (id - 1) / 50 % 10 = 0')
      await ORM.query('ANALYZE story')
      return users
    }

    function planText(rows: Record<string, unknown>[]): string {
      return rows.map((row) => String(row['QUERY PLAN'])).join('\n')
    }

    it('plans "live stories of a user" as a scan of story_created_by_id_idx', async () => {
      const users = await bootWithManyStories([])
      const plan = planText(
        await ORM.query('EXPLAIN SELECT id, title FROM story WHERE created_by_id = $1 AND deleted_at IS NULL', [users[7]?.id]),
      )
      expect(plan).toMatch(/(Index Scan|Index Only Scan|Bitmap Index Scan) on story_created_by_id_idx/)
      expect(plan).not.toMatch(/Seq Scan/)
    })

    it('sends "deleted_at" IS NULL for Story.find({ where: { createdBy } }), and that exact query uses the index', async () => {
      const queries: string[] = []
      const users = await bootWithManyStories(queries)
      const user = users[7] as User
      await ORM.flush()
      queries.length = 0
      const stories = await Story.find({ where: { createdBy: user } })
      expect(stories).toHaveLength(90)
      const select = queries.find((text) => /^\s*SELECT/i.test(text) && /story/.test(text))
      expect(select).toBeDefined()
      expect(select).toContain('"deleted_at" IS NULL')
      const placeholders = (select as string).match(/\$\d+/g) ?? []
      expect(placeholders).toEqual(['$1'])
      const plan = planText(await ORM.query(`EXPLAIN ${select}`, [user.id]))
      expect(plan).toMatch(/(Index Scan|Index Only Scan|Bitmap Index Scan) on story_created_by_id_idx/)
      expect(plan).not.toMatch(/Seq Scan/)
    })
  },
  ['postgres'],
)
