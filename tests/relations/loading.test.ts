import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import {
  Column,
  Entity,
  OR,
  ORM,
  Relation,
  sql,
  ValidationError,
  type BootOptions,
  type FindOptions,
  type QueryEvent,
} from '../../lib/index.js'
import type { Loaded } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { Story, Tag, User } from '../support/model.js'

// The canonical model's Review points at two users; reviews here carry a body and only a story, so
// that loading them reads one relation.
class Review extends Entity {
  @Column() body: string
  @Relation(() => Story) story: Story
  constructor(body: string, story: Story) {
    super()
    this.body = body
    this.story = story
  }
}

const CLASSES = [User, Tag, Story, Review]

/**
 * ann wrote alpha (tags news, tech; edited by cid) and beta (tech); bob wrote gamma (no tags) and
 * delta (news; edited by ann); cid wrote nothing; no story is tagged art. Reviews: great and ok on
 * alpha, meh on gamma.
 */
async function seed() {
  const ann = new User('ann')
  const bob = new User('bob')
  const cid = new User('cid')
  const news = new Tag('news')
  const tech = new Tag('tech')
  const art = new Tag('art')
  const alpha = new Story('alpha', ann)
  alpha.tags.push(news, tech)
  alpha.editor = cid
  const beta = new Story('beta', ann)
  beta.tags.push(tech)
  const gamma = new Story('gamma', bob)
  const delta = new Story('delta', bob)
  delta.tags.push(news)
  delta.editor = ann
  const great = new Review('great', alpha)
  const meh = new Review('meh', gamma)
  const ok = new Review('ok', alpha)
  await ORM.flush()
  return { ann, bob, cid, news, tech, art, alpha, beta, gamma, delta, great, meh, ok }
}

function titles(stories: readonly Loaded<Story>[]): string[] {
  return stories.map((story) => story.title)
}

function names(tags: readonly Loaded<Tag>[]): string[] {
  return tags.map((tag) => tag.name)
}

function usernames(users: readonly Loaded<User>[]): string[] {
  return users.map((user) => user.username)
}

/** Options that bypass the compile-time checks, to reach the runtime validation. */
function untyped(options: object): FindOptions<Story> {
  return options as FindOptions<Story>
}

const handles: Database.Database[] = []

afterEach(() => {
  for (const handle of handles.splice(0)) handle.close()
})

/**
 * Boots on a database that outlives ORM.close(), and returns a function that closes the ORM and boots
 * it again on the same data: nothing is in memory after that. On sqlite-memory the ORM is given a
 * database handle the test keeps open (close() leaves such a handle open).
 */
async function bootReusable(db: DialectContext, options: BootOptions = {}): Promise<(options?: BootOptions) => Promise<void>> {
  let reach: BootOptions = {}
  if (db.name === 'sqlite-memory') {
    const handle = new Database(':memory:')
    handles.push(handle)
    reach = { sqlite: handle }
    await db.boot(CLASSES, { ...reach, ...options })
  } else {
    await db.boot(CLASSES, options)
    reach = db.connectionOptions()
  }
  return async (rebootOptions: BootOptions = {}) => {
    await ORM.close()
    await ORM.boot(CLASSES, { ...reach, ...rebootOptions })
  }
}

async function scalar(text: string): Promise<number> {
  const [row] = await ORM.query(text)
  return Number(row?.n)
}

async function byTitle(title: string): Promise<Loaded<Story>> {
  const story = await Story.findOne({ where: { title } })
  if (!story) throw new Error(`no story titled ${title}`)
  return story
}

