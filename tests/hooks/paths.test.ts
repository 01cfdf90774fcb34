import { beforeEach, expect, it, vi } from 'vitest'
import { ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'
import { Author, HOOK_MODEL, Memo, Post, authorWithPosts, behaviour, takeLog } from './model.js'

// Every path that causes an event fires its hooks once per affected row, before-hooks before the write
// and after-hooks after the commit.

beforeEach(() => {
  takeLog()
  delete behaviour.throwIn
  delete behaviour.edit
})

describeEachDialect('hooks on every path', (db) => {
  it('runs insert hooks once per instance on ORM.flush(), inherited before own', async () => {
    await db.boot(HOOK_MODEL)
    const ann = new Author('ann')
    new Post('one', ann)
    await ORM.flush()
    expect(takeLog()).toEqual([
      'Author.beforeInsert ann',
      'Post.beforeInsert one',
      'Post.stampTitle one',
      'Author.afterInsert ann',
      'Post.afterInsert one',
    ])
  })

  it('runs insert hooks on the scheduled flush and on save()', async () => {
    await db.boot(HOOK_MODEL)
    new Author('ann')
    await vi.waitFor(() => expect(takeLog()).toEqual(['Author.beforeInsert ann', 'Author.afterInsert ann']))
    const bob = new Author('bob')
    await bob.save()
    expect(takeLog()).toEqual(['Author.beforeInsert bob', 'Author.afterInsert bob'])
  })

  it('runs update hooks for a change, and nothing when nothing changed', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    ann.name = 'anna'
    await ORM.flush()
    expect(takeLog()).toEqual(['Author.beforeUpdate anna', 'Author.afterUpdate anna'])
    await ORM.flush()
    expect(takeLog()).toEqual([])
  })

  it('treats an isDeleted flip as a soft delete or a restore, not an update', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    ann.isDeleted = true
    await vi.waitFor(() => expect(takeLog()).toEqual(['Author.beforeSoftDelete ann', 'Author.afterSoftDelete ann']))
    ann.isDeleted = false
    await ORM.flush()
    expect(takeLog()).toEqual(['Author.beforeRestore ann', 'Author.afterRestore ann'])
  })

  it('runs softDelete() and restore() hooks once without cascade', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    await ann.softDelete()
    await ann.softDelete()
    expect(takeLog()).toEqual(['Author.beforeSoftDelete ann', 'Author.afterSoftDelete ann'])
    await ann.restore()
    expect(takeLog()).toEqual(['Author.beforeRestore ann', 'Author.afterRestore ann'])
  })

  it('runs the hooks of every row a cascade reaches, once each, after the commit', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    await ann.softDelete({ cascade: true })
    expect(takeLog()).toEqual([
      'Author.beforeSoftDelete ann',
      'Post.beforeSoftDelete one',
      'Post.beforeSoftDelete two',
      'Author.afterSoftDelete ann',
      'Post.afterSoftDelete one',
      'Post.afterSoftDelete two',
    ])
    await ann.restore({ cascade: true })
    expect(takeLog()).toEqual([
      'Author.beforeRestore ann',
      'Post.beforeRestore one',
      'Post.beforeRestore two',
      'Author.afterRestore ann',
      'Post.afterRestore one',
      'Post.afterRestore two',
    ])
  })

  it('runs restore hooks on the parents restore({ withAncestors: true }) brings back', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    await ann.softDelete({ cascade: true })
    takeLog()
    const [one] = await Post.find({ where: { title: 'one' }, withDeleted: true })
    await one?.restore({ withAncestors: true })
    expect(takeLog()).toEqual(['Author.beforeRestore ann', 'Post.beforeRestore one', 'Author.afterRestore ann', 'Post.afterRestore one'])
  })

  it('writes what a before-hook of a cascade changes, in the call’s transaction', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    behaviour.edit = (entity, hook) => {
      if (hook === 'beforeSoftDelete' && entity instanceof Author) entity.slug = 'hidden'
    }
    await ann.softDelete({ cascade: true })
    expect(await rawRows('SELECT slug, deleted_at IS NOT NULL AS hidden FROM author')).toEqual([{ slug: 'hidden', hidden: db.isPostgres ? true : 1 }])
  })

  it('runs delete hooks for delete() and the bulk Class.delete()', async () => {
    await db.boot(HOOK_MODEL)
    const ann = new Author('ann')
    new Author('bob')
    new Author('cid')
    await ORM.flush()
    takeLog()
    await ann.delete()
    expect(takeLog()).toEqual(['Author.beforeDelete ann', 'Author.afterDelete ann'])
    expect(await Author.delete({ where: { name: 'bob' } })).toBe(1)
    expect(takeLog()).toEqual(['Author.beforeDelete bob', 'Author.afterDelete bob'])
    new Memo('m')
    await ORM.flush()
    expect(await Memo.delete({ where: {} })).toBe(1)
    expect(takeLog()).toEqual(['Memo.delete m', 'Memo.delete m'])
  })

  it('runs delete hooks for the rows purgeDeleted() removes', async () => {
    await db.boot(HOOK_MODEL)
    const ann = await authorWithPosts()
    const [one] = await Post.find({ where: { title: 'one' } })
    await one?.softDelete()
    await ann.softDelete()
    takeLog()
    const result = await Post.purgeDeleted({ olderThan: new Date(Date.now() + 60_000) })
    expect(result).toEqual({ purged: 1, blocked: 0 })
    expect(takeLog()).toEqual(['Post.beforeDelete one', 'Post.afterDelete one'])
  })
})

// These re-boot on the same database, so that the rows are not in memory: not possible in memory.
describeEachDialect(
  'hooks on rows not in memory',
  (db) => {
    async function authorWithPostsOnDisk() {
      const ann = new Author('ann')
      new Post('one', ann)
      new Post('two', ann)
      await ORM.flush()
      await ORM.close()
      await ORM.boot(HOOK_MODEL, db.connectionOptions())
      takeLog()
    }

  it('loads the rows of a cascade that are not in memory to run their hooks', async () => {
    await db.boot(HOOK_MODEL)
    await authorWithPostsOnDisk()
    const ann = (await Author.findOne({ where: { name: 'ann' } })) as Author
    await ann.softDelete({ cascade: true })
    expect(takeLog().sort()).toEqual([
      'Author.afterSoftDelete ann',
      'Author.beforeSoftDelete ann',
      'Post.afterSoftDelete one',
      'Post.afterSoftDelete two',
      'Post.beforeSoftDelete one',
      'Post.beforeSoftDelete two',
    ])
  })

  it('runs the hooks of the bulk soft delete and restore on each matching row, loaded if need be', async () => {
    await db.boot(HOOK_MODEL)
    await authorWithPostsOnDisk()
    expect(await Post.softDelete({ where: {} })).toBe(2)
    expect(takeLog()).toEqual(['Post.beforeSoftDelete one', 'Post.beforeSoftDelete two', 'Post.afterSoftDelete one', 'Post.afterSoftDelete two'])
    expect(await Post.restore({ where: { title: 'two' } })).toBe(1)
    expect(takeLog()).toEqual(['Post.beforeRestore two', 'Post.afterRestore two'])
  })

  },
  ['sqlite-file', 'postgres'],
)
