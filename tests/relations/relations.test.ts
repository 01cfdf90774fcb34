import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import {
  BootError,
  Column,
  Entity,
  ForeignKeyError,
  ORM,
  Relation,
  UniqueConstraintError,
  ValidationError,
  type BootOptions,
  type EntityClass,
  type Ref,
} from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { columnNames, rawRows as raw, tableNames } from '../support/raw-sql.js'
import { rejection } from '../support/rejection.js'

// --- the model ---

// Not the canonical model of tests/support: this Story also maps a renamed foreign key (approver) and a
// named junction table (labelling), which the schema tests read back, so the three classes are local.

class User extends Entity {
  @Column({ unique: true }) username: string
  constructor(username: string) {
    super()
    this.username = username
  }
}

class Tag extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Story extends Entity {
  @Column() title: string
  @Relation(() => User) createdBy: User
  @Relation(() => User, { nullable: true }) editor?: User
  @Relation(() => User, { name: 'approver', nullable: true }) approvedBy?: User
  @Relation(() => Tag) tags: Tag[] = []
  @Relation(() => Tag, { through: 'labelling' }) labels: Tag[] = []
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

const MODEL: EntityClass[] = [User, Tag, Story]

/** A tree: the root has no parent. */
class Category extends Entity {
  @Column() name: string
  @Relation(() => Category, { nullable: true }) parent?: Category
  constructor(name: string, parent?: Category) {
    super()
    this.name = name
    this.parent = parent
  }
}

/** A self-referencing to-many relation (not symmetric). */
class Person extends Entity {
  @Column() name: string
  @Relation(() => Person) friends: Person[] = []
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** An optional self-reference that two new rows may form a cycle with. */
class Dancer extends Entity {
  @Column() name: string
  @Relation(() => Dancer, { nullable: true }) partner?: Dancer
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** Relations declared on an abstract ancestor that is never passed to boot. */
abstract class Post extends Entity {
  @Column() body: string
  @Relation(() => User) author: User
  @Relation(() => User, { nullable: true }) reviewer?: User
  @Relation(() => Tag) topics: Tag[] = []
  constructor(body: string, author: User) {
    super()
    this.body = body
    this.author = author
  }
}

class Article extends Post {}

class Comment extends Post {}

/** UUID ids, referencing an INT class. */
class Gadget extends Entity {
  static ormClassSettings_ = { idType: 'UUID' }
  @Column() label: string
  @Relation(() => User) owner: User
  @Relation(() => User) watchers: User[] = []
  @Relation(() => Signal, { nullable: true }) lastSignal?: Ref<Signal>
  constructor(label: string, owner: User) {
    super()
    this.label = label
    this.owner = owner
  }
}

/** BIGINT ids, referencing a UUID class. */
class Signal extends Entity {
  static ormClassSettings_ = { idType: 'BIGINT' }
  @Column({ type: 'integer' }) level: number
  @Relation(() => Gadget) gadget: Gadget
  @Relation(() => Gadget) mirrors: Gadget[] = []
  constructor(level: number, gadget: Gadget) {
    super()
    this.level = level
    this.gadget = gadget
  }
}

/** INT ids, referencing a BIGINT and a UUID class. */
class Reading extends Entity {
  @Column({ type: 'integer' }) value: number
  @Relation(() => Signal) signal: Signal
  @Relation(() => Gadget, { nullable: true }) gadget?: Gadget
  constructor(value: number, signal: Signal) {
    super()
    this.value = value
    this.signal = signal
  }
}

const MIXED_IDS: EntityClass[] = [User, Gadget, Signal, Reading]

// --- a class that boot must refuse (the other refusals are unit-tested in tests/unit/) ---

class PointsAtUnbooted extends Entity {
  @Relation(() => User) owner: User
}

// --- helpers ---

type Row = Record<string, unknown>

/** Reads the database without going through the ORM (so without flushing its pending changes). */
interface Reader {
  read(text: string, params?: unknown[]): Promise<Row[]>
}

interface Harness extends Reader {
  /** Closes the ORM (flushing first) and boots the same classes on the same database: a fresh identity map. */
  reboot(): Promise<void>
}

const handleCleanups: (() => void)[] = []

afterEach(() => {
  for (const cleanup of handleCleanups.splice(0)) cleanup()
})

/**
 * Boots on an empty database and returns a reader that bypasses the ORM, plus a reboot onto the same
 * database. On sqlite-memory the ORM is booted on a handle the test keeps (boot leaves it open).
 */
async function setup(db: DialectContext, classes: readonly EntityClass[], options: BootOptions = {}): Promise<Harness> {
  if (db.name === 'sqlite-memory') {
    const handle = new Database(':memory:')
    handleCleanups.push(() => handle.close())
    await db.boot(classes, { ...options, sqlite: handle })
    return {
      async read(text, params = []) {
        return handle.prepare(text).all(params) as Row[]
      },
      async reboot() {
        await ORM.close()
        await ORM.boot(classes, { ...options, sqlite: handle })
      },
    }
  }
  await db.boot(classes, options)
  const reuse = db.connectionOptions()
  const second = await db.openSecondConnection()
  return {
    read: (text, params) => second.run(text, params),
    async reboot() {
      await ORM.close()
      await ORM.boot(classes, { ...options, ...reuse })
    },
  }
}

async function count(reader: Reader, table: string): Promise<number> {
  const rows = await reader.read(`SELECT count(*) AS n FROM ${table}`)
  return Number(rows[0]?.n)
}

/** The (owner, target) pairs of a junction table, as sorted numbers. */
async function pairs(reader: Reader, table: string, ownerColumn: string, targetColumn: string): Promise<number[][]> {
  const rows = await reader.read(`SELECT ${ownerColumn} AS o, ${targetColumn} AS t FROM ${table}`)
  return rows.map((row) => [Number(row.o), Number(row.t)]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
}

/** A timestamp as raw SQL writes it: epoch ms on SQLite, a Date on PostgreSQL. */
function rawNow(isPostgres: boolean): unknown {
  return isPostgres ? new Date() : Date.now()
}

/** Inserts a story behind the ORM's back through `ORM.query`. */
async function insertRawStory(title: string, createdById: unknown, editorId: unknown = null): Promise<Row[]> {
  const now = rawNow(ORM.dialect === 'postgres')
  return raw('INSERT INTO story (title, created_by_id, editor_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
    title,
    createdById,
    editorId,
    now,
    now,
  ])
}

async function storyRow(reader: Reader, id: unknown): Promise<Row | undefined> {
  const [row] = await reader.read('SELECT title, created_by_id, editor_id, approver FROM story WHERE id = ?', [id])
  return row
}

async function bootFailure(db: DialectContext, classes: readonly EntityClass[]): Promise<BootError> {
  const error = await rejection(db.boot(classes))
  expect(error).toBeInstanceOf(BootError)
  return error as BootError
}

function names(items: readonly { name: string }[]): string[] {
  return items.map((item) => item.name).sort()
}

class Boom extends Error {}

// --- 1. schema and database-level integrity ---

describeEachDialect('relations: schema', (db) => {
  it('names a to-one foreign-key column after the property with an _id suffix', async () => {
    await db.boot(MODEL)
    const columns = await columnNames('story')
    expect(columns).toContain('created_by_id')
    expect(columns).toContain('editor_id')
  })

  it('names a to-one foreign-key column as given with { name }', async () => {
    await db.boot(MODEL)
    const columns = await columnNames('story')
    expect(columns).toContain('approver')
    expect(columns).not.toContain('approved_by_id')
  })

  it('creates a junction table named after the owner table and the property, one column per side', async () => {
    await db.boot(MODEL)
    expect(await tableNames()).toContain('story_tags')
    expect(await columnNames('story_tags')).toEqual(['story_id', 'tag_id'])
  })

  it('names the junction table as given with { through }', async () => {
    await db.boot(MODEL)
    const tables = await tableNames()
    expect(tables).toContain('labelling')
    expect(tables).not.toContain('story_labels')
    expect(await columnNames('labelling')).toEqual(['story_id', 'tag_id'])
  })

  it('names the target column of a self-referencing junction after the property', async () => {
    await db.boot([Person])
    expect(await columnNames('person_friends')).toEqual(['friends_id', 'person_id'])
  })

  it('refuses a raw INSERT that leaves a required foreign key NULL', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    await insertRawStory('fine', ann.id)
    const error = await rejection(insertRawStory('orphan', null))
    expect(error).toBeInstanceOf(ValidationError)
    expect(await raw('SELECT title FROM story')).toEqual([{ title: 'fine' }])
  })

  it('refuses an orphan written through ORM.query with a ForeignKeyError', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    await ORM.flush()
    const error = await rejection(insertRawStory('orphan', Number(ann.id) + 1000))
    expect(error).toBeInstanceOf(ForeignKeyError)
    expect(await raw('SELECT count(*) AS n FROM story')).toEqual([{ n: db.isPostgres ? '0' : 0 }])
  })

