import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import {
  Column,
  DatabaseError,
  DetachedInstanceError,
  Entity,
  ForeignKeyError,
  ORM,
  Relation,
  ValidationError,
  type BootOptions,
  type EntityClass,
} from '../../lib/index.js'
import type { Loaded } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawCount, rawRows as raw } from '../support/raw-sql.js'
import { rejection } from '../support/rejection.js'
import { Story, Tag, User } from '../support/model.js'

// Regression tests for defects found in review: each one failed before the fix.

// --- the model ---

const MODEL: EntityClass[] = [User, Tag, Story]

/** A to-many relation to its own class, named like the class: both junction columns would be node_id. */
class Node extends Entity {
  @Column() label: string
  @Relation(() => Node) node: Node[] = []
  constructor(label: string) {
    super()
    this.label = label
  }
}

// --- helpers ---

/** Raw SQL that never goes through the ORM, so it never flushes pending changes. */
interface Reader {
  run(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>
}

interface Session {
  /** Closes the ORM and boots it again on the same data: nothing is in memory after that. */
  reboot(): Promise<void>
  /** Opens a reader outside the ORM on the same database. */
  reader(): Promise<Reader>
}

const handles: Database.Database[] = []

afterEach(() => {
  for (const handle of handles.splice(0)) handle.close()
})

/**
 * Boots on a database that outlives ORM.close(). On sqlite-memory the ORM gets a database handle the
 * test keeps open (close() leaves such a handle open), which also serves as the outside reader.
 */
async function bootReusable(db: DialectContext, classes: readonly EntityClass[] = MODEL): Promise<Session> {
  let reach: BootOptions
  let handle: Database.Database | undefined
  if (db.name === 'sqlite-memory') {
    handle = new Database(':memory:')
    handles.push(handle)
    reach = { sqlite: handle }
    await db.boot(classes, reach)
  } else {
    await db.boot(classes)
    reach = db.connectionOptions()
  }
  return {
    async reboot() {
      await ORM.close()
      await ORM.boot(classes, reach)
    },
    async reader() {
      if (!handle) return db.openSecondConnection()
      const open = handle
      return {
        async run(text, params = []) {
          return open.prepare(text).all(params) as Record<string, unknown>[]
        },
      }
    },
  }
}

class Rollback extends Error {}

function titles(stories: readonly Loaded<Story>[]): string[] {
  return stories.map((story) => story.title)
}

function names(tags: readonly Loaded<Tag>[]): string[] {
  return tags.map((tag) => tag.name)
}

async function storyTitled(title: string): Promise<Loaded<Story>> {
  const story = await Story.findOne({ where: { title } })
  if (!story) throw new Error(`no story titled ${title}`)
  return story
}

async function tagNamed(name: string): Promise<Loaded<Tag>> {
  const tag = await Tag.findOne({ where: { name } })
  if (!tag) throw new Error(`no tag named ${name}`)
  return tag
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// --- where values ---

describeEachDialect('edge cases: relation where values', (db) => {
  it('refuses an unawaited relation read as a where value, in find and in a static delete that removes nothing', async () => {
    const session = await bootReusable(db)
    const [ann, bob] = [new User('ann'), new User('bob')]
    new Story('alpha', ann)
    new Story('beta', bob)
    await ORM.flush()
    await session.reboot()
    const alpha = await storyTitled('alpha')
    const pending: unknown = alpha.createdBy
    expect(pending).toBeInstanceOf(Promise)
    const inFind = await rejection(Story.find({ where: { createdBy: pending as User } }))
    expect(inFind).toBeInstanceOf(ValidationError)
    expect(inFind.message).toMatch(/await/)
    const inDelete = await rejection(Story.delete({ where: { createdBy: pending as User } }))
    expect(inDelete).toBeInstanceOf(ValidationError)
    expect(inDelete.message).toMatch(/await/)
    expect(await rawCount('SELECT COUNT(*) AS n FROM story')).toBe(2)
    expect(((await pending) as User).username).toBe('ann')
  })

  it('refuses a non-plain object as a relation where value', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('alpha', ann)
    story.tags.push(new Tag('news'))
    await ORM.flush()
    const map = new Map([['username', 'ann']]) as unknown
    await expect(Story.find({ where: { createdBy: map as User } })).rejects.toThrow(ValidationError)
    await expect(Story.count({ where: { tags: map as Tag } })).rejects.toThrow(ValidationError)
    await expect(Story.find({ where: { editor: new Date() as unknown as User } })).rejects.toThrow(ValidationError)
    expect(await rawCount('SELECT COUNT(*) AS n FROM story')).toBe(1)
  })
})

// --- transactions ---

describeEachDialect('edge cases: relations loaded inside transactions', (db) => {
  it('unloads a to-many relation loaded inside a transaction that rolls back', async () => {
    const session = await bootReusable(db)
    const story = new Story('alpha', new User('ann'))
    story.tags.push(new Tag('t1'))
    await ORM.flush()
    await session.reboot()
    const loaded = await storyTitled('alpha')
    const t1 = await tagNamed('t1')
    await expect(
      ORM.transaction(async () => {
        await t1.delete()
        expect(await loaded.tags).toEqual([])
        throw new Rollback('rollback')
      }),
    ).rejects.toBeInstanceOf(Rollback)
    expect(await loaded.tags).toEqual([t1])
    loaded.tags = []
    await ORM.flush()
    expect(await rawCount('SELECT COUNT(*) AS n FROM story_tags')).toBe(0)
  })

  it('re-reads an inverse view read inside a transaction that rolls back, without the rolled-back row', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    new Story('alpha', ann)
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        new Story('tmp', ann)
        await ORM.flush()
        expect(titles(await ann.stories)).toContain('tmp')
        throw new Rollback('rollback')
      }),
    ).rejects.toBeInstanceOf(Rollback)
    expect(titles(await ann.stories)).toEqual(['alpha'])
  })
})

