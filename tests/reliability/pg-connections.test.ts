import pg from 'pg'
import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { runChild } from '../support/child-process.js'
import { describeEachDialect } from '../support/dialects.js'

const CHILD = 'tests/reliability/children/killed-connection.ts'
// A child process starts in about 1.5 s, far longer on a loaded machine.
const CHILD_TIMEOUT = 90_000

describeEachDialect(
  'killed connections',
  (db) => {
    /** Runs the child on a fresh, empty schema; it must end by itself with code 0 and one JSON line. */
    async function killAt(moment: string): Promise<Record<string, unknown>> {
      await db.boot([])
      await ORM.close()
      const result = await runChild(CHILD, [moment], { VEIL_PG_CONFIG: JSON.stringify(db.connectionOptions().postgres) })
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
      return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>
    }

    it("listens for errors on a pool passed in beside its owner's listener, and removes only its own at close", async () => {
      await db.boot([])
      await ORM.close()
      const pool = new pg.Pool(db.connectionOptions().postgres as pg.PoolConfig)
      const ownersListener = (): void => undefined
      pool.on('error', ownersListener)
      try {
        await ORM.boot([], { postgres: pool })
        expect(pool.listenerCount('error')).toBe(2)
        await ORM.close()
        expect(pool.listeners('error')).toEqual([ownersListener])
      } finally {
        await pool.end()
      }
    })

    it('keeps the process alive when idle clients of a pool passed in lose their connection, and removes its listener at close', async () => {
      expect(await killAt('idle-in-callers-pool')).toEqual({
        moment: 'idle-in-callers-pool',
        killed: expect.any(Number),
        afterwards: 1,
        listenersLeft: 0,
      })
    }, CHILD_TIMEOUT)

    it('rejects the transaction with a ConnectionError when its connection dies while the callback awaits', async () => {
      expect(await killAt('transaction-await')).toEqual({
        moment: 'transaction-await',
        killed: 1,
        error: 'ConnectionError',
        afterwards: ['bob'],
      })
    }, CHILD_TIMEOUT)

    it('rejects the flush with a ConnectionError when the client checked out for its write dies, and keeps the changes pending', async () => {
      expect(await killAt('write')).toEqual({ moment: 'write', killed: 1, error: 'ConnectionError', afterwards: [1, 1] })
    }, CHILD_TIMEOUT)

    it('rejects boot with a ConnectionError when the client running its DDL dies, and boots again afterwards', async () => {
      expect(await killAt('ddl')).toEqual({ moment: 'ddl', killed: 1, error: 'ConnectionError', afterwards: 1 })
    }, CHILD_TIMEOUT)
  },
  ['postgres'],
)