  it('refuses to delete with raw SQL a user that a story requires', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    new Story('one', ann)
    await ORM.flush()
    const error = await rejection(raw('DELETE FROM "user" WHERE id = ?', [ann.id]))
    expect(error).toBeInstanceOf(ForeignKeyError)
    expect(await raw('SELECT username FROM "user"')).toEqual([{ username: 'ann' }])
  })

  it('sets the foreign keys to NULL when a user referenced only optionally is deleted with raw SQL', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const bob = new User('bob')
    const story = new Story('one', ann)
    story.editor = bob
    story.approvedBy = bob
    await ORM.flush()
    await raw('DELETE FROM "user" WHERE id = ?', [bob.id])
    expect(await raw('SELECT created_by_id, editor_id, approver FROM story')).toEqual([
      { created_by_id: ann.id, editor_id: null, approver: null },
    ])
  })

  it('removes the junction rows of a story deleted with raw SQL', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const [red, blue] = [new Tag('red'), new Tag('blue')]
    const kept = new Story('kept', ann)
    kept.tags.push(red)
    const gone = new Story('gone', ann)
    gone.tags.push(red, blue)
    gone.labels.push(blue)
    await ORM.flush()
    await raw('DELETE FROM story WHERE id = ?', [gone.id])
    expect(await raw('SELECT story_id, tag_id FROM story_tags')).toEqual([{ story_id: kept.id, tag_id: red.id }])
    expect(await raw('SELECT count(*) AS n FROM labelling')).toEqual([{ n: db.isPostgres ? '0' : 0 }])
  })

  it('removes the junction rows of a tag deleted with raw SQL', async () => {
    await db.boot(MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue] = [new Tag('red'), new Tag('blue')]
    story.tags.push(red, blue)
    await ORM.flush()
    await raw('DELETE FROM tag WHERE id = ?', [red.id])
    expect(await raw('SELECT story_id, tag_id FROM story_tags')).toEqual([{ story_id: story.id, tag_id: blue.id }])
  })

  it('refuses a duplicate pair in a junction table', async () => {
    await db.boot(MODEL)
    const story = new Story('one', new User('ann'))
    const red = new Tag('red')
    story.tags.push(red)
    await ORM.flush()
    const error = await rejection(raw('INSERT INTO story_tags (story_id, tag_id) VALUES (?, ?)', [story.id, red.id]))
    expect(error).toBeInstanceOf(UniqueConstraintError)
    expect(await raw('SELECT story_id, tag_id FROM story_tags')).toEqual([{ story_id: story.id, tag_id: red.id }])
  })
})