describeEachDialect(
  'edge cases: inverse views and concurrent transactions',
  (db) => {
    it('re-reads a view read outside an open transaction once that transaction commits a new row', async () => {
      await db.boot(MODEL)
      const ann = new User('ann')
      new Story('alpha', ann)
      await ORM.flush()
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      let markFlushed!: () => void
      const flushed = new Promise<void>((resolve) => (markFlushed = resolve))
      const tx = ORM.transaction(async () => {
        new Story('late', ann)
        await ORM.flush()
        markFlushed()
        await gate
      })
      await flushed
      expect(titles(await ann.stories)).toEqual(['alpha'])
      release()
      await tx
      expect(titles(await ann.stories)).toEqual(['alpha', 'late'])
    })
  },
  ['postgres'],
)

// --- assignments ---

describeEachDialect('edge cases: assignments', (db) => {
  it('refuses at flush an instance of the wrong class whose id equals the unloaded target id', async () => {
    const session = await bootReusable(db)
    new Story('alpha', new User('ann'))
    new Tag('news')
    await ORM.flush()
    await session.reboot()
    const story = await storyTitled('alpha')
    const tag = await tagNamed('news')
    expect(tag.id).toBe(1)
    expect(story.id).toBe(1)
    story.createdBy = tag as unknown as User
    await expect(ORM.flush()).rejects.toThrow(ValidationError)
    const reader = await session.reader()
    const rows = await reader.run('SELECT created_by_id FROM story')
    expect(rows.map((row) => Number(row.created_by_id))).toEqual([1])
  })

  it('leaves updatedAt alone, in memory and in the database, when only a to-many membership changes', async () => {
    await db.boot(MODEL)
    const story = new Story('alpha', new User('ann'))
    const news = new Tag('news')
    await ORM.flush()
    const before = story.updatedAt.getTime()
    const [rowBefore] = await raw('SELECT updated_at FROM story WHERE id = ?', [story.id])
    await pause(5)
    story.tags.push(news)
    await ORM.flush()
    expect(await rawCount('SELECT COUNT(*) AS n FROM story_tags')).toBe(1)
    expect(story.updatedAt.getTime()).toBe(before)
    const [rowAfter] = await raw('SELECT updated_at FROM story WHERE id = ?', [story.id])
    expect(rowAfter).toEqual(rowBefore)
  })
})

// --- eager loading ---

