import { expect, it } from 'vitest'
import { BootError, Column, Entity, ORM, ValidationError, type QueryEvent } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// The options of read replicas, checked on every dialect: `consistency` on the four reads (a no-op
// without replicas, refused when misspelled, before any SQL) and boot's `replicas`.

/** Declared here alone: one plain class is all these checks need. */
class Counter extends Entity {
  @Column() label: string
  constructor(label: string) {
    super()
    this.label = label
  }
}

describeEachDialect('read replica options', (db) => {
  it("accepts consistency: 'primary' on find, findOne, findById and count", async () => {
    const events: QueryEvent[] = []
    await db.boot([Counter], { onQuery: (event) => events.push(event) })
    const counter = new Counter('a')
    await ORM.flush()
    expect(await Counter.find({ consistency: 'primary' })).toEqual([counter])
    expect(await Counter.findOne({ where: { label: 'a' }, consistency: 'primary' })).toBe(counter)
    expect(await Counter.findById(counter.id, { consistency: 'primary' })).toBe(counter)
    expect(await Counter.count({ consistency: 'primary' })).toBe(1)
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((event) => event.server === 'primary' && event.replica === undefined)).toBe(true)
  })

  it('refuses any other consistency with a ValidationError naming the call, before any SQL', async () => {
    const events: QueryEvent[] = []
    await db.boot([Counter], { onQuery: (event) => events.push(event) })
    const expected = (method: string, value: string): string =>
      `Counter.${method}(): 'consistency' must be 'primary' (read from the primary server) or left out (a replica may serve the read), not ${value}.`
    const error = await Counter.find({ consistency: 'replica' } as never).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toBe(expected('find', 'the string "replica"'))
    await expect(Counter.findOne({ consistency: 'strong' } as never)).rejects.toThrow(expected('findOne', 'the string "strong"'))
    await expect(Counter.findById(1, { consistency: true } as never)).rejects.toThrow(expected('findById', 'the boolean true'))
    await expect(Counter.count({ consistency: null } as never)).rejects.toThrow(expected('count', 'null'))
    await expect(Counter.count({ consistency: 1 } as never)).rejects.toThrow(ValidationError)
    await expect(Counter.delete({ where: {}, consistency: 'primary' } as never)).rejects.toThrow("Counter.delete() has no option 'consistency'")
    expect(events).toEqual([])
  })

  it('refuses replicas that are not a list of connection strings or configs, and replicas without postgres', async () => {
    const refused = (options: object): Promise<unknown> => db.boot([Counter], options).catch((caught: unknown) => caught)
    const notList = await refused({ replicas: 'postgres://replica/app' })
    expect(notList).toBeInstanceOf(BootError)
    expect((notList as Error).message).toBe(
      "ORM.boot(): replicas must be a list of PostgreSQL connection strings or pg PoolConfigs, such as replicas: ['postgres://replica-1/app'], not the string \"postgres://replica/app\".",
    )
    const badEntry = await refused({ replicas: ['postgres://replica/app', 42] })
    expect(badEntry).toBeInstanceOf(BootError)
    expect((badEntry as Error).message).toBe('ORM.boot(): replicas[1] must be a connection string, a pg PoolConfig or a pg.Pool, not the number 42.')
    if (!db.isPostgres) {
      const withoutPrimary = await refused({ replicas: ['postgres://replica/app'] })
      expect(withoutPrimary).toBeInstanceOf(BootError)
      expect((withoutPrimary as Error).message).toBe(
        'ORM.boot(): replicas are PostgreSQL read replicas of the postgres database; pass postgres (the primary) too.',
      )
    }
  })
})
