import { beforeEach, expect, it } from 'vitest'
import { BeforeRestore, BeforeSoftDelete, Column, ORM, Relation, RestoreError, SoftDel, type LifecycleEventInfo } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'
import { Author, HOOK_MODEL, Post, Recorded, authorWithPosts, behaviour, takeLog } from './model.js'

// The explicit operations (softDelete(), restore(), delete(), their bulk forms, purgeDeleted()): what
// their before-hooks change is written by the operation itself, rows they skip run no hook, and
// listeners hear the operation that was called.

beforeEach(() => {
  takeLog()
  delete behaviour.throwIn
  delete behaviour.edit
})

/** A comment on a post by an author who may not be the post's: two required parents. */
class Comment extends Recorded {
  @Column() text: string
  @Relation(() => Post) post: Post
  @Relation(() => Author) author: Author
  constructor(text: string, post: Post, author: Author) {
    super()
    this.text = text
    this.post = post
    this.author = author
  }
  get label(): string {
    return this.text
  }
}

/** A versioned class whose hooks keep a history in a column: its writes must not conflict with each other. */
class Ledger extends SoftDel {
  @Column() name: string
  @Column() history: string = ''
  @Column({ version: true }) version: number
  constructor(name: string) {
    super()
    this.name = name
  }
  @BeforeSoftDelete() @BeforeRestore() note() {
    this.history += this.isDeleted ? 'restored;' : 'hidden;'
  }
}

const MODEL = [...HOOK_MODEL, Comment, Ledger]

/** Makes every before-hook of `event` (e.g. 'SoftDelete') set an author's slug, or prefix a post's title. */
function editIn(event: string): void {
  behaviour.edit = (entity, hook) => {
    if (hook !== `before${event}`) return
    if (entity instanceof Author) entity.slug = `${entity.name}-${hook}`
    if (entity instanceof Post) entity.title = `${hook} ${entity.title}`
  }
}

