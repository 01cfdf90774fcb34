import { expect, it } from 'vitest'
import { DependentsError, ORM, type QueryEvent } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawCount, rawRows } from '../support/raw-sql.js'
import { rejection } from '../support/rejection.js'
import { MODEL, Story, User } from '../support/soft-model.js'

// delete() outside a transaction, with no hook or listener for the class, is one guarded statement
// (DELETE ... WHERE id = ? AND NOT EXISTS (dependents)); when it deletes nothing, the full path explains why.

/** Boots the soft-deletable model, recording every statement the ORM runs. */
async function bootRecording(db: DialectContext): Promise<string[]> {
  const statements: string[] = []
  await db.boot(MODEL, { onQuery: (event: QueryEvent) => void statements.push(event.sql) })
  return statements
}

describeEachDialect('delete() as one guarded statement', (db) => {
  it('deletes an unreferenced user with a single DELETE that checks its dependents itself', async () => {
    const statements = await bootRecording(db)
    const ann = new User('ann')
    await ORM.flush()
    statements.length = 0
    await ann.delete()
    expect(statements).toHaveLength(1)
    expect(statements[0]).toMatch(/^DELETE FROM "user" WHERE "id" = \S+ AND NOT EXISTS \(SELECT 1 FROM "story" WHERE "created_by_id" = \S+\)/)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user"')).toBe(0)
    expect(await User.findById(ann.id, { withDeleted: true })).toBeUndefined()
  })

  it('refuses a user referenced only by a soft-deleted story, with the full DependentsError', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('gone', ann)
    await ORM.flush()
    await story.softDelete()
    const error = await rejection(ann.delete())
    expect(error).toBeInstanceOf(DependentsError)
    expect((error as DependentsError).counts).toEqual({ Story: { createdBy: 1 } })
    expect((error as DependentsError).dependents.Story?.[0]).toEqual([story])
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user"')).toBe(1)
    ann.username = 'still usable'
    await ORM.flush()
    expect((await rawRows('SELECT username FROM "user"'))[0]?.username).toBe('still usable')
  })

  it('deletes the user once its last dependent is gone, each call a single statement', async () => {
    const statements = await bootRecording(db)
    const ann = new User('ann')
    const story = new Story('one', ann)
    await ORM.flush()
    await rejection(ann.delete())
    await story.delete()
    statements.length = 0
    await ann.delete()
    expect(statements.filter((sql) => sql.startsWith('DELETE'))).toHaveLength(1)
    expect(statements).toHaveLength(1)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user"')).toBe(0)
  })

  it('keeps the full path, with its before and after phases, while a delete listener is registered', async () => {
    const statements = await bootRecording(db)
    const heard: unknown[] = []
    ORM.on('delete', ({ instances }) => void heard.push(...instances))
    const ann = new User('ann')
    await ORM.flush()
    statements.length = 0
    await ann.delete()
    expect(heard).toEqual([ann])
    expect(statements.some((sql) => sql.startsWith('SELECT'))).toBe(true)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user"')).toBe(0)
  })

  it('keeps the full path inside ORM.transaction(), where a rollback brings the row back', async () => {
    const statements = await bootRecording(db)
    const ann = new User('ann')
    await ORM.flush()
    statements.length = 0
    await rejection(
      ORM.transaction(async () => {
        await ann.delete()
        throw new Error('undo')
      }),
    )
    expect(statements.some((sql) => sql.startsWith('SELECT'))).toBe(true)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user"')).toBe(1)
    ann.username = 'back'
    await ORM.flush()
    expect((await rawRows('SELECT username FROM "user"'))[0]?.username).toBe('back')
  })
})
