import { expect, it } from 'vitest'
import { ORM, sql, type QueryEvent } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawCount, rawRows } from '../support/raw-sql.js'
import { MODEL, Story, User } from '../support/soft-model.js'

// Class.softDelete({ where }) and Class.restore({ where }) over rows that no loaded instance shows, with no
// hook or listener for the class: the UPDATE returns no ids, and memory only notes the write.

/** What the timestamp columns take on the current dialect. */
function now(): unknown {
  return ORM.dialect === 'postgres' ? new Date() : Date.now()
}

/** Users inserted behind the identity map (raw SQL), so no instance of them is loaded. */
async function insertUsers(names: readonly string[]): Promise<void> {
  for (const name of names) await rawRows('INSERT INTO "user" (username, created_at, updated_at) VALUES (?, ?, ?)', [name, now(), now()])
}

async function bootRecording(db: DialectContext): Promise<string[]> {
  const statements: string[] = []
  await db.boot(MODEL, { onQuery: (event: QueryEvent) => void statements.push(event.sql) })
  return statements
}

const updates = (statements: readonly string[]): string[] => statements.filter((text) => text.startsWith('UPDATE'))

describeEachDialect('bulk soft delete and restore of rows not in memory', (db) => {
  it('soft-deletes and restores with one UPDATE each that returns nothing, and counts the rows', async () => {
    const statements = await bootRecording(db)
    await insertUsers(['ann', 'bob', 'cid'])
    statements.length = 0
    expect(await User.softDelete({ where: { username: sql`< ${'c'}` } })).toBe(2)
    expect(await User.restore({ where: { username: sql`< ${'b'}` } })).toBe(1)
    expect(updates(statements)).toHaveLength(2)
    expect(updates(statements).some((text) => text.includes('RETURNING'))).toBe(false)
    expect(statements).toHaveLength(2)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user" WHERE deleted_at IS NOT NULL')).toBe(1)
    expect((await User.find()).map((user) => user.username).sort()).toEqual(['ann', 'cid'])
  })

  it('still returns the ids and patches a loaded instance of the class', async () => {
    const statements = await bootRecording(db)
    await insertUsers(['ann', 'bob'])
    const ann = await User.findOne({ where: { username: 'ann' } })
    statements.length = 0
    expect(await User.softDelete({ where: {} })).toBe(2)
    expect(updates(statements)[0]).toContain('RETURNING')
    expect(ann?.isDeleted).toBe(true)
  })

  it('makes a loaded inverse view read again after a restore of rows it did not show', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await rawRows('INSERT INTO story (title, created_by_id, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?)', ['hidden', ann.id, now(), now(), now()])
    expect(await ann.stories).toEqual([])
    expect(await Story.restore({ where: { title: 'hidden' } })).toBe(1)
    expect((await ann.stories).map((story) => story.title)).toEqual(['hidden'])
  })

  it('gives a listener the ids of the rows even when none is loaded', async () => {
    await db.boot(MODEL)
    await insertUsers(['ann', 'bob'])
    const heard: number[] = []
    ORM.on('softDelete', ({ ids }) => void heard.push(ids.length))
    expect(await User.softDelete({ where: {} })).toBe(2)
    expect(heard).toEqual([2])
  })

  it('counts nothing and changes nothing when no row matches', async () => {
    await db.boot(MODEL)
    await insertUsers(['ann'])
    expect(await User.restore({ where: {} })).toBe(0)
    expect(await User.softDelete({ where: { username: 'zed' } })).toBe(0)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user" WHERE deleted_at IS NULL')).toBe(1)
  })
})
