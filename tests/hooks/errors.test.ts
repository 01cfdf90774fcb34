import { beforeEach, expect, it, vi } from 'vitest'
import { HookError, ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawCount } from '../support/raw-sql.js'
import { Author, HOOK_MODEL, Post, authorWithPosts, behaviour, takeLog } from './model.js'

// A hook's or a listener's error reaches the caller as the very value it threw; only a thrown non-Error
// is wrapped, in a HookError.

beforeEach(() => {
  takeLog()
  delete behaviour.throwIn
  delete behaviour.edit
})

/** An application's own error class: a caller must be able to catch it by its class. */
class LockedError extends Error {
  override readonly name = 'LockedError'
}

/** Makes the hook `hook` throw `thrown` (on every instance). */
function throwFrom(hook: string, thrown: unknown): void {
  behaviour.edit = (_entity, name) => {
    if (name === hook) throw thrown
  }
}

describeEachDialect('hook errors', (db) => {
  it('rejects a flush with the very error a before-hook threw, writing nothing', async () => {
    // Every statement the flush sends: counting rows would flush (and run the hook) again.
    const statements: string[] = []
    await db.boot(HOOK_MODEL, { onQuery: (event) => void statements.push(event.sql) })
    const thrown = new LockedError('no inserts today')
    throwFrom('beforeInsert', thrown)
    const ann = new Author('ann')
    statements.length = 0
    const error = await ORM.flush().catch((caught: unknown) => caught)
    expect(error).toBe(thrown)
    expect(error).toBeInstanceOf(LockedError)
    expect(statements).toEqual([])
    expect(ann.id).toBeUndefined()
  })

  it('rejects every operation with the very error its before-hook threw, writing nothing', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    const calls: [string, () => Promise<unknown>][] = [
      ['beforeSoftDelete', () => ann.softDelete({ cascade: true })],
      ['beforeSoftDelete', () => Post.softDelete({ where: {} })],
      ['beforeUpdate', () => Post.update({ where: {} }, { title: 'x' })],
      ['beforeDelete', () => Post.delete({ where: {} })],
    ]
    for (const [hook, call] of calls) {
      const thrown = new LockedError(`${hook} refused`)
      throwFrom(hook, thrown)
      expect(await call().catch((caught: unknown) => caught)).toBe(thrown)
    }
    delete behaviour.edit
    expect(await rawCount("SELECT COUNT(*) AS n FROM post WHERE deleted_at IS NULL AND title <> 'x'")).toBe(2)
    expect(await rawCount('SELECT COUNT(*) AS n FROM author WHERE deleted_at IS NULL')).toBe(1)
  })

  it('wraps a thrown non-Error in a HookError whose cause is that value', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    throwFrom('beforeSoftDelete', 'locked')
    const error = await ann.softDelete({ cascade: true }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HookError)
    expect((error as HookError).cause).toBe('locked')
    expect((error as HookError).message).toContain('Author.beforeSoftDelete (beforeSoftDelete) threw: locked')
    delete behaviour.edit
    expect(await rawCount('SELECT COUNT(*) AS n FROM author WHERE deleted_at IS NULL')).toBe(1)
  })

  it('rejects with the first after-hook error once every after-hook and listener of the write ran', async () => {
    await db.boot(HOOK_MODEL)
    const first = new LockedError('one failed')
    const heard: string[] = []
    ORM.on('insert', ({ className }) => {
      heard.push(className)
      throw new Error('listener failed too')
    })
    behaviour.edit = (entity, hook) => {
      if (hook === 'afterInsert') throw entity instanceof Post ? new Error(`${entity.title} failed`) : first
    }
    const ann = new Author('ann')
    new Post('one', ann)
    const error = await ORM.flush().catch((caught: unknown) => caught)
    expect(error).toBe(first)
    expect(heard).toEqual(['Author', 'Post'])
    expect(takeLog().filter((entry) => entry.includes('after'))).toEqual(['Author.afterInsert ann', 'Post.afterInsert one'])
    expect(await rawCount('SELECT COUNT(*) AS n FROM post')).toBe(1)
  })

  it('rejects with the very error a listener threw', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    const thrown = new LockedError('audit log is full')
    ORM.on('softDelete', () => {
      throw thrown
    })
    expect(await ann.softDelete().catch((caught: unknown) => caught)).toBe(thrown)
    expect(ann.isDeleted).toBe(true)
  })

  it('hands a scheduled flush’s hook errors to ORM.onError as thrown, and the next call rethrows a before-hook’s', async () => {
    await db.boot(HOOK_MODEL)
    const errors: unknown[] = []
    ORM.onError = (error) => errors.push(error)
    try {
      const before = new LockedError('not now')
      throwFrom('beforeInsert', before)
      new Author('ann')
      await vi.waitFor(() => expect(errors).toEqual([before]))
      expect(await Author.count().catch((caught: unknown) => caught)).toBe(before)
      const after = new LockedError('mailer down')
      throwFrom('afterInsert', after)
      await ORM.flush().catch(() => undefined)
      new Author('bob')
      await vi.waitFor(() => expect(errors).toEqual([before, after]))
      expect(await rawCount('SELECT COUNT(*) AS n FROM author')).toBe(2)
    } finally {
      ORM.onError = undefined
    }
  })
})
