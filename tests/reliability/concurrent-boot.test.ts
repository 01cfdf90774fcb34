import pg from 'pg'
import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { startChild } from '../support/child-process.js'
import { DATABASE_URL, describeEachDialect } from '../support/dialects.js'
import { CHILD_MODEL } from './children/model.js'

const CHILD = 'tests/reliability/children/concurrent-boot.ts'

/** The schema's tables, constraints and indexes by name, and how many transactions created them. */
async function describeSchema(run: (text: string) => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown>> {
  const objects = await run(
    `SELECT c.relname AS name, c.relkind::text AS kind, c.xmin::text AS creator FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i')
     UNION ALL
     SELECT con.conname, con.contype::text, con.xmin::text FROM pg_constraint con
     WHERE con.connamespace = current_schema()::regnamespace ORDER BY 1, 2`,
  )
  return {
    objects: objects.map((row) => `${String(row.kind)} ${String(row.name)}`),
    creators: new Set(objects.map((row) => row.creator)).size,
  }
}

describeEachDialect(
  'concurrent boots',
  (db) => {
    it('lets four processes booting at the same moment on an empty schema all boot, and creates the schema once', async () => {
      await db.boot([])
      await ORM.close()
      const config = db.connectionOptions().postgres as pg.PoolConfig
      const startKey = 1 + Math.floor(Math.random() * 2 ** 30)
      const gate = new pg.Client({ connectionString: DATABASE_URL })
      await gate.connect()
      try {
        await gate.query('SELECT pg_advisory_lock($1)', [startKey])
        const env = { VEIL_PG_CONFIG: JSON.stringify(config), VEIL_START_KEY: String(startKey) }
        const children = Array.from({ length: 4 }, () => startChild(CHILD, [], env))
        // The start signal: released only once all four wait on it, so no process starts ahead.
        const waiting = `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`
        while (((await gate.query<{ n: number }>(waiting, [startKey])).rows[0]?.n ?? 0) < 4) {
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        await gate.query('SELECT pg_advisory_unlock($1)', [startKey])
        const results = await Promise.all(children.map((child) => child.done))
        expect(results.map((result) => ({ code: result.code, stderr: result.stderr }))).toEqual(
          Array.from({ length: 4 }, () => ({ code: 0, stderr: '' })),
        )
        for (const result of results) {
          expect(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({ booted: true, members: 0, warnings: [] })
        }
      } finally {
        await gate.end()
      }
      const second = await db.openSecondConnection()
      const concurrent = await describeSchema((text) => second.run(text))
      // The same model booted alone, in a fresh schema: the reference.
      await db.boot(CHILD_MODEL)
      const alone = await describeSchema((text) => ORM.query(text))
      expect(concurrent).toEqual({ ...alone, creators: 1 })
      expect(alone.objects).toEqual(expect.arrayContaining(['f post_created_by_id_fkey', 'i member_handle_key', 'f post_labels_post_id_fkey']))
    }, 90_000)
  },
  ['postgres'],
)