describeEachDialect(
  'relations: integrity against a second connection',
  (db) => {
    it('refuses an orphan story inserted through a second connection', async () => {
      await db.boot(MODEL)
      const ann = new User('ann')
      await ORM.flush()
      const second = await db.openSecondConnection()
      const now = rawNow(db.isPostgres)
      const insert = 'INSERT INTO story (title, created_by_id, created_at, updated_at) VALUES (?, ?, ?, ?)'
      await expect(second.run(insert, ['orphan', Number(ann.id) + 1000, now, now])).rejects.toThrow()
      await second.run(insert, ['fine', ann.id, now, now])
      expect(await second.run('SELECT title FROM story')).toEqual([{ title: 'fine' }])
    })

    it('refuses to delete a required user through a second connection', async () => {
      await db.boot(MODEL)
      const ann = new User('ann')
      new Story('one', ann)
      await ORM.flush()
      const second = await db.openSecondConnection()
      await expect(second.run('DELETE FROM "user" WHERE id = ?', [ann.id])).rejects.toThrow()
      expect(await second.run('SELECT username FROM "user"')).toEqual([{ username: 'ann' }])
    })
  },
  ['sqlite-file', 'postgres'],
)

// --- 2. every relation kind, persisted and read back ---

describeEachDialect('relations: persisted and read back', (db) => {
  it('reads back a required to-one relation after a reboot', async () => {
    const h = await setup(db, MODEL)
    const ann = new User('ann')
    const story = new Story('one', ann)
    await ORM.flush()
    const [storyId, annId] = [story.id, ann.id]
    expect((await storyRow(h, storyId))?.created_by_id).toBe(annId)
    await h.reboot()
    const found = (await Story.findById(storyId)) as Story
    const author = await found.createdBy
    expect(author).toBeInstanceOf(User)
    expect(author.id).toBe(annId)
    expect(author.username).toBe('ann')
    expect(await User.findById(annId)).toBe(author)
  })

  it('persists setting, changing and clearing an optional to-one relation', async () => {
    const h = await setup(db, MODEL)
    const [ann, bob, cid] = [new User('ann'), new User('bob'), new User('cid')]
    const story = new Story('one', ann)
    await ORM.flush()
    expect((await storyRow(h, story.id))?.editor_id).toBeNull()
    story.editor = bob
    await ORM.flush()
    expect((await storyRow(h, story.id))?.editor_id).toBe(bob.id)
    story.editor = cid
    await ORM.flush()
    expect((await storyRow(h, story.id))?.editor_id).toBe(cid.id)
    story.editor = undefined
    await ORM.flush()
    expect((await storyRow(h, story.id))?.editor_id).toBeNull()
  })

  it('reads back a changed optional to-one relation, and a cleared one as undefined, after a reboot', async () => {
    const h = await setup(db, MODEL)
    const [ann, bob, cid] = [new User('ann'), new User('bob'), new User('cid')]
    const edited = new Story('edited', ann)
    edited.editor = bob
    const cleared = new Story('cleared', ann)
    cleared.editor = bob
    await ORM.flush()
    edited.editor = cid
    cleared.editor = undefined
    await ORM.flush()
    const [editedId, clearedId, cidId] = [edited.id, cleared.id, cid.id]
    await h.reboot()
    const reEdited = (await Story.findById(editedId)) as Story
    const reCleared = (await Story.findById(clearedId)) as Story
    expect((await reEdited.editor)?.id).toBe(cidId)
    expect(reCleared.editor).toBeUndefined()
    expect(await reCleared.editor).toBeUndefined()
  })

  it('persists members pushed onto a to-many relation and reads them back after a reboot', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue] = [new Tag('red'), new Tag('blue')]
    await ORM.flush()
    story.tags.push(red, blue)
    await ORM.flush()
    const [storyId, redId, blueId] = [story.id, red.id, blue.id]
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([
      [storyId, redId],
      [storyId, blueId],
    ])
    await h.reboot()
    const found = (await Story.findById(storyId)) as Story
    const tags = await found.tags
    expect(tags.map((tag) => tag.id).sort()).toEqual([redId, blueId].sort())
    expect(names(tags)).toEqual(['blue', 'red'])
  })

  it('removes the pair of a member spliced out of a to-many relation', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue, green] = [new Tag('red'), new Tag('blue'), new Tag('green')]
    story.tags.push(red, blue, green)
    await ORM.flush()
    story.tags.splice(1, 1)
    await ORM.flush()
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([
      [story.id, red.id],
      [story.id, green.id],
    ])
    await h.reboot()
    expect(names(await ((await Story.findOne()) as Story).tags)).toEqual(['green', 'red'])
  })

  it('persists an index assignment in a to-many relation', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue, green] = [new Tag('red'), new Tag('blue'), new Tag('green')]
    story.tags.push(red, blue)
    await ORM.flush()
    story.tags[0] = green
    await ORM.flush()
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([
      [story.id, blue.id],
      [story.id, green.id],
    ])
  })

  it('persists a to-many relation reassigned to a new array', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue, green] = [new Tag('red'), new Tag('blue'), new Tag('green')]
    story.tags.push(red, blue)
    await ORM.flush()
    story.tags = [green, blue]
    await ORM.flush()
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([
      [story.id, blue.id],
      [story.id, green.id],
    ])
    story.tags.push(red)
    await ORM.flush()
    expect(await count(h, 'story_tags')).toBe(3)
  })

  it('stores a member listed twice in a to-many relation once', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const red = new Tag('red')
    story.tags.push(red, red)
    await ORM.flush()
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([[story.id, red.id]])
    story.tags.push(red)
    await ORM.flush()
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([[story.id, red.id]])
    const [storyId, redId] = [story.id, red.id]
    await h.reboot()
    const tags = await ((await Story.findById(storyId)) as Story).tags
    expect(tags.map((tag) => tag.id)).toEqual([redId])
  })

  it('writes only the changed pairs of a loaded to-many relation, leaving other rows of the junction alone', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue, green, black] = [new Tag('red'), new Tag('blue'), new Tag('green'), new Tag('black')]
    story.tags.push(red, blue)
    await ORM.flush()
    const ids = { story: story.id, red: red.id, blue: blue.id, green: green.id, black: black.id }
    await h.reboot()
    const found = (await Story.findById(ids.story)) as Story
    const tags = await found.tags
    // Written behind the ORM's back after the load: a full rewrite of the members would drop it.
    await raw('INSERT INTO story_tags (story_id, tag_id) VALUES (?, ?)', [ids.story, ids.green])
    const loadedRed = tags.find((tag) => tag.name === 'red') as Tag
    tags.splice(tags.indexOf(loadedRed), 1)
    tags.push((await Tag.findById(ids.black)) as Tag)
    await ORM.flush()
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual(
      [ids.blue, ids.green, ids.black].map((tagId) => [Number(ids.story), Number(tagId)]).sort((a, b) => a[1]! - b[1]!),
    )
  })

  it('reads back a category tree through optional self-references', async () => {
    const h = await setup(db, [Category])
    const root = new Category('root')
    const child = new Category('child', root)
    const grandchild = new Category('grandchild', child)
    await ORM.flush()
    const ids = { root: root.id, child: child.id, grandchild: grandchild.id }
    expect(await h.read('SELECT name, parent_id FROM category ORDER BY id')).toEqual([
      { name: 'root', parent_id: null },
      { name: 'child', parent_id: ids.root },
      { name: 'grandchild', parent_id: ids.child },
    ])
    await h.reboot()
    const leaf = (await Category.findById(ids.grandchild)) as Category
    const parent = (await leaf.parent) as Category
    expect(parent.id).toBe(ids.child)
    const top = (await parent.parent) as Category
    expect(top.id).toBe(ids.root)
    expect(await top.parent).toBeUndefined()
  })

  it('persists a self-referencing to-many relation in one direction only', async () => {
    const h = await setup(db, [Person])
    const [ann, bob, cid] = [new Person('ann'), new Person('bob'), new Person('cid')]
    ann.friends.push(bob, cid)
    bob.friends.push(ann)
    await ORM.flush()
    const ids = { ann: ann.id, bob: bob.id, cid: cid.id }
    expect(await pairs(h, 'person_friends', 'person_id', 'friends_id')).toEqual([
      [ids.ann, ids.bob],
      [ids.ann, ids.cid],
      [ids.bob, ids.ann],
    ])
    await h.reboot()
    const [reAnn, reBob, reCid] = await Promise.all([ids.ann, ids.bob, ids.cid].map((id) => Person.findById(id)))
    expect(names(await (reAnn as Person).friends)).toEqual(['bob', 'cid'])
    expect(names(await (reBob as Person).friends)).toEqual(['ann'])
    expect(await (reCid as Person).friends).toEqual([])
  })

  it('keeps two relations to the same class apart', async () => {
    const h = await setup(db, MODEL)
    const [ann, bob, cid] = [new User('ann'), new User('bob'), new User('cid')]
    const story = new Story('one', ann)
    story.editor = bob
    story.approvedBy = cid
    await ORM.flush()
    const ids = { story: story.id, ann: ann.id, bob: bob.id, cid: cid.id }
    expect(await storyRow(h, ids.story)).toEqual({ title: 'one', created_by_id: ids.ann, editor_id: ids.bob, approver: ids.cid })
    await h.reboot()
    const found = (await Story.findOne({ relations: { createdBy: true, editor: true, approvedBy: true } })) as Story
    expect(found.createdBy.username).toBe('ann')
    expect(found.editor?.username).toBe('bob')
    expect(found.approvedBy?.username).toBe('cid')
  })

  it('gives each subclass of an abstract ancestor its own foreign-key column and junction table', async () => {
    await db.boot([User, Tag, Article, Comment])
    const tables = await tableNames()
    expect(tables).toEqual(expect.arrayContaining(['article', 'comment', 'article_topics', 'comment_topics']))
    expect(tables).not.toContain('post')
    expect(await columnNames('article')).toEqual(expect.arrayContaining(['author_id', 'reviewer_id']))
    expect(await columnNames('comment')).toEqual(expect.arrayContaining(['author_id', 'reviewer_id']))
    expect(await columnNames('comment_topics')).toEqual(['comment_id', 'tag_id'])
  })

  it('persists and reads back relations inherited from an abstract ancestor', async () => {
    const h = await setup(db, [User, Tag, Article, Comment])
    const [ann, bob] = [new User('ann'), new User('bob')]
    const red = new Tag('red')
    const article = new Article('a', ann)
    article.reviewer = bob
    article.topics.push(red)
    const comment = new Comment('c', bob)
    await ORM.flush()
    const ids = { ann: ann.id, bob: bob.id, red: red.id, article: article.id, comment: comment.id }
    expect(await h.read('SELECT author_id, reviewer_id FROM article')).toEqual([{ author_id: ids.ann, reviewer_id: ids.bob }])
    expect(await h.read('SELECT author_id, reviewer_id FROM comment')).toEqual([{ author_id: ids.bob, reviewer_id: null }])
    expect(await pairs(h, 'article_topics', 'article_id', 'tag_id')).toEqual([[ids.article, ids.red]])
    expect(await count(h, 'comment_topics')).toBe(0)
    await h.reboot()
    const reArticle = (await Article.findById(ids.article)) as Article
    expect((await reArticle.author).id).toBe(ids.ann)
    expect((await reArticle.reviewer)?.id).toBe(ids.bob)
    expect((await reArticle.topics).map((tag) => tag.id)).toEqual([ids.red])
    expect((await ((await Comment.findById(ids.comment)) as Comment).author).id).toBe(ids.bob)
  })

  it('lists each subclass of an abstract ancestor as a dependent of its own', async () => {
    await db.boot([User, Tag, Article, Comment])
    const ann = new User('ann')
    const article = new Article('a', ann)
    const comment = new Comment('c', ann)
    new Comment('other', new User('bob'))
    await ORM.flush()
    expect(ORM.dependentsOf(User)).toEqual({ Article: ['author'], Comment: ['author'] })
    expect(await ann.getDependents()).toEqual({ Article: [[article], ['author']], Comment: [[comment], ['author']] })
  })
})

