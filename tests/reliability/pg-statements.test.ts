import pg from 'pg'
import { expect, it } from 'vitest'
import { ConnectionError, DatabaseError, ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { Label, Member } from './children/model.js'

describeEachDialect(
  'prepared statements on a pool passed in',
  (db) => {
    it('boots again on the same pool after close, with other statements on the same server connection', async () => {
      await db.boot([])
      await ORM.close()
      const pool = new pg.Pool({ ...(db.connectionOptions().postgres as pg.PoolConfig), max: 1 })
      try {
        await ORM.boot([Member, Label], { postgres: pool })
        new Member('ann')
        await ORM.flush()
        expect(await Member.count()).toBe(1)
        await ORM.close()
        // Other statement texts first this time, on the server connection that kept the first boot's.
        await ORM.boot([Member, Label], { postgres: pool })
        new Label('news')
        await ORM.flush()
        expect(await Label.find({ where: { name: 'news' } })).toHaveLength(1)
        expect(await Member.count()).toBe(1)
        await ORM.close()
      } finally {
        await pool.end()
      }
    })

    it('reports an error of the pg client itself as a DatabaseError, not as a lost connection', async () => {
      await db.boot([Member])
      const circular: Record<string, unknown> = {}
      circular.self = circular
      const error = await ORM.query('SELECT $1::jsonb AS doc', [circular]).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(DatabaseError)
      expect(error).not.toBeInstanceOf(ConnectionError)
      expect((error as Error).message).toMatch(/^The PostgreSQL client \(pg\) refused the statement before sending it: Converting circular structure/)
      expect(await Member.count()).toBe(0)
    })
  },
  ['postgres'],
)
