import { expect, it } from 'vitest'
import { BootError, NotBootedError, ORM, type BootOptions } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { MODEL, Story, User } from '../support/model.js'

// The `pooler: 'transaction'` boot option: its validation on every dialect, and on PostgreSQL (a direct
// connection here; tests/scale runs it through a real PgBouncer) that it leaves no prepared statement on
// the server connection. One connection in the pool makes "the connection" the one every statement used.

async function refusedBoot(db: DialectContext, options: BootOptions): Promise<BootError> {
  const error: unknown = await db.boot(MODEL, options).then(() => undefined, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(BootError)
  expect(() => ORM.dialect).toThrow(NotBootedError)
  return error as BootError
}

describeEachDialect('the pooler boot option', (db) => {
  it("refuses a pooler other than 'transaction', naming the option and what to do", async () => {
    const error = await refusedBoot(db, { pooler: 'session' as 'transaction' })
    expect(error.message).toContain("pooler must be 'transaction'")
    expect(error.message).toContain('"session"')
    expect(error.message).toContain('leave it out')
  })

  if (!db.isPostgres) {
    it("refuses pooler: 'transaction' on SQLite: it is a PostgreSQL option", async () => {
      const error = await refusedBoot(db, { pooler: 'transaction' })
      expect(error.message).toContain('PostgreSQL option')
      expect(error.message).toContain('postgres')
    })
    return
  }

  /** Boots on the test schema with one pooled connection, works a little, and lists that connection's prepared statements. */
  async function preparedStatementsAfterWork(options: BootOptions): Promise<number> {
    await db.boot(MODEL)
    await ORM.close()
    const postgres = { ...(db.connectionOptions().postgres as object), max: 1 }
    await ORM.boot(MODEL, { postgres, ...options })
    const ann = new User('ann')
    new Story('Hello', ann)
    await ORM.flush()
    await ORM.transaction(async () => {
      ann.username = 'ann2'
    })
    expect((await Story.find({ where: { createdBy: { username: 'ann2' } } })).map((story) => story.title)).toEqual(['Hello'])
    expect(await User.count()).toBe(1)
    const [row] = await ORM.query('SELECT count(*)::int AS n FROM pg_prepared_statements')
    return row?.n as number
  }

  it("leaves no prepared statement on the server connection with pooler: 'transaction'", async () => {
    expect(await preparedStatementsAfterWork({ pooler: 'transaction' })).toBe(0)
  })

  it('names its statements without the option (the default): they stay prepared on the connection', async () => {
    expect(await preparedStatementsAfterWork({})).toBeGreaterThan(0)
  })
})