// --- 3. new instances referencing each other in one flush ---

describeEachDialect('relations: new instances in one flush', (db) => {
  it('inserts a new story with a new user and new tags in one flush', async () => {
    const h = await setup(db, MODEL)
    const ann = new User('ann')
    const [red, blue] = [new Tag('red'), new Tag('blue')]
    const story = new Story('one', ann)
    story.tags.push(red, blue)
    story.labels = [blue]
    await ORM.flush()
    for (const instance of [ann, red, blue, story]) expect(typeof instance.id).toBe('number')
    expect(await storyRow(h, story.id)).toEqual({ title: 'one', created_by_id: ann.id, editor_id: null, approver: null })
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([
      [story.id, red.id],
      [story.id, blue.id],
    ])
    expect(await pairs(h, 'labelling', 'story_id', 'tag_id')).toEqual([[story.id, blue.id]])
  })

  it('inserts two new rows that reference each other optionally', async () => {
    const h = await setup(db, [Dancer])
    const a = new Dancer('a')
    const b = new Dancer('b')
    a.partner = b
    b.partner = a
    await ORM.flush()
    expect(await h.read('SELECT id, partner_id FROM dancer ORDER BY id')).toEqual(
      [
        { id: a.id, partner_id: b.id },
        { id: b.id, partner_id: a.id },
      ].sort((x, y) => Number(x.id) - Number(y.id)),
    )
    const [aId, bId] = [a.id, b.id]
    await h.reboot()
    const reA = (await Dancer.findById(aId)) as Dancer
    const reB = (await reA.partner) as Dancer
    expect(reB.id).toBe(bId)
    expect(await reB.partner).toBe(reA)
  })

  it('links new UUID-id, BIGINT-id and INT-id rows in one flush', async () => {
    const h = await setup(db, MIXED_IDS)
    const ann = new User('ann')
    const bob = new User('bob')
    const gadget = new Gadget('probe', ann)
    gadget.watchers.push(ann, bob)
    const signal = new Signal(7, gadget)
    signal.mirrors.push(gadget)
    gadget.lastSignal = signal
    const reading = new Reading(42, signal)
    reading.gadget = gadget
    await ORM.flush()
    expect(typeof gadget.id).toBe('string')
    expect(typeof signal.id).toBe('bigint')
    expect(typeof reading.id).toBe('number')
    expect(await h.read('SELECT owner_id, last_signal_id FROM gadget')).toEqual([
      { owner_id: ann.id, last_signal_id: db.isPostgres ? String(signal.id) : Number(signal.id) },
    ])
    expect(await h.read('SELECT gadget_id FROM signal')).toEqual([{ gadget_id: gadget.id }])
    const [readingRow] = await h.read('SELECT signal_id, gadget_id FROM reading')
    expect(String(readingRow?.signal_id)).toBe(String(signal.id))
    expect(readingRow?.gadget_id).toBe(gadget.id)
    const watchers = await h.read('SELECT gadget_id, user_id FROM gadget_watchers ORDER BY user_id')
    expect(watchers).toEqual([
      { gadget_id: gadget.id, user_id: ann.id },
      { gadget_id: gadget.id, user_id: bob.id },
    ])
    const mirrors = await h.read('SELECT signal_id, gadget_id FROM signal_mirrors')
    expect(mirrors.map((row) => [String(row.signal_id), row.gadget_id])).toEqual([[String(signal.id), gadget.id]])
  })

  it('reads back relations between UUID-id, BIGINT-id and INT-id rows after a reboot', async () => {
    const h = await setup(db, MIXED_IDS)
    const ann = new User('ann')
    const gadget = new Gadget('probe', ann)
    gadget.watchers.push(ann)
    const signal = new Signal(7, gadget)
    signal.mirrors.push(gadget)
    gadget.lastSignal = signal
    const reading = new Reading(42, signal)
    reading.gadget = gadget
    await ORM.flush()
    const ids = { ann: ann.id, gadget: gadget.id, signal: signal.id, reading: reading.id }
    await h.reboot()
    const reReading = (await Reading.findById(ids.reading)) as Reading
    const reSignal = await reReading.signal
    expect(reSignal.id).toBe(ids.signal)
    expect(reSignal.level).toBe(7)
    const reGadget = await reSignal.gadget
    expect(reGadget.id).toBe(ids.gadget)
    expect(await reReading.gadget).toBe(reGadget)
    expect(await reGadget.lastSignal).toBe(reSignal)
    expect((await reGadget.owner).id).toBe(ids.ann)
    expect((await reGadget.watchers).map((user) => user.id)).toEqual([ids.ann])
    expect(await reSignal.mirrors).toEqual([reGadget])
  })
})

