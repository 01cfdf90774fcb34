import { expect, it } from 'vitest'
import { ConnectionError, DatabaseError, ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { Member } from './children/model.js'

describeEachDialect(
  'PostgreSQL errors of SQLSTATE class 08',
  (db) => {
    it('reports a protocol violation (more than 65,535 parameters) as a DatabaseError that says so, and the connection stays usable', async () => {
      await db.boot([Member])
      const count = 70_000
      const markers = Array.from({ length: count }, (_, i) => `$${i + 1}`).join(', ')
      const error = await ORM.query(`SELECT count(*) AS n FROM unnest(ARRAY[${markers}]::int4[])`, Array.from({ length: count }, (_, i) => i)).catch(
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(DatabaseError)
      expect(error).not.toBeInstanceOf(ConnectionError)
      expect(error).toMatchObject({ code: '08P01' })
      expect((error as Error).message).toMatch(/^PostgreSQL refused the statement as a protocol violation \(08P01: bind message/)
      expect((error as Error).message).toContain('65,535')
      expect((error as Error).message).not.toContain('reachable')
      new Member('ann')
      await ORM.flush()
      expect(await Member.count()).toBe(1)
    })
  },
  ['postgres'],
)
