import Database from 'better-sqlite3'
import pg from 'pg'
import { expect, it } from 'vitest'
import { ORM, ValidationError, sql, type StreamOptions } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { MODEL, Story, User } from '../support/soft-model.js'

/** Collects what a stream yields. */
async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of stream) items.push(item)
  return items
}

/** `count` users named u00, u01, ... inserted in that order. */
async function seedUsers(count: number): Promise<User[]> {
  const users = Array.from({ length: count }, (_, i) => new User(`u${String(i).padStart(2, '0')}`))
  await ORM.flush()
  return users
}

function ids(items: readonly { id: unknown }[]): unknown[] {
  return items.map((item) => item.id)
}

function usernames(users: readonly { username: string }[]): string[] {
  return users.map((user) => user.username)
}

/** Options that bypass the compile-time checks, to reach the runtime validation. */
function untyped(options: unknown): StreamOptions<User> {
  return options as StreamOptions<User>
}

/**
 * Boots on a connection the test holds itself, and returns a check that no stream still holds it: on
 * PostgreSQL a pg pool (every client back in it), on SQLite a better-sqlite3 database (it runs
 * statements of its own, which it refuses while an iterator is open), and a cleanup.
 */
async function bootOnOwnConnection(db: DialectContext): Promise<{ expectReleased(): void; end(): Promise<void> }> {
  await db.boot([])
  await ORM.close()
  if (db.isPostgres) {
    const pool = new pg.Pool({ ...(db.connectionOptions().postgres as pg.PoolConfig), max: 3 })
    await ORM.boot(MODEL, { postgres: pool })
    return {
      expectReleased: () => expect(pool.totalCount - pool.idleCount).toBe(0),
      end: async () => {
        await ORM.close()
        await pool.end()
      },
    }
  }
  const database = new Database((db.connectionOptions() as { sqlite?: string }).sqlite ?? ':memory:')
  await ORM.boot(MODEL, { sqlite: database })
  return {
    expectReleased: () => expect(() => database.exec('SELECT 1')).not.toThrow(),
    end: async () => {
      await ORM.close()
      database.close()
    },
  }
}