// --- 4. validation at flush ---

describeEachDialect('relations: validation at flush', (db) => {
  it('refuses a required relation left undefined, writes nothing, and flushes once it is set', async () => {
    const h = await setup(db, MODEL, { autoFlush: false })
    const ann = new User('ann')
    const story = new Story('one', undefined as unknown as User)
    const error = await rejection(ORM.flush())
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain('Story.createdBy')
    expect(await count(h, '"user"')).toBe(0)
    expect(await count(h, 'story')).toBe(0)
    story.createdBy = ann
    await ORM.flush()
    expect((await storyRow(h, story.id))?.created_by_id).toBe(ann.id)
  })

  it('refuses an instance of the wrong class in a to-one relation', async () => {
    const h = await setup(db, MODEL, { autoFlush: false })
    const [ann, bob] = [new User('ann'), new User('bob')]
    const red = new Tag('red')
    const story = new Story('one', ann)
    await ORM.flush()
    story.createdBy = red as unknown as User
    story.title = 'renamed'
    const error = await rejection(ORM.flush())
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain('Story.createdBy')
    expect(error.message).toContain('Tag')
    expect(await storyRow(h, story.id)).toMatchObject({ title: 'one', created_by_id: ann.id })
    story.createdBy = bob
    await ORM.flush()
    expect(await storyRow(h, story.id)).toMatchObject({ title: 'renamed', created_by_id: bob.id })
  })

  it('refuses a non-instance in a to-many array of a new row and writes nothing', async () => {
    const h = await setup(db, MODEL, { autoFlush: false })
    const story = new Story('one', new User('ann'))
    story.tags.push({ name: 'fake' } as unknown as Tag)
    const error = await rejection(ORM.flush())
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain('Story.tags')
    expect(await count(h, 'story')).toBe(0)
    expect(await count(h, 'story_tags')).toBe(0)
    const red = new Tag('red')
    story.tags.splice(0, 1, red)
    await ORM.flush()
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([[story.id, red.id]])
  })

  it('refuses a promise assigned to a to-one relation and says to await it', async () => {
    const h = await setup(db, MODEL, { autoFlush: false })
    const ann = new User('ann')
    const original = new Story('original', ann)
    await ORM.flush()
    const [originalId, annId] = [original.id, ann.id]
    await h.reboot()
    const found = (await Story.findById(originalId)) as Story
    // The user is not in memory, so reading the relation gives a promise: a common mistake.
    const unawaited = found.createdBy
    expect(unawaited).toBeInstanceOf(Promise)
    const copy = new Story('copy', unawaited)
    const error = await rejection(ORM.flush())
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain('Story.createdBy')
    expect(error.message).toMatch(/await/)
    expect(await count(h, 'story')).toBe(1)
    // Reading found.createdBy again would flush first, and so fail on the pending copy.
    copy.createdBy = await unawaited
    await ORM.flush()
    expect((await storyRow(h, copy.id))?.created_by_id).toBe(annId)
  })
})