describeEachDialect('hooks in explicit operations', (db) => {
  /** Boots, with every statement recorded in the returned list. */
  async function boot(): Promise<string[]> {
    const statements: string[] = []
    await db.boot(MODEL, { onQuery: (event) => void statements.push(event.sql) })
    return statements
  }

  /** Runs `call`, then a flush: the flush must find nothing left to write. */
  async function leavesNothingPending(statements: string[], call: () => Promise<unknown>): Promise<void> {
    await call()
    statements.length = 0
    await ORM.flush()
    expect(statements).toEqual([])
  }

  it('writes what before-hooks change in softDelete() and restore(), with and without cascade', async () => {
    const statements = await boot()
    const ann = await authorWithPosts()
    editIn('SoftDelete')
    await leavesNothingPending(statements, () => ann.softDelete())
    expect(await rawRows('SELECT slug FROM author')).toEqual([{ slug: 'ann-beforeSoftDelete' }])
    editIn('Restore')
    await leavesNothingPending(statements, () => ann.restore())
    expect(await rawRows('SELECT slug FROM author')).toEqual([{ slug: 'ann-beforeRestore' }])
    editIn('SoftDelete')
    await leavesNothingPending(statements, () => ann.softDelete({ cascade: true }))
    expect(await rawRows('SELECT title FROM post ORDER BY id')).toEqual([{ title: 'beforeSoftDelete one' }, { title: 'beforeSoftDelete two' }])
    editIn('Restore')
    await leavesNothingPending(statements, () => ann.restore({ cascade: true }))
    expect(await rawRows('SELECT slug FROM author')).toEqual([{ slug: 'ann-beforeRestore' }])
    expect(await rawRows('SELECT title FROM post ORDER BY id')).toEqual([
      { title: 'beforeRestore beforeSoftDelete one' },
      { title: 'beforeRestore beforeSoftDelete two' },
    ])
  })

  it('writes what before-hooks change in the bulk forms, before they return', async () => {
    const statements = await boot()
    await authorWithPosts()
    editIn('SoftDelete')
    await leavesNothingPending(statements, () => Post.softDelete({ where: { title: 'one' } }))
    editIn('Restore')
    await leavesNothingPending(statements, () => Post.restore({ where: {} }))
    editIn('Update')
    await leavesNothingPending(statements, () => Post.update({ where: { title: 'two' } }, { title: 'zwei' }))
    expect(await rawRows('SELECT title FROM post ORDER BY id')).toEqual([
      { title: 'beforeRestore beforeSoftDelete one' },
      // The before-hook runs once the values are known: what it assigns is written last, as in a flush.
      { title: 'beforeUpdate two' },
    ])
    editIn('Delete')
    await leavesNothingPending(statements, () => Post.delete({ where: {} }))
    expect(await rawRows('SELECT title FROM post')).toEqual([])
  })

  it('writes a versioned instance’s hook changes at the version the operation left', async () => {
    const statements = await boot()
    const ledger = new Ledger('cash')
    await ORM.flush()
    await leavesNothingPending(statements, () => ledger.softDelete({ cascade: true }))
    await leavesNothingPending(statements, () => ledger.restore())
    await leavesNothingPending(statements, () => Ledger.softDelete({ where: { name: 'cash' } }))
    await leavesNothingPending(statements, () => Ledger.restore({ where: { name: 'cash' } }))
    expect(await rawRows('SELECT history, version FROM ledger')).toEqual([{ history: 'hidden;restored;hidden;restored;', version: 9 }])
    expect(ledger.version).toBe(9)
  })

  it('does not fire update hooks for what a before-hook of another event changed', async () => {
    await boot()
    const ann = await authorWithPosts()
    editIn('SoftDelete')
    await ann.softDelete({ cascade: true })
    await Post.restore({ where: {} })
    expect(takeLog().filter((entry) => entry.includes('Update'))).toEqual([])
  })

  it('runs no hook for the rows a cascade restore leaves hidden under another soft-deleted parent', async () => {
    await boot()
    const ann = new Author('ann')
    const bob = new Author('bob')
    const one = new Post('one', ann)
    new Comment('by ann', one, ann)
    new Comment('by bob', one, bob)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    await bob.softDelete()
    takeLog()
    const counts = await ann.restore({ cascade: true })
    expect(counts).toEqual({ Author: 1, Post: 1, Comment: 1 })
    expect(takeLog().filter((entry) => entry.includes('by bob'))).toEqual([])
  })

  it('runs no hook for the rows a bulk restore skips or a refused restore() keeps', async () => {
    await boot()
    const ann = new Author('ann')
    const bob = new Author('bob')
    const one = new Post('one', ann)
    const byBob = new Comment('by bob', one, bob)
    new Comment('by ann', one, ann)
    await ORM.flush()
    await Comment.softDelete({ where: {} })
    await bob.softDelete()
    takeLog()
    expect(await Comment.restore({ where: {} })).toBe(1)
    expect(takeLog()).toEqual(['Comment.beforeRestore by ann', 'Comment.afterRestore by ann'])
    await expect(byBob.restore()).rejects.toThrow(RestoreError)
    expect(takeLog()).toEqual([])
  })

  it('runs no hook for the soft-deleted rows purgeDeleted() keeps because dependents reference them', async () => {
    await boot()
    const ann = await authorWithPosts()
    const bob = new Author('bob')
    await ORM.flush()
    await ann.softDelete()
    await bob.softDelete()
    takeLog()
    expect(await Author.purgeDeleted({ olderThan: new Date(Date.now() + 60_000) })).toEqual({ purged: 1, blocked: 1 })
    expect(takeLog()).toEqual(['Author.beforeDelete bob', 'Author.afterDelete bob'])
  })

  it('reports the operation called to listeners, on every path', async () => {
    await boot()
    const heard: string[] = []
    const listen = ({ event, className, operation, isCascade }: LifecycleEventInfo): void => {
      heard.push(`${event} ${className} ${operation}${isCascade ? ' cascade' : ''}`)
    }
    for (const event of ['softDelete', 'restore'] as const) ORM.on(event, listen)
    const ann = await authorWithPosts()
    const [one] = await Post.find({ where: { title: 'one' } })
    await ann.softDelete()
    await ann.restore()
    ann.isDeleted = true
    await ORM.flush()
    ann.isDeleted = false
    await ann.restore()
    await ann.softDelete({ cascade: true })
    await one?.restore({ withAncestors: true })
    expect(heard).toEqual([
      'softDelete Author softDelete',
      'restore Author restore',
      'softDelete Author flush',
      'restore Author restore',
      'softDelete Author softDelete',
      'softDelete Post softDelete cascade',
      'restore Author restore cascade',
      'restore Post restore',
    ])
  })
})