describeEachDialect('relation loading', (db) => {
  // --- eager loading ---

  it('eager-loads a required to-one relation as the target instance', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const stories = await Story.find({ relations: { createdBy: true } })
    expect(titles(stories)).toEqual(['alpha', 'beta', 'gamma', 'delta'])
    for (const story of stories) expect(story.createdBy).toBeInstanceOf(User)
    expect(stories.map((story) => story.createdBy.username)).toEqual(['ann', 'ann', 'bob', 'bob'])
  })

  it('eager-loads an optional to-one relation, leaving an empty one undefined', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const stories = await Story.find({ relations: { editor: true } })
    expect(stories.map((story) => story.editor?.username)).toEqual(['cid', undefined, undefined, 'ann'])
    expect(stories[0]?.editor).toBeInstanceOf(User)
    expect(stories[1]?.editor).toBeUndefined()
  })

  it('eager-loads a to-many relation, an empty one as an empty array', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const stories = await Story.find({ relations: { tags: true } })
    expect(stories.map((story) => names(story.tags))).toEqual([['news', 'tech'], ['tech'], [], ['news']])
    expect(Array.isArray(stories[2]?.tags)).toBe(true)
    expect(stories[2]?.tags).toEqual([])
  })

  it('eager-loads the inverse view of a to-one relation', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const users = await User.find({ relations: { stories: true } })
    expect(usernames(users)).toEqual(['ann', 'bob', 'cid'])
    expect(users.map((user) => titles(user.stories))).toEqual([['alpha', 'beta'], ['gamma', 'delta'], []])
    expect(Array.isArray(users[2]?.stories)).toBe(true)
  })

  it('eager-loads the inverse view of a to-many relation', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const tags = await Tag.find({ relations: { stories: true } })
    expect(names(tags)).toEqual(['news', 'tech', 'art'])
    expect(tags.map((tag) => titles(tag.stories))).toEqual([['alpha', 'delta'], ['alpha', 'beta'], []])
  })

  it('eager-loads a nested to-one then its inverse view', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const gamma = await Story.findOne({ where: { title: 'gamma' }, relations: { createdBy: { stories: true } } })
    const bob = gamma!.createdBy
    expect(bob.username).toBe('bob')
    expect(titles(bob.stories)).toEqual(['gamma', 'delta'])
    // The view holds the very instance the find returned.
    expect(bob.stories[0]).toBe(gamma)
  })

  it('eager-loads a nested to-many then its inverse view', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const [alpha] = await Story.find({ where: { title: 'alpha' }, relations: { tags: { stories: true } } })
    const [news, tech] = alpha!.tags
    expect(titles(news!.stories)).toEqual(['alpha', 'delta'])
    expect(titles(tech!.stories)).toEqual(['alpha', 'beta'])
    expect(news!.stories[0]).toBe(alpha)
    expect(tech!.stories[0]).toBe(alpha)
  })

  it('eager-loads the instance already in memory rather than a copy', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const ann = await User.findOne({ where: { username: 'ann' } })
    const stories = await Story.find({ relations: { createdBy: true, tags: true } })
    expect(stories[0]?.createdBy).toBe(ann)
    expect(stories[1]?.createdBy).toBe(ann)
    // alpha and beta share the tech tag: one instance.
    expect(stories[0]?.tags[1]).toBe(stories[1]?.tags[0])
  })

  it('eager-loads instances that a later find returns again', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const stories = await Story.find({ relations: { createdBy: true, tags: true } })
    expect(await User.findOne({ where: { username: 'bob' } })).toBe(stories[2]?.createdBy)
    expect(await Tag.findOne({ where: { name: 'news' } })).toBe(stories[3]?.tags[0])
    expect(await Story.findOne({ where: { title: 'beta' } })).toBe(stories[1])
  })

  it('eager-loads relations of instances created in this session', async () => {
    await db.boot(CLASSES)
    const { ann, alpha, cid } = await seed()
    const users = await User.find({ relations: { stories: true } })
    expect(users[0]).toBe(ann)
    expect(ann.stories[0]).toBe(alpha)
    const stories = await Story.find({ where: { title: 'alpha' }, relations: { editor: true } })
    expect(stories[0]?.editor).toBe(cid)
  })

  // --- lazy loading ---

  it('loads an unloaded to-one relation when awaited, then reads it synchronously', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const alpha = await byTitle('alpha')
    const pending: unknown = alpha.createdBy
    expect(pending).toBeInstanceOf(Promise)
    const ann = await pending
    expect(ann).toBeInstanceOf(User)
    expect((ann as User).username).toBe('ann')
    expect(alpha.createdBy).toBe(ann)
    expect(await User.findOne({ where: { username: 'ann' } })).toBe(ann)
  })

  it('shares one lazily loaded target between the rows that point at it', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const [alpha, beta] = await Story.find({ where: { createdBy: { username: 'ann' } } })
    const first: unknown = alpha!.createdBy
    const second: unknown = alpha!.createdBy
    const [ann, again] = await Promise.all([first, second])
    expect(again).toBe(ann)
    expect(beta!.createdBy).toBe(ann)
  })

  it('reads a to-one relation synchronously when its target was loaded by another find', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const bob = await User.findOne({ where: { username: 'bob' } })
    const gamma = await byTitle('gamma')
    expect(gamma.createdBy).toBe(bob)
  })

  it('loads an unloaded to-many relation when awaited', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const alpha = await byTitle('alpha')
    const tags = await alpha.tags
    expect(names(tags)).toEqual(['news', 'tech'])
    expect(alpha.tags).toBe(tags)
    const gamma = await byTitle('gamma')
    expect(await gamma.tags).toEqual([])
  })

  it('loads an inverse view when awaited', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const bob = await User.findOne({ where: { username: 'bob' } })
    expect(titles(await bob!.stories)).toEqual(['gamma', 'delta'])
    const cid = await User.findOne({ where: { username: 'cid' } })
    expect(await cid!.stories).toEqual([])
    const tech = await Tag.findOne({ where: { name: 'tech' } })
    expect(titles(await tech!.stories)).toEqual(['alpha', 'beta'])
  })

  it('re-reads an inverse view after a new story is saved for its user', async () => {
    await db.boot(CLASSES)
    const { ann } = await seed()
    expect(titles(await ann.stories)).toEqual(['alpha', 'beta'])
    const epsilon = new Story('epsilon', ann)
    await epsilon.save()
    const stories = await ann.stories
    expect(titles(stories)).toEqual(['alpha', 'beta', 'epsilon'])
    expect(stories[2]).toBe(epsilon)
  })

  it('re-reads an inverse view of a to-many relation after a story is tagged', async () => {
    await db.boot(CLASSES)
    const { art, gamma } = await seed()
    expect(await art.stories).toEqual([])
    gamma.tags.push(art)
    await ORM.flush()
    expect(titles(await art.stories)).toEqual(['gamma'])
  })

  it('resolves a lazy optional to-one to undefined when its target row was deleted meanwhile', async () => {
    const reboot = await bootReusable(db)
    const { cid } = await seed()
    const cidId = cid.id
    await reboot()
    const alpha = await byTitle('alpha')
    const placeholder = ORM.dialect === 'postgres' ? '$1' : '?'
    await ORM.query(`DELETE FROM "${ORM.tableOf(User)}" WHERE id = ${placeholder}`, [cidId])
    expect(await alpha.editor).toBeUndefined()
    expect(await Story.count({ where: { editor: null } })).toBe(3)
  })

  it('persists a push onto a lazily loaded to-many relation', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const beta = await byTitle('beta')
    const art = await Tag.findOne({ where: { name: 'art' } })
    const tags = await beta.tags
    tags.push(art!)
    await ORM.flush()
    expect(await scalar(`SELECT COUNT(*) AS n FROM story_tags WHERE story_id = ${Number(beta.id)}`)).toBe(2)
    await reboot()
    expect(names(await (await byTitle('beta')).tags)).toEqual(['tech', 'art'])
  })

  // --- where through relations ---

  it('filters by a nested where on a to-one relation', async () => {
    await db.boot(CLASSES)
    const { alpha, beta } = await seed()
    const found = await Story.find({ where: { createdBy: { username: 'ann' } } })
    expect(found).toHaveLength(2)
    expect(found[0]).toBe(alpha)
    expect(found[1]).toBe(beta)
    expect(await Story.find({ where: { createdBy: { username: 'nobody' } } })).toEqual([])
  })

  it('filters by a nested where on a to-many relation, listing a row with two matching members once', async () => {
    await db.boot(CLASSES)
    await seed()
    expect(titles(await Story.find({ where: { tags: { name: ['news', 'tech'] } } }))).toEqual(['alpha', 'beta', 'delta'])
    expect(titles(await Story.find({ where: { tags: { name: 'news' } } }))).toEqual(['alpha', 'delta'])
    expect(await Story.find({ where: { tags: { name: 'art' } } })).toEqual([])
  })

  it('filters through the inverse view of a to-one relation', async () => {
    await db.boot(CLASSES)
    const { gamma } = await seed()
    expect(usernames(await User.find({ where: { stories: { title: 'gamma' } } }))).toEqual(['bob'])
    expect(usernames(await User.find({ where: { stories: { tags: { name: 'news' } } } }))).toEqual(['ann', 'bob'])
    expect(usernames(await User.find({ where: { stories: gamma } }))).toEqual(['bob'])
  })

  it('filters through the inverse view of a to-many relation', async () => {
    await db.boot(CLASSES)
    const { ann, delta } = await seed()
    expect(names(await Tag.find({ where: { stories: { title: 'alpha' } } }))).toEqual(['news', 'tech'])
    expect(names(await Tag.find({ where: { stories: { createdBy: ann } } }))).toEqual(['news', 'tech'])
    expect(names(await Tag.find({ where: { stories: [delta] } }))).toEqual(['news'])
  })

  it('filters a to-one relation by instance, by id and by a list', async () => {
    await db.boot(CLASSES)
    const { ann, bob, cid } = await seed()
    expect(titles(await Story.find({ where: { createdBy: bob } }))).toEqual(['gamma', 'delta'])
    expect(titles(await Story.find({ where: { createdBy: bob.id } }))).toEqual(['gamma', 'delta'])
    expect(titles(await Story.find({ where: { createdBy: [ann, cid] } }))).toEqual(['alpha', 'beta'])
    expect(titles(await Story.find({ where: { createdBy: [cid.id, bob] } }))).toEqual(['gamma', 'delta'])
    expect(await Story.find({ where: { createdBy: [] } })).toEqual([])
  })

  it('filters a to-many relation by instance, by id and by a list', async () => {
    await db.boot(CLASSES)
    const { news, tech, art } = await seed()
    expect(titles(await Story.find({ where: { tags: tech } }))).toEqual(['alpha', 'beta'])
    expect(titles(await Story.find({ where: { tags: news.id } }))).toEqual(['alpha', 'delta'])
    expect(titles(await Story.find({ where: { tags: [art, news] } }))).toEqual(['alpha', 'delta'])
  })

  it('matches rows with at least one member through an empty nested where', async () => {
    await db.boot(CLASSES)
    await seed()
    expect(titles(await Story.find({ where: { tags: {} } }))).toEqual(['alpha', 'beta', 'delta'])
    expect(usernames(await User.find({ where: { stories: {} } }))).toEqual(['ann', 'bob'])
    expect(names(await Tag.find({ where: { stories: {} } }))).toEqual(['news', 'tech'])
  })

  it('filters through a relation and eager-loads another in the same find', async () => {
    const reboot = await bootReusable(db)
    await seed()
    await reboot()
    const found = await Story.find({ where: { tags: { name: 'news' } }, relations: { tags: true, editor: true } })
    expect(titles(found)).toEqual(['alpha', 'delta'])
    // The where picks rows; the loaded relation still holds every member.
    expect(found.map((story) => names(story.tags))).toEqual([['news', 'tech'], ['news']])
    expect(found.map((story) => story.editor?.username)).toEqual(['cid', 'ann'])
  })

  it('matches an empty optional to-one relation with null', async () => {
    await db.boot(CLASSES)
    const { cid } = await seed()
    expect(titles(await Story.find({ where: { editor: null } }))).toEqual(['beta', 'gamma'])
    expect(titles(await Story.find({ where: { editor: cid } }))).toEqual(['alpha'])
  })

  it('matches any of several instances with OR', async () => {
    await db.boot(CLASSES)
    const { ann, cid } = await seed()
    expect(titles(await Story.find({ where: { createdBy: OR(ann, cid) } }))).toEqual(['alpha', 'beta'])
    expect(titles(await Story.find({ where: { editor: OR(null, ann) } }))).toEqual(['beta', 'gamma', 'delta'])
  })

  it('filters two relation levels deep', async () => {
    await db.boot(CLASSES)
    const { great, ok, meh } = await seed()
    const found = await Review.find({ where: { story: { createdBy: { username: 'ann' } } } })
    expect(found).toHaveLength(2)
    expect(found[0]).toBe(great)
    expect(found[1]).toBe(ok)
    expect(await Review.find({ where: { story: { tags: { name: 'tech' } }, body: 'great' } })).toEqual([great])
    expect((await Review.find({ where: { story: { createdBy: { username: 'bob' } } } }))[0]).toBe(meh)
  })

  it('combines a relation condition with column conditions, orderBy and limit', async () => {
    await db.boot(CLASSES)
    await seed()
    const found = await Story.find({
      where: { title: sql`<> ${'alpha'}`, createdBy: { username: ['ann', 'bob'] } },
      orderBy: { title: 'desc' },
      limit: 2,
    })
    expect(titles(found)).toEqual(['gamma', 'delta'])
    expect(titles(await Story.find({ where: { title: 'beta', tags: { name: 'news' } } }))).toEqual([])
  })

  it('filters through relations in count and findOne', async () => {
    await db.boot(CLASSES)
    const { bob, delta } = await seed()
    expect(await Story.count({ where: { tags: { name: 'tech' } } })).toBe(2)
    expect(await Story.count({ where: { createdBy: bob, editor: null } })).toBe(1)
    expect(await User.count({ where: { stories: { tags: { name: 'news' } } } })).toBe(2)
    expect(await Story.findOne({ where: { createdBy: { username: 'bob' } }, orderBy: { title: 'asc' } })).toBe(delta)
    expect(await Story.findOne({ where: { createdBy: { username: 'cid' } } })).toBeUndefined()
  })

  it('matches a new instance named in a where once the flush gives it an id', async () => {
    await db.boot(CLASSES)
    await seed()
    const dan = new User('dan')
    const music = new Tag('music')
    const epsilon = new Story('epsilon', dan)
    epsilon.tags.push(music)
    const found = await Story.find({ where: { createdBy: dan } })
    expect(found).toHaveLength(1)
    expect(found[0]).toBe(epsilon)
    expect(dan.id).toBeDefined()
    const eve = new User('eve')
    expect(await Story.count({ where: { createdBy: eve } })).toBe(0)
    expect(eve.id).toBeDefined()
    const poetry = new Tag('poetry')
    expect(await Story.find({ where: { tags: [poetry, music] } })).toEqual([epsilon])
  })

  it('rejects an unknown key inside a nested where before flushing pending changes', async () => {
    await db.boot(CLASSES, { autoFlush: false })
    await seed()
    const eve = new User('eve')
    const failure = Story.find(untyped({ where: { createdBy: { nickname: 'ann' } } }))
    await expect(failure).rejects.toBeInstanceOf(ValidationError)
    await expect(failure).rejects.toThrow(/User has no mapped property 'nickname'/)
    const inCount = Story.count(untyped({ where: { tags: { label: 'x' } } }))
    await expect(inCount).rejects.toThrow(/Tag has no mapped property 'label'/)
    // An INT id is assigned when the insert commits: none means no flush ran.
    expect(eve.id).toBeUndefined()
    expect(await User.count()).toBe(4)
    expect(eve.id).toBeDefined()
  })

  it('rejects an unknown nested key before flushing even when the where also names a new instance', async () => {
    await db.boot(CLASSES, { autoFlush: false })
    await seed()
    const eve = new User('eve')
    const failure = Story.find(untyped({ where: { createdBy: eve, tags: { label: 'x' } } }))
    await expect(failure).rejects.toBeInstanceOf(ValidationError)
    await expect(failure).rejects.toThrow(/Tag has no mapped property 'label'/)
    expect(eve.id).toBeUndefined()
  })

  it('rejects null for a collection, an undefined value and an id of the wrong type in a relation where', async () => {
    await db.boot(CLASSES)
    await seed()
    await expect(Story.find(untyped({ where: { tags: null } }))).rejects.toThrow(/Story\.tags is a collection/)
    await expect(User.count({ where: { stories: null as never } })).rejects.toThrow(/User\.stories is a collection/)
    await expect(Story.find({ where: { createdBy: undefined } })).rejects.toThrow(/Story\.createdBy is undefined/)
    const wrongType = Story.find(untyped({ where: { createdBy: '1' } }))
    await expect(wrongType).rejects.toBeInstanceOf(ValidationError)
    await expect(wrongType).rejects.toThrow(/Story\.createdBy/)
  })

  it('refuses an instance of the wrong class in a relation where', async () => {
    await db.boot(CLASSES)
    const { news } = await seed()
    // news has the same id as ann: matching by its id would silently return ann's stories.
    expect(news.id).toBe((await User.findOne({ where: { username: 'ann' } }))!.id)
    await expect(Story.find(untyped({ where: { createdBy: news } }))).rejects.toBeInstanceOf(ValidationError)
    await expect(Story.count(untyped({ where: { tags: [news, news.id] } }))).resolves.toBe(2)
    await expect(Story.count(untyped({ where: { tags: (await User.findOne())! } }))).rejects.toBeInstanceOf(ValidationError)
  })

  // --- the relations option ---

  it('rejects an unknown relation name, listing the relations, before any query', async () => {
    const queries: string[] = []
    await db.boot(CLASSES, { onQuery: ({ sql }) => queries.push(sql) })
    await seed()
    queries.length = 0
    const failure = Story.find(untyped({ relations: { author: true } }))
    await expect(failure).rejects.toBeInstanceOf(ValidationError)
    await expect(failure).rejects.toThrow(/Story has no relation 'author'\. Its relations: createdBy, editor, tags\./)
    const nested = Story.findOne(untyped({ relations: { createdBy: { posts: true } } }))
    await expect(nested).rejects.toThrow(/User has no relation 'posts'\. Its relations: stories\./)
    const column = User.find({ relations: { username: true } as never })
    await expect(column).rejects.toThrow(/User has no relation 'username'/)
    expect(queries).toEqual([])
  })

  it('rejects a relations option that is not an object', async () => {
    await db.boot(CLASSES)
    await seed()
    for (const relations of ['createdBy', ['createdBy'], null, 1]) {
      const failure = Story.find(untyped({ relations }))
      await expect(failure).rejects.toBeInstanceOf(ValidationError)
      await expect(failure).rejects.toThrow(/'relations' must be an object/)
    }
    const nested = Story.find(untyped({ relations: { createdBy: 'stories' } }))
    await expect(nested).rejects.toThrow(/'relations\.createdBy' must be an object/)
  })
})