// --- 5. boot errors ---

describeEachDialect('relations: boot errors', (db) => {
  it('refuses a relation whose target class was not passed to boot', async () => {
    const error = await bootFailure(db, [PointsAtUnbooted])
    expect(error.message).toContain('PointsAtUnbooted.owner')
    expect(error.message).toContain('User')
    expect(error.message).toContain('ORM.boot()')
  })
})

// --- 6. transactions ---

describeEachDialect('relations: transactions', (db) => {
  it('rolls back a to-one change made in a transaction that throws, in memory and in the database', async () => {
    const h = await setup(db, MODEL)
    const [ann, bob] = [new User('ann'), new User('bob')]
    const story = new Story('one', ann)
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        story.createdBy = bob
        story.editor = bob
        await ORM.flush()
        expect((await raw('SELECT created_by_id FROM story'))[0]).toEqual({ created_by_id: bob.id })
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(story.createdBy).toBe(ann)
    expect(story.editor).toBeUndefined()
    expect(await storyRow(h, story.id)).toMatchObject({ created_by_id: ann.id, editor_id: null })
  })

  it('rolls back a splice made in a transaction that throws, in memory and in the database', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue] = [new Tag('red'), new Tag('blue')]
    story.tags.push(red, blue)
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        story.tags.splice(0, 1)
        await ORM.flush()
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(names(story.tags)).toEqual(['blue', 'red'])
    expect(story.tags).toEqual([red, blue])
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([
      [story.id, red.id],
      [story.id, blue.id],
    ])
  })

  it('rolls back a push made in a transaction that throws, in memory and in the database', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, green] = [new Tag('red'), new Tag('green')]
    story.tags.push(red)
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        story.tags.push(green)
        await ORM.flush()
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(story.tags).toEqual([red])
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([[story.id, red.id]])
  })

  it('rolls back a to-many array reassigned in a transaction that throws', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, green] = [new Tag('red'), new Tag('green')]
    story.tags.push(red)
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        story.tags = [green]
        await ORM.flush()
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(story.tags).toEqual([red])
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([[story.id, red.id]])
  })

  it('diffs later changes against the restored members after a rollback', async () => {
    const h = await setup(db, MODEL)
    const story = new Story('one', new User('ann'))
    const [red, blue, green] = [new Tag('red'), new Tag('blue'), new Tag('green')]
    story.tags.push(red, blue)
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        story.tags.splice(0, 2, green)
        await ORM.flush()
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    story.tags.splice(1, 1)
    await ORM.flush()
    expect(story.tags).toEqual([red])
    expect(await pairs(h, 'story_tags', 'story_id', 'tag_id')).toEqual([[story.id, red.id]])
  })
})

