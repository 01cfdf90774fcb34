import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { MODEL, Story, Tag, User } from '../support/model.js'
import { describePooled } from './support/pooled.js'

// Behind PgBouncer in transaction pooling mode each transaction (and each statement outside one) may
// get another server connection. Named prepared statements live on a server connection, so they break
// there; `pooler: 'transaction'` runs every statement unnamed. Two server connections for the file's
// PgBouncer make the clients of the ORM's pool (8) share them, as an application's processes would.

/** Forty concurrent reads with ten statement texts: what concurrent requests of an application send. */
function concurrentReads(users: readonly User[]): Promise<PromiseSettledResult<unknown>[]> {
  return Promise.allSettled(
    Array.from({ length: 40 }, (_, i) => {
      const user = users[i % users.length] as User
      switch (i % 10) {
        case 0: return User.findById(user.id)
        case 1: return User.find({ where: { username: user.username } })
        case 2: return User.count()
        case 3: return Story.find({ where: { createdBy: user } })
        case 4: return Story.count({ where: { createdBy: user } })
        case 5: return Tag.find({ limit: 3 })
        case 6: return Story.find({ where: { createdBy: { username: user.username } }, relations: { tags: true } })
        case 7: return User.findOne({ where: { username: user.username } })
        case 8: return Story.findOne({ where: { title: `story ${i}` } })
        default: return user.getDependents()
      }
    }),
  )
}

/** The messages of the rejected reads, with their causes' (the driver's words). */
function failures(results: readonly PromiseSettledResult<unknown>[]): string[] {
  return results.flatMap((result) => {
    if (result.status === 'fulfilled') return []
    const error = result.reason as Error & { cause?: Error }
    return [`${error.message} ${error.cause?.message ?? ''}`]
  })
}

async function seed(): Promise<User[]> {
  const users = Array.from({ length: 4 }, (_, i) => new User(`user${i}`))
  const tag = new Tag('news')
  for (const [i, user] of users.entries()) new Story(`story ${i}`, user).tags.push(tag)
  await ORM.flush()
  return users
}

describePooled(
  'named statements through a transaction pooler',
  (pooled) => {
    it('fail under concurrency without the pooler option: prepared statement already exists / does not exist', async () => {
      await pooled.boot(MODEL, { pooler: undefined })
      const users = await seed()
      const seen: string[] = []
      // Which reads collide depends on timing; a few rounds make a collision certain in practice.
      for (let round = 0; round < 5 && seen.length === 0; round++) seen.push(...failures(await concurrentReads(users)))
      expect(seen.length).toBeGreaterThan(0)
      for (const message of seen) expect(message).toMatch(/prepared statement "veil_[0-9a-f]+" (already exists|does not exist)/)
    })

    it("succeed with pooler: 'transaction': every read of every round returns", async () => {
      await pooled.boot(MODEL)
      const users = await seed()
      for (let round = 0; round < 5; round++) {
        const results = await concurrentReads(users)
        expect(failures(results)).toEqual([])
      }
      expect(await Story.count()).toBe(4)
    })
  },
  2,
)
