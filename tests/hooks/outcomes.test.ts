import { beforeEach, expect, it, vi } from 'vitest'
import { AfterInsert, BootError, Column, ORM, SoftDel, type LifecycleEventInfo } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawCount, rawRows } from '../support/raw-sql.js'
import { Author, HOOK_MODEL, Plain, Post, behaviour, takeLog } from './model.js'

// What hooks can do to a write (change it, abort it), when after-hooks run relative to transactions,
// where their errors go, and the ORM.on() listeners.

beforeEach(() => {
  takeLog()
  delete behaviour.throwIn
  delete behaviour.edit
})

describeEachDialect('hook outcomes', (db) => {
  it('writes what a before-hook changes in the same statement', async () => {
    await db.boot(HOOK_MODEL)
    behaviour.edit = (entity, hook) => {
      if (hook === 'beforeInsert' || hook === 'beforeUpdate') (entity as Author).slug = `${(entity as Author).name}-${hook}`
    }
    const ann = new Author('ann')
    await ORM.flush()
    expect(await rawRows('SELECT slug FROM author')).toEqual([{ slug: 'ann-beforeInsert' }])
    ann.name = 'anna'
    await ORM.flush()
    expect(await rawRows('SELECT slug FROM author')).toEqual([{ slug: 'anna-beforeUpdate' }])
    expect(takeLog()).toEqual(['Author.beforeInsert ann', 'Author.afterInsert ann', 'Author.beforeUpdate anna', 'Author.afterUpdate anna'])
  })

  it('aborts the whole flush when a before-hook throws, leaving the instances pending', async () => {
    // Every statement the flush sends: counting rows would flush (and run the hook) again.
    const statements: string[] = []
    await db.boot(HOOK_MODEL, { onQuery: (event) => void statements.push(event.sql) })
    const ann = new Author('ann')
    new Post('one', ann)
    behaviour.throwIn = 'beforeInsert'
    statements.length = 0
    const error = await ORM.flush().catch((caught: unknown) => caught)
    expect(statements).toEqual([])
    expect((error as Error).message).toBe('beforeInsert refused ann')
    expect(ann.id).toBeUndefined()
    delete behaviour.throwIn
    await ORM.flush()
    expect(await rawCount('SELECT COUNT(*) AS n FROM post')).toBe(1)
    expect(takeLog().filter((entry) => entry.startsWith('Author.beforeInsert'))).toEqual(['Author.beforeInsert ann', 'Author.beforeInsert ann'])
  })

  it('aborts a cascade when the before-hook of a reached row throws', async () => {
    await db.boot(HOOK_MODEL)
    const ann = new Author('ann')
    new Post('one', ann)
    await ORM.flush()
    takeLog()
    behaviour.edit = (entity, hook) => {
      if (hook === 'beforeSoftDelete' && entity instanceof Post) throw new Error('post is locked')
    }
    await expect(ann.softDelete({ cascade: true })).rejects.toThrow('post is locked')
    expect(await rawCount('SELECT COUNT(*) AS n FROM author WHERE deleted_at IS NULL')).toBe(1)
    expect(await rawCount('SELECT COUNT(*) AS n FROM post WHERE deleted_at IS NULL')).toBe(1)
    expect(ann.isDeleted).toBe(false)
    expect(takeLog()).toEqual(['Author.beforeSoftDelete ann', 'Post.beforeSoftDelete one'])
  })

  it('runs after-hooks at the outermost commit of a transaction, never for a rollback', async () => {
    await db.boot(HOOK_MODEL)
    await ORM.transaction(async () => {
      await ORM.transaction(async () => {
        new Author('ann')
        await ORM.flush()
      })
      expect(takeLog()).toEqual(['Author.beforeInsert ann'])
    })
    expect(takeLog()).toEqual(['Author.afterInsert ann'])
    const rolledBack = ORM.transaction(async () => {
      const bob = new Author('bob')
      await ORM.flush()
      await bob.softDelete({ cascade: true })
      throw new Error('changed my mind')
    })
    await expect(rolledBack).rejects.toThrow('changed my mind')
    expect(takeLog()).toEqual(['Author.beforeInsert bob', 'Author.beforeSoftDelete bob'])
    expect(await rawCount('SELECT COUNT(*) AS n FROM author')).toBe(1)
  })

  it('drops the after-hooks of a rolled-back savepoint but keeps the enclosing transaction’s', async () => {
    await db.boot(HOOK_MODEL)
    await ORM.transaction(async () => {
      new Author('kept')
      await ORM.transaction(async () => {
        new Author('dropped')
        await ORM.flush()
        throw new Error('inner only')
      }).catch(() => undefined)
    })
    expect(takeLog().filter((entry) => entry.includes('after'))).toEqual(['Author.afterInsert kept'])
  })

  it('rejects the call with an after-hook’s error and keeps the committed write', async () => {
    await db.boot(HOOK_MODEL)
    behaviour.throwIn = 'afterInsert'
    new Author('ann')
    const error = await ORM.flush().catch((caught: unknown) => caught)
    expect((error as Error).message).toBe('afterInsert refused ann')
    expect(await rawCount('SELECT COUNT(*) AS n FROM author')).toBe(1)
    await ORM.flush()
    expect(takeLog()).toEqual(['Author.beforeInsert ann', 'Author.afterInsert ann'])
  })

  it('sends an after-hook’s error in a scheduled flush to ORM.onError', async () => {
    await db.boot(HOOK_MODEL)
    const errors: Error[] = []
    ORM.onError = (error) => errors.push(error)
    try {
      behaviour.throwIn = 'afterInsert'
      new Author('ann')
      await vi.waitFor(() => expect(errors).toHaveLength(1))
      expect(errors[0]?.message).toBe('afterInsert refused ann')
      delete behaviour.throwIn
      expect(await rawCount('SELECT COUNT(*) AS n FROM author')).toBe(1)
    } finally {
      ORM.onError = undefined
    }
  })

  it('refuses at boot a hook decorator on something that is not a method', async () => {
    class Broken extends SoftDel {
      @Column() name: string = 'x'
      // A property holding a value, decorated as if it were a method (the cast gets past the type check).
      @(AfterInsert() as PropertyDecorator) notAMethod = 3
    }
    await expect(db.boot([Broken])).rejects.toThrow(BootError)
    await expect(db.boot([Broken])).rejects.toThrow(/Broken\.notAMethod has @AfterInsert\(\) but is not a method/)
  })
})