// --- 7. toJSON ---

describeEachDialect('relations: toJSON', (db) => {
  it('gives the target id for each to-one relation and leaves to-many relations out', async () => {
    await db.boot(MODEL)
    const [ann, bob] = [new User('ann'), new User('bob')]
    const story = new Story('one', ann)
    story.editor = bob
    story.tags.push(new Tag('red'))
    story.labels.push(new Tag('blue'))
    await ORM.flush()
    const json = story.toJSON()
    expect(json).toMatchObject({ id: story.id, title: 'one', createdBy: ann.id, editor: bob.id })
    expect(json.approvedBy).toBeUndefined()
    expect(Object.keys(json)).not.toContain('tags')
    expect(Object.keys(json)).not.toContain('labels')
    expect(JSON.parse(JSON.stringify(story))).toMatchObject({ createdBy: ann.id, editor: bob.id })
  })

  it('gives the target id of a to-one relation whose target is not loaded', async () => {
    const h = await setup(db, MODEL)
    const ann = new User('ann')
    const story = new Story('one', ann)
    await ORM.flush()
    const [storyId, annId] = [story.id, ann.id]
    await h.reboot()
    const found = (await Story.findById(storyId)) as Story
    const json = found.toJSON()
    expect(json.createdBy).toBe(annId)
    expect(json.editor).toBeUndefined()
    expect(Object.keys(json)).not.toContain('tags')
  })
})