describeEachDialect('stream()', (db) => {
  it('yields every row in id order, across batch boundaries', async () => {
    await db.boot(MODEL)
    const users = await seedUsers(10)
    for (const batchSize of [1, 3, 5, 10, 11]) {
      expect(ids(await collect(User.stream({ batchSize })))).toEqual(ids(users))
    }
  })

  it('yields rows in the orderBy order, NULLs and ties as find() orders them', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const titles = ['b', 'a', 'c', 'a', 'b', 'a', 'c']
    const stories = titles.map((title) => new Story(title, ann))
    stories[1]!.editor = ann
    stories[4]!.editor = ann
    await ORM.flush()
    const orders = [{ title: 'asc' }, { title: 'desc' }, { editor: 'asc', title: 'desc' }, { editor: 'desc' }, { id: 'desc' }] as const
    for (const orderBy of orders) {
      expect(ids(await collect(Story.stream({ orderBy, batchSize: 2 })))).toEqual(ids(await Story.find({ orderBy })))
    }
  })

  it('keeps the orderBy order when the loop body writes between batches (NULLs, ties, both directions)', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const titles = ['b', 'a', 'c', 'a', 'b', 'a', 'c', 'b']
    const stories = titles.map((title) => new Story(title, ann))
    stories[1]!.editor = ann
    stories[4]!.editor = ann
    stories[6]!.editor = ann
    await ORM.flush()
    const orders = [{ editor: 'asc', title: 'desc' }, { editor: 'desc', title: 'asc' }, { title: 'desc' }] as const
    for (const orderBy of orders) {
      const seen: { id: unknown }[] = []
      for await (const story of Story.stream({ orderBy, batchSize: 2 })) {
        seen.push(story)
        new User(`reader ${seen.length} ${JSON.stringify(orderBy)}`)
        await ORM.flush()
      }
      expect(ids(seen)).toEqual(ids(await Story.find({ orderBy })))
    }
  })

  it('filters with where as find() does', async () => {
    await db.boot(MODEL)
    await seedUsers(12)
    const where = { username: sql`> ${'u03'}` }
    const streamed = await collect(User.stream({ where, batchSize: 4 }))
    expect(usernames(streamed)).toEqual(usernames(await User.find({ where })))
    expect(streamed).toHaveLength(8)
  })

  it('hides soft-deleted rows unless withDeleted or onlyDeleted asks for them', async () => {
    await db.boot(MODEL)
    const users = await seedUsers(7)
    for (const user of [users[1], users[4], users[5]]) user!.isDeleted = true
    await ORM.flush()
    expect(usernames(await collect(User.stream({ batchSize: 2 })))).toEqual(['u00', 'u02', 'u03', 'u06'])
    expect(ids(await collect(User.stream({ batchSize: 2, withDeleted: true })))).toEqual(ids(users))
    expect(usernames(await collect(User.stream({ batchSize: 2, onlyDeleted: true })))).toEqual(['u01', 'u04', 'u05'])
    expect(usernames(await collect(User.stream({ where: { username: ['u01', 'u02'] }, withDeleted: true })))).toEqual(['u01', 'u02'])
  })

  it('yields the instance already in memory for its row, and the same instance as find()', async () => {
    await db.boot(MODEL)
    const users = await seedUsers(5)
    const streamed = await collect(User.stream({ batchSize: 2 }))
    expect(streamed).toHaveLength(5)
    streamed.forEach((user, i) => expect(user).toBe(users[i]))
    const found = await User.find()
    found.forEach((user, i) => expect(user).toBe(streamed[i]))
  })

  it('sees the pending changes of the caller, as find() does', async () => {
    await db.boot(MODEL)
    const [first] = await seedUsers(3)
    first!.username = 'renamed'
    new User('new one')
    expect(usernames(await collect(User.stream({ orderBy: { username: 'asc' } })))).toEqual(['new one', 'renamed', 'u01', 'u02'])
  })

  it('loads the relations asked for, batch by batch', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const bob = new User('bob')
    for (let i = 0; i < 5; i++) new Story(`s${i}`, i % 2 ? ann : bob)
    await ORM.flush()
    for await (const user of User.stream({ batchSize: 1, relations: { stories: true } })) {
      expect(user.stories).toHaveLength(user === ann ? 2 : 3)
    }
  })

  it('closes the cursor and frees its connection when the loop breaks early', async () => {
    const connection = await bootOnOwnConnection(db)
    await seedUsers(10)
    for (let attempt = 0; attempt < 5; attempt++) {
      for await (const user of User.stream({ batchSize: 3 })) if (user.username === 'u04') break
      connection.expectReleased()
    }
    const [first] = await User.find({ limit: 1 })
    first!.username = 'after the break'
    await first!.save()
    expect(await User.count({ where: { username: 'after the break' } })).toBe(1)
    await connection.end()
  })

  it('closes the cursor and frees its connection when the loop body throws', async () => {
    const connection = await bootOnOwnConnection(db)
    await seedUsers(10)
    const failure = new Error('stop here')
    const consume = async () => {
      for await (const user of User.stream({ batchSize: 4 })) if (user.username === 'u05') throw failure
    }
    await expect(consume()).rejects.toBe(failure)
    connection.expectReleased()
    await ORM.transaction(async () => {
      new User('in a transaction')
    })
    expect(await User.count()).toBe(11)
    await connection.end()
  })

  it('gives the connection back after the last row, and when the stream is abandoned with return()', async () => {
    const connection = await bootOnOwnConnection(db)
    await seedUsers(6)
    expect(await collect(User.stream({ batchSize: 3 }))).toHaveLength(6)
    connection.expectReleased()
    const iterator = User.stream({ batchSize: 2 })
    expect((await iterator.next()).value).toBeInstanceOf(User)
    await iterator.return?.()
    connection.expectReleased()
    expect(await User.count()).toBe(6)
    await connection.end()
  })

  it('lets the loop body write: every row is yielded once and every change is kept', async () => {
    await db.boot(MODEL)
    await seedUsers(10)
    const seen: string[] = []
    for await (const user of User.stream({ batchSize: 3 })) {
      seen.push(user.username)
      user.username = `${user.username}!`
      await user.save()
      if (user.username === 'u04!') new User('added meanwhile')
      await ORM.query('SELECT 1')
    }
    const seeded = Array.from({ length: 10 }, (_, i) => `u${String(i).padStart(2, '0')}`)
    // PostgreSQL's cursor reads the rows as they were when the stream started; SQLite's statement, reopened
    // after each write, also yields a row inserted after its position (see ORM.md, Streaming).
    expect(seen).toEqual(db.isPostgres ? seeded : [...seeded, 'added meanwhile'])
    const names = usernames(await User.find())
    expect(names).toEqual([...seeded.map((name) => `${name}!`), db.isPostgres ? 'added meanwhile' : 'added meanwhile!'])
  })

  it('lets the loop body run transactions while the stream is open', async () => {
    await db.boot(MODEL)
    const users = await seedUsers(6)
    let count = 0
    for await (const user of User.stream({ batchSize: 4, orderBy: { username: 'desc' } })) {
      count++
      await ORM.transaction(async () => {
        user.isDeleted = true
      })
    }
    expect(count).toBe(6)
    expect(await User.count()).toBe(0)
    expect(await User.count({ onlyDeleted: true })).toBe(users.length)
  })

  it('reads inside a transaction: its own uncommitted rows, and writes made in the loop', async () => {
    await db.boot(MODEL)
    await seedUsers(4)
    await ORM.transaction(async () => {
      new User('uncommitted')
      const seen: string[] = []
      for await (const user of User.stream({ batchSize: 2 })) {
        seen.push(user.username)
        user.username = user.username.toUpperCase()
        await user.save()
      }
      expect(seen).toEqual(['u00', 'u01', 'u02', 'u03', 'uncommitted'])
    })
    expect(usernames(await User.find())).toEqual(['U00', 'U01', 'U02', 'U03', 'UNCOMMITTED'])
  })

  it('runs two streams at once', async () => {
    await db.boot(MODEL)
    const users = await seedUsers(5)
    const pairs: string[] = []
    for await (const outer of User.stream({ batchSize: 2 })) {
      for await (const inner of User.stream({ batchSize: 2, where: { username: sql`> ${outer.username}` } })) {
        pairs.push(`${outer.username}<${inner.username}`)
        // A write while both statements are open (SQLite pauses both, and both resume where they were).
        new Story(`${outer.username} ${inner.username}`, inner as User)
        await ORM.flush()
      }
    }
    expect(pairs).toHaveLength(10)
    expect(pairs[0]).toBe('u00<u01')
    expect(await Story.count()).toBe(10)
    expect(users[4]!.username).toBe('u04')
  })

  it('refuses bad options at once, with a typed error naming the option', async () => {
    await db.boot(MODEL)
    await seedUsers(2)
    expect(() => User.stream(untyped({ limit: 10 }))).toThrow(/User\.stream\(\) has no option 'limit' \(stream\(\) reads every matching row; use find/)
    expect(() => User.stream(untyped({ batchSize: 0 }))).toThrow(/User\.stream\(\): 'batchSize' must be a positive integer/)
    expect(() => User.stream(untyped({ batchSize: 2.5 }))).toThrow(ValidationError)
    expect(() => User.stream(untyped({ batchSize: '10' }))).toThrow(ValidationError)
    expect(() => User.stream(untyped({ withDeleted: 'yes' }))).toThrow(/'withDeleted' must be true or false/)
    expect(() => User.stream(untyped({ where: { nickname: 'x' } }))).toThrow(ValidationError)
    expect(() => User.stream(untyped({ orderBy: { username: 'up' } }))).toThrow(ValidationError)
    expect(() => User.stream(untyped({ relations: { friends: true } }))).toThrow(ValidationError)
    expect(() => User.stream(untyped('all'))).toThrow(ValidationError)
    expect(await User.count()).toBe(2)
  })
})