describeEachDialect('relation loading query count', (db) => {
  /** Creates `storyCount` stories spread over `userCount` new users, each with two of three tags. */
  async function seedMany(prefix: string, userCount: number, storyCount: number): Promise<void> {
    const users = Array.from({ length: userCount }, (_, i) => new User(`${prefix}user${i}`))
    const tags = [new Tag(`${prefix}red`), new Tag(`${prefix}green`), new Tag(`${prefix}blue`)]
    for (let k = 0; k < storyCount; k++) {
      const story = new Story(`${prefix}story${k}`, users[k % userCount]!)
      story.tags.push(tags[k % 3]!, tags[(k + 1) % 3]!)
    }
    await ORM.flush()
  }

  async function setUp(): Promise<{ queries: string[]; reboot: () => Promise<void> }> {
    const queries: string[] = []
    const onQuery = ({ sql }: QueryEvent): void => {
      queries.push(sql)
    }
    const reboot = await bootReusable(db)
    return { queries, reboot: () => reboot({ onQuery }) }
  }

  async function measure<T>(queries: string[], call: () => Promise<T>): Promise<[T, number]> {
    await ORM.flush()
    queries.length = 0
    const result = await call()
    return [result, queries.length]
  }

  it('loads a to-one and a to-many relation of 20 rows in 3 statements', async () => {
    const { queries, reboot } = await setUp()
    await seedMany('', 5, 20)
    await reboot()
    const [stories, count] = await measure(queries, () => Story.find({ relations: { createdBy: true, tags: true } }))
    expect(count).toBe(3)
    expect(stories).toHaveLength(20)
    expect(new Set(stories.map((story) => story.createdBy)).size).toBe(5)
    for (const story of stories) {
      expect(story.createdBy).toBeInstanceOf(User)
      expect(story.tags).toHaveLength(2)
    }
    expect(new Set(stories.flatMap((story) => story.tags)).size).toBe(3)
  })

  it('costs one more statement per nested level', async () => {
    const { queries, reboot } = await setUp()
    await seedMany('', 5, 20)
    const cases: [FindOptions<Story>['relations'], number][] = [
      [{ createdBy: true }, 2],
      [{ createdBy: { stories: true } }, 3],
      [{ createdBy: { stories: { tags: true } } }, 4],
      [{ tags: { stories: true } }, 3],
    ]
    for (const [relations, expected] of cases) {
      await reboot()
      const [stories, count] = await measure(queries, () => Story.find({ relations }))
      expect(count, JSON.stringify(relations)).toBe(expected)
      expect(stories).toHaveLength(20)
    }
  })

  it('loads a to-one relation without a statement when every target is in memory', async () => {
    const { queries, reboot } = await setUp()
    await seedMany('', 5, 20)
    await reboot()
    const users = await User.find()
    expect(users).toHaveLength(5)
    const [stories, count] = await measure(queries, () => Story.find({ relations: { createdBy: true } }))
    expect(count).toBe(1)
    for (const story of stories) expect(users).toContain(story.createdBy)
    const [, withTags] = await measure(queries, () => Story.find({ relations: { createdBy: true, tags: true } }))
    expect(withTags).toBe(2)
  })

  it('loads nothing for a relation set to false', async () => {
    const { queries, reboot } = await setUp()
    await seedMany('', 5, 20)
    await reboot()
    const [stories, count] = await measure(queries, () => Story.find({ relations: { createdBy: false, tags: false } }))
    expect(count).toBe(1)
    const pending: unknown = stories[0]?.createdBy
    expect(pending).toBeInstanceOf(Promise)
    expect(((await pending) as User).username).toBe('user0')
  })

  it('costs the same number of statements for twice as many rows', async () => {
    const { queries, reboot } = await setUp()
    await seedMany('a', 5, 20)
    await reboot()
    const [few, fewCount] = await measure(queries, () => Story.find({ relations: { createdBy: { stories: true }, tags: true } }))
    expect(few).toHaveLength(20)
    await seedMany('b', 5, 20)
    await reboot()
    const [many, manyCount] = await measure(queries, () => Story.find({ relations: { createdBy: { stories: true }, tags: true } }))
    expect(many).toHaveLength(40)
    expect(manyCount).toBe(fewCount)
    expect(manyCount).toBe(4)
  })
})