describeEachDialect('edge cases: eager loading of loaded to-many relations', (db) => {
  it('refreshes a loaded, unchanged to-many relation from the database', async () => {
    await db.boot(MODEL)
    const story = new Story('alpha', new User('ann'))
    const [t1, t2] = [new Tag('t1'), new Tag('t2')]
    story.tags.push(t1)
    await ORM.flush()
    expect(story.tags).toEqual([t1])
    await raw('INSERT INTO story_tags (story_id, tag_id) VALUES (?, ?)', [story.id, t2.id])
    const [found] = await Story.find({ relations: { tags: true } })
    expect(found).toBe(story)
    expect(names(story.tags)).toEqual(['t1', 't2'])
    expect(story.tags[1]).toBe(t2)
  })

  it('writes a pending push before an eager find, then shows it with the rows added meanwhile', async () => {
    await db.boot(MODEL)
    const story = new Story('alpha', new User('ann'))
    const [t1, t2, t3] = [new Tag('t1'), new Tag('t2'), new Tag('t3')]
    story.tags.push(t1)
    await ORM.flush()
    await raw('INSERT INTO story_tags (story_id, tag_id) VALUES (?, ?)', [story.id, t2.id])
    story.tags.push(t3)
    await Story.find({ relations: { tags: true } })
    expect(story.tags).toEqual([t1, t2, t3])
    const rows = await raw('SELECT tag_id FROM story_tags ORDER BY tag_id')
    expect(rows.map((row) => Number(row.tag_id))).toEqual([t1.id, t2.id, t3.id])
  })
})

// --- errors ---

describeEachDialect(
  'edge cases: SQLite trigger errors',
  (db) => {
    it('reports an application trigger abort as a DatabaseError, and a RESTRICT violation still as a ForeignKeyError', async () => {
      await db.boot(MODEL)
      const ann = new User('ann')
      new Story('alpha', ann)
      await ORM.flush()
      await raw(`CREATE TRIGGER no_spam BEFORE INSERT ON tag WHEN NEW.name = 'spam' BEGIN SELECT RAISE(ABORT, 'spam refused'); END`)
      const restrict = await rejection(raw('DELETE FROM "user" WHERE id = ?', [ann.id]))
      expect(restrict).toBeInstanceOf(ForeignKeyError)
      const spam = new Tag('spam')
      const aborted = await rejection(ORM.flush())
      expect(aborted).toBeInstanceOf(DatabaseError)
      expect(aborted).not.toBeInstanceOf(ForeignKeyError)
      expect(aborted.message).toContain('spam refused')
      spam.name = 'ham'
      await ORM.flush()
      expect(await raw('SELECT name FROM tag')).toEqual([{ name: 'ham' }])
    })
  },
  ['sqlite-memory', 'sqlite-file'],
)

// --- schema ---

describeEachDialect('edge cases: self-referencing to-many named like its class', (db) => {
  it('boots and persists a to-many relation to its own class named after the class', async () => {
    const session = await bootReusable(db, [Node])
    const [a, b, c] = [new Node('a'), new Node('b'), new Node('c')]
    a.node.push(b, c)
    await ORM.flush()
    const rows = await raw('SELECT node_id, node_target_id FROM node_node ORDER BY node_target_id')
    expect(rows.map((row) => [Number(row.node_id), Number(row.node_target_id)])).toEqual([
      [a.id, b.id],
      [a.id, c.id],
    ])
    await session.reboot()
    const loaded = await Node.findOne({ where: { label: 'a' } })
    expect((await loaded!.node).map((node) => node.label)).toEqual(['b', 'c'])
  })
})

// --- delete ---

describeEachDialect('edge cases: concurrent deletes', (db) => {
  it('resolves one of two concurrent deletes of one instance and rejects the other with DetachedInstanceError', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('alpha', ann)
    new Story('beta', ann)
    await ORM.flush()
    const results = await Promise.allSettled([story.delete(), story.delete()])
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    expect(rejected).toHaveLength(1)
    expect(rejected[0]?.reason).toBeInstanceOf(DetachedInstanceError)
    expect(await raw('SELECT title FROM story')).toEqual([{ title: 'beta' }])
  })
})
