import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { BootError, Column, Entity, ORM, Relation, SoftDel, SoftDelUuid, Table, ValidationError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { columnNames, rawRows } from '../support/raw-sql.js'
import { rejection } from '../support/rejection.js'

// The audit trail needs audited classes (@Table({ audit: true })), which the shared sample model does not
// declare: an author's posts get comments (audited) and votes (soft-deletable, not audited).

@Table({ audit: true })
class Author extends SoftDel {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

@Table({ audit: true })
class Post extends SoftDel {
  @Column() title: string
  @Relation(() => Author) author: Author
  constructor(title: string, author: Author) {
    super()
    this.title = title
    this.author = author
  }
}

@Table({ audit: true })
class Comment extends SoftDelUuid {
  @Column() text: string
  @Relation(() => Post) post: Post
  constructor(text: string, post: Post) {
    super()
    this.text = text
    this.post = post
  }
}

/** Soft-deletable but not audited: a cascade hides it without recording anything. */
class Vote extends SoftDel {
  @Relation(() => Post) post: Post
  constructor(post: Post) {
    super()
    this.post = post
  }
}

/** The table `post` before the audit was turned on. */
@Table({ name: 'post' })
class PlainPost extends SoftDel {
  @Column() title: string
  @Relation(() => Author) author: Author
}

/** ORM.md's example class ("Who deleted it"). */
@Table({ audit: true })
class Invoice extends SoftDel {
  @Column() number: string
}

const MODEL = [Author, Post, Comment, Vote]

/** deleted_by and deletion_reason of one row, read with raw SQL. */
async function auditInDb(table: string, id: unknown): Promise<[unknown, unknown]> {
  const rows = await rawRows(`SELECT deleted_by, deletion_reason FROM ${table} WHERE id = ?`, [id])
  expect(rows).toHaveLength(1)
  return [rows[0]?.deleted_by ?? null, rows[0]?.deletion_reason ?? null]
}

async function seed(): Promise<{ ann: Author; posts: Post[]; comments: Comment[]; vote: Vote }> {
  const ann = new Author('ann')
  const posts = [new Post('first', ann), new Post('second', ann)]
  const comments = [new Comment('a', posts[0] as Post), new Comment('b', posts[0] as Post), new Comment('c', posts[1] as Post)]
  const vote = new Vote(posts[1] as Post)
  await ORM.flush()
  return { ann, posts, comments, vote }
}

describeEachDialect('soft delete audit: who deleted it', (db) => {
  it('records the actor of the flag path, captured when isDeleted is assigned', async () => {
    await db.boot(MODEL)
    const { posts } = await seed()
    const [first, second] = posts as [Post, Post]
    const updatedAt = first.updatedAt
    await ORM.actingAs('ann', () => {
      first.isDeleted = true
    })
    await ORM.flush() // outside actingAs: the actor of the assignment is kept
    expect(first.deletedBy).toBe('ann')
    expect(first.deletionReason).toBeUndefined()
    expect(await auditInDb('post', first.id)).toEqual(['ann', null])
    expect(first.updatedAt).toEqual(updatedAt)
    // Without an actor the columns stay NULL.
    second.isDeleted = true
    await ORM.flush()
    expect(second.deletedBy).toBeUndefined()
    expect(await auditInDb('post', second.id)).toEqual([null, null])
  })

  it('records the actor and the reason of softDelete(); a number actor reads back as text', async () => {
    await db.boot(MODEL)
    const { posts } = await seed()
    const first = posts[0] as Post
    await ORM.actingAs(7, () => first.softDelete({ reason: 'spam' }))
    expect([first.deletedBy, first.deletionReason]).toEqual(['7', 'spam'])
    expect(await auditInDb('post', first.id)).toEqual(['7', 'spam'])
    const [loaded] = await Post.find({ where: { id: first.id }, withDeleted: true })
    expect(loaded?.deletedBy).toBe('7')
    expect(loaded?.toJSON()).toMatchObject({ deletedBy: '7', deletionReason: 'spam' })
  })

  it('records the same actor and reason on every audited row a cascade hides, and counts them per class', async () => {
    await db.boot(MODEL)
    const { ann, posts, comments, vote } = await seed()
    const counts = await ORM.actingAs('admin', () => ann.softDelete({ cascade: true, reason: 'gdpr request' }))
    expect(counts).toEqual({ Author: 1, Post: 2, Comment: 3, Vote: 1 })
    expect(await auditInDb('author', ann.id)).toEqual(['admin', 'gdpr request'])
    for (const post of posts) expect(await auditInDb('post', post.id)).toEqual(['admin', 'gdpr request'])
    for (const comment of comments) {
      expect(await auditInDb('comment', comment.id)).toEqual(['admin', 'gdpr request'])
      expect(comment.deletedBy).toBe('admin') // instances in memory follow
    }
    expect(vote.isDeleted).toBe(true)
    expect(await columnNames('vote')).not.toContain('deleted_by')
    // A second cascade on the hidden author changes nothing and says so.
    expect(await ann.softDelete({ cascade: true })).toEqual({ Author: 0 })
  })

  it('records the actor and the reason of the bulk soft delete', async () => {
    await db.boot(MODEL)
    const { posts } = await seed()
    const n = await ORM.actingAs('bob', () => Post.softDelete({ where: { title: 'second' }, reason: 'duplicate' }))
    expect(n).toBe(1)
    expect(posts[1]?.deletedBy).toBe('bob')
    expect(await auditInDb('post', posts[1]?.id)).toEqual(['bob', 'duplicate'])
    expect(await auditInDb('post', posts[0]?.id)).toEqual([null, null])
  })

  it('clears the audit on every restore path: flag, restore(), cascade restore, bulk restore', async () => {
    await db.boot(MODEL)
    const { ann, posts, comments } = await seed()
    const [first, second] = posts as [Post, Post]
    await ORM.actingAs('ann', () => first.softDelete({ reason: 'r1' }))
    first.isDeleted = false
    await ORM.flush()
    expect([first.deletedBy, first.deletionReason]).toEqual([undefined, undefined])
    expect(await auditInDb('post', first.id)).toEqual([null, null])

    await ORM.actingAs('ann', () => first.softDelete({ reason: 'r2' }))
    await first.restore()
    expect(first.deletedBy).toBeUndefined()
    expect(await auditInDb('post', first.id)).toEqual([null, null])

    await ORM.actingAs('ann', () => second.softDelete({ reason: 'r3' }))
    expect(await Post.restore({ where: { title: 'second' } })).toBe(1)
    expect(second.deletionReason).toBeUndefined()
    expect(await auditInDb('post', second.id)).toEqual([null, null])

    await ORM.actingAs('ann', () => ann.softDelete({ cascade: true, reason: 'r4' }))
    const counts = await ann.restore({ cascade: true })
    expect(counts).toEqual({ Author: 1, Post: 2, Comment: 3, Vote: 1 })
    expect(await auditInDb('author', ann.id)).toEqual([null, null])
    for (const comment of comments) {
      expect(await auditInDb('comment', comment.id)).toEqual([null, null])
      expect(comment.deletedBy).toBeUndefined()
    }
    // Without cascade, restore() and softDelete() resolve with undefined as before.
    expect(await first.softDelete()).toBeUndefined()
    expect(await first.restore()).toBeUndefined()
  })

  it('changes nothing when the flag flips back before the flush, the audit of a hidden row included', async () => {
    await db.boot(MODEL)
    const { posts } = await seed()
    const first = posts[0] as Post
    await ORM.actingAs('ann', async () => {
      first.isDeleted = true
      first.isDeleted = false
    })
    expect(await ORM.flush()).toBeUndefined()
    expect(first.deletedBy).toBeUndefined()
    await ORM.actingAs('ann', () => first.softDelete({ reason: 'kept' }))
    await ORM.actingAs('bob', () => {
      first.isDeleted = false
      first.isDeleted = true
    })
    await ORM.flush()
    expect([first.deletedBy, first.deletionReason]).toEqual(['ann', 'kept'])
    expect(await auditInDb('post', first.id)).toEqual(['ann', 'kept'])
  })

  it('lets a nested actingAs override the actor; transactions inside keep it', async () => {
    await db.boot(MODEL)
    const { posts, comments } = await seed()
    const [first, second] = posts as [Post, Post]
    await ORM.actingAs('outer', async () => {
      await ORM.actingAs('inner', () => first.softDelete())
      await ORM.transaction(async () => {
        second.isDeleted = true
        await comments[0]?.softDelete()
      })
    })
    expect(first.deletedBy).toBe('inner')
    expect(second.deletedBy).toBe('outer')
    expect(await auditInDb('comment', comments[0]?.id)).toEqual(['outer', null])
    // And the actor is gone after the call.
    await comments[1]?.softDelete()
    expect(await auditInDb('comment', comments[1]?.id)).toEqual([null, null])
  })

  it('finds rows by deletedBy and deletionReason with onlyDeleted or withDeleted', async () => {
    await db.boot(MODEL)
    const { posts } = await seed()
    await ORM.actingAs('ann', () => posts[0]?.softDelete({ reason: 'spam' }))
    await ORM.actingAs('bob', () => posts[1]?.softDelete())
    const byAnn = await Post.find({ where: { deletedBy: 'ann' }, onlyDeleted: true })
    expect(byAnn).toEqual([posts[0]])
    expect(await Post.count({ where: { deletionReason: 'spam' }, withDeleted: true })).toBe(1)
    expect(await Post.count({ where: { deletedBy: null }, onlyDeleted: true })).toBe(0)
    // The default filter still applies: soft-deleted rows are hidden.
    expect(await Post.find({ where: { deletedBy: 'ann' } })).toEqual([])
  })

  it('refuses a bad reason, an unaudited reason and a bad actor, and changes nothing', async () => {
    await db.boot(MODEL)
    const { posts, vote } = await seed()
    const first = posts[0] as Post
    for (const reason of ['', '   ', 42, 'x'.repeat(2001)]) {
      const error = await rejection(first.softDelete({ reason: reason as string }))
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.message).toContain('Post.softDelete({ reason })')
    }
    const bulk = await rejection(Post.softDelete({ where: {}, reason: '' }))
    expect(bulk).toBeInstanceOf(ValidationError)
    const unaudited = await rejection(vote.softDelete({ reason: 'no' }))
    expect(unaudited).toBeInstanceOf(ValidationError)
    expect(unaudited.message).toContain('Vote is not audited; declare @Table({ audit: true })')
    for (const actor of ['', 1.5, {}, null, 'a'.repeat(256)]) {
      const refused = await rejection(ORM.actingAs(actor as string, () => first.softDelete()))
      expect(refused).toBeInstanceOf(ValidationError)
      expect(refused.message).toContain('ORM.actingAs(actor, fn) expects a non-blank string')
    }
    expect(first.isDeleted).toBe(false)
    expect(vote.isDeleted).toBe(false)
    expect(await Post.count({ onlyDeleted: true })).toBe(0)
    expect(() => {
      ;(first as unknown as { deletedBy: string }).deletedBy = 'me'
    }).toThrow(ValidationError)
  })

  it("runs ORM.md's example", async () => {
    await db.boot([Invoice])
    const invoice = Object.assign(new Invoice(), { number: '1042' })
    const currentUser = { id: 42 }
    // --- ORM.md audit example ---
    await ORM.actingAs(currentUser.id, async () => {
      await invoice.softDelete({ reason: 'duplicate of #1041' })
    })
    expect(invoice.deletedBy).toBe('42')
    expect(invoice.deletionReason).toBe('duplicate of #1041')
    expect(await Invoice.find({ where: { deletedBy: '42' }, onlyDeleted: true })).toEqual([invoice])
    // --- end ---
    expect(await ORM.actingAs('job', async () => 'result')).toBe('result')
  })

  it('counts the parents restore({ cascade: true, withAncestors: true }) brings back, and a pending restore', async () => {
    await db.boot(MODEL)
    const { ann, posts, comments } = await seed()
    await ORM.actingAs('ann', () => ann.softDelete({ cascade: true, reason: 'gone' }))
    const comment = comments[2] as Comment
    expect(await comment.restore({ cascade: true, withAncestors: true })).toEqual({ Comment: 1, Post: 1, Author: 1 })
    expect(posts[1]?.isDeleted).toBe(false)
    // The ancestors' audit is cleared with them; the rows still hidden keep theirs.
    expect(await auditInDb('author', ann.id)).toEqual([null, null])
    expect(await auditInDb('post', posts[1]?.id)).toEqual([null, null])
    expect(await auditInDb('post', posts[0]?.id)).toEqual(['ann', 'gone'])
    const first = posts[0] as Post
    first.isDeleted = false
    expect(await first.restore({ cascade: true })).toEqual({ Post: 1 })
    expect(await first.restore({ cascade: true })).toEqual({ Post: 0 })
  })

  it('adds deleted_by and deletion_reason to an existing table at boot', async () => {
    // An in-memory database lives as long as its handle: keep one across the boots.
    const handle = db.name === 'sqlite-memory' ? new Database(':memory:') : undefined
    await db.boot([Author, PlainPost], handle ? { sqlite: handle } : {})
    const author = new Author('ann')
    const plain = new PlainPost()
    plain.title = 'old'
    plain.author = author
    await ORM.flush()
    expect(await columnNames('post')).not.toContain('deleted_by')
    await ORM.close()
    await ORM.boot(MODEL, handle ? { sqlite: handle } : db.connectionOptions())
    expect(await columnNames('post')).toEqual(expect.arrayContaining(['deleted_by', 'deletion_reason']))
    const post = (await Post.findById(plain.id)) as Post
    expect(post.deletedBy).toBeUndefined()
    await ORM.actingAs('ann', () => post.softDelete({ reason: 'old' }))
    expect(await auditInDb('post', post.id)).toEqual(['ann', 'old'])
  })

  it('refuses @Table({ audit: true }) on a class that is not soft-deletable, and an audit property declared by hand', async () => {
    @Table({ audit: true })
    class Ledger extends Entity {
      @Column() label: string
    }
    const error = await rejection(db.boot([Ledger]))
    expect(error).toBeInstanceOf(BootError)
    expect(error.message).toContain('@Table({ audit: true }) on Ledger: only a soft-deletable class')
    @Table({ audit: true })
    class Note extends SoftDel {
      @Column({ type: 'text' }) declare deletedBy: string | undefined
    }
    const declared = await rejection(db.boot([Note]))
    expect(declared).toBeInstanceOf(BootError)
    expect(declared.message).toContain('Note.deletedBy is written by @Table({ audit: true })')
  })
})