describeEachDialect('ORM.on() listeners', (db) => {
  it('receives each committed event with the class, ids, instances and operation; unsubscribe stops it', async () => {
    await db.boot(HOOK_MODEL)
    const events: LifecycleEventInfo[] = []
    const stop = ORM.on('softDelete', (event) => {
      events.push(event)
    })
    const ann = new Author('ann')
    const one = new Post('one', ann)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    expect(events.map(({ event, className, operation, isCascade, ids }) => ({ event, className, operation, isCascade, ids }))).toEqual([
      { event: 'softDelete', className: 'Author', operation: 'softDelete', isCascade: false, ids: [ann.id] },
      { event: 'softDelete', className: 'Post', operation: 'softDelete', isCascade: true, ids: [one.id] },
    ])
    expect(events[1]?.instances).toEqual([one])
    stop()
    await ann.restore({ cascade: true })
    await ann.softDelete()
    expect(events).toHaveLength(2)
  })

  it('hears every event kind, and bulk forms on a class without hooks load no rows for it', async () => {
    const selects: string[] = []
    await db.boot(HOOK_MODEL, { onQuery: (event) => void (/^\s*select/i.test(event.sql) && selects.push(event.sql)) })
    const heard: string[] = []
    for (const kind of ['insert', 'update', 'softDelete', 'restore', 'delete'] as const) {
      ORM.on(kind, ({ event, className, operation, ids }) => void heard.push(`${event} ${className} ${operation} ${ids.length}`))
    }
    const a = new Plain('a')
    new Plain('b')
    await ORM.flush()
    a.name = 'aa'
    await ORM.flush()
    selects.length = 0
    expect(await Plain.softDelete({ where: {} })).toBe(2)
    expect(await Plain.restore({ where: {} })).toBe(2)
    expect(selects).toEqual([])
    expect(await Plain.delete({ where: { name: 'b' } })).toBe(1)
    expect(heard).toEqual([
      'insert Plain flush 2',
      'update Plain flush 1',
      'softDelete Plain bulkSoftDelete 2',
      'restore Plain bulkRestore 2',
      'delete Plain bulkDelete 1',
    ])
  })

  it('lets a listener read and write through the ORM after a flush, inside or outside a transaction', async () => {
    await db.boot(HOOK_MODEL)
    const counts: number[] = []
    ORM.on('insert', async ({ className, instances }) => {
      if (className !== 'Author') return
      counts.push(await Author.count())
      await new Post(`welcome ${(instances[0] as Author).name}`, instances[0] as Author).save()
    })
    new Author('ann')
    await ORM.flush()
    await ORM.transaction(async () => {
      new Author('bob')
    })
    expect(counts).toEqual([1, 2])
    expect(await rawRows('SELECT title FROM post ORDER BY id')).toEqual([{ title: 'welcome ann' }, { title: 'welcome bob' }])
  })

  it('rejects an unknown event with a ValidationError', async () => {
    await db.boot(HOOK_MODEL)
    expect(() => ORM.on('remove' as 'delete', () => undefined)).toThrow(/unknown event "remove"/)
  })
})
