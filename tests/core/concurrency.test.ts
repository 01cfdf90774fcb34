import pg from 'pg'
import { expect, it } from 'vitest'
import { Column, Entity, ORM } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'

class Item extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

const ROWS_PER_WRITER = 500
const ORM_BATCHES = 5

/** Lets the other writer run between batches: a macrotask, not just a microtask. */
function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** A timestamp as a raw INSERT must spell it: epoch ms on SQLite, ISO text on PostgreSQL. */
function rawTimestamp(db: DialectContext): number | string {
  return db.isPostgres ? new Date().toISOString() : Date.now()
}

/** Inserts ROWS_PER_WRITER items through the ORM, in several flushes. */
async function insertThroughOrm(): Promise<Item[]> {
  const items: Item[] = []
  const perBatch = ROWS_PER_WRITER / ORM_BATCHES
  for (let batch = 0; batch < ORM_BATCHES; batch++) {
    for (let i = 0; i < perBatch; i++) items.push(new Item(`orm-${batch * perBatch + i}`))
    await ORM.flush()
    await yieldToOthers()
  }
  return items
}

/** All rows of the item table, as id -> name, read with raw SQL. */
async function rowsById(): Promise<Map<string, string>> {
  const rows = await ORM.query('SELECT id, name FROM item')
  return new Map(rows.map((row) => [String(row.id), String(row.name)]))
}

async function expectEveryInstanceMatchesItsRow(items: readonly Item[]): Promise<void> {
  const rows = await rowsById()
  const mismatched = items.filter((item) => rows.get(String(item.id)) !== item.name).map((item) => item.name)
  expect(mismatched).toEqual([])
  for (const item of items) {
    const found = await Item.findById(item.id)
    expect(found).toBe(item)
    expect(found?.name).toBe(item.name)
  }
}

describeEachDialect(
  'concurrent writers',
  (db) => {
    it('keeps every id unique while another connection inserts into the same table', async () => {
      await db.boot([Item])
      const second = await db.openSecondConnection()
      const insertRaw = async (): Promise<void> => {
        for (let i = 0; i < ROWS_PER_WRITER; i++) {
          const now = rawTimestamp(db)
          await second.run('INSERT INTO item (created_at, updated_at, name) VALUES (?, ?, ?)', [now, now, `raw-${i}`])
          if (i % 50 === 49) await yieldToOthers()
        }
      }
      const [items] = await Promise.all([insertThroughOrm(), insertRaw()])

      expect(await Item.count()).toBe(2 * ROWS_PER_WRITER)
      const [distinct] = await ORM.query('SELECT count(DISTINCT id) AS n FROM item')
      expect(Number(distinct?.n)).toBe(2 * ROWS_PER_WRITER)
      expect(new Set(items.map((item) => String(item.id))).size).toBe(ROWS_PER_WRITER)
      await expectEveryInstanceMatchesItsRow(items)
      expect(await Item.count({ where: { name: 'raw-499' } })).toBe(1)
    })
  },
  ['sqlite-file', 'postgres'],
)

describeEachDialect(
  'concurrent writers on a separate pool',
  (db) => {
    it('never hands an id of an ORM instance to a concurrent INSERT ... RETURNING id', async () => {
      await db.boot([Item])
      const pool = new pg.Pool({ ...(db.connectionOptions().postgres as pg.PoolConfig), max: 4 })
      try {
        const returnedIds: string[] = []
        const worker = async (offset: number, step: number): Promise<void> => {
          for (let i = offset; i < ROWS_PER_WRITER; i += step) {
            const now = new Date().toISOString()
            const result = await pool.query<{ id: number }>(
              'INSERT INTO item (created_at, updated_at, name) VALUES ($1, $2, $3) RETURNING id',
              [now, now, `pool-${i}`],
            )
            returnedIds.push(String(result.rows[0]?.id))
          }
        }
        const [items] = await Promise.all([insertThroughOrm(), ...[0, 1, 2, 3].map((offset) => worker(offset, 4))])

        expect(returnedIds).toHaveLength(ROWS_PER_WRITER)
        const ormIds = new Set(items.map((item) => String(item.id)))
        expect(ormIds.size).toBe(ROWS_PER_WRITER)
        expect(returnedIds.filter((id) => ormIds.has(id))).toEqual([])
        expect(new Set([...ormIds, ...returnedIds]).size).toBe(2 * ROWS_PER_WRITER)
        expect(await Item.count()).toBe(2 * ROWS_PER_WRITER)
        const rows = await rowsById()
        expect(returnedIds.filter((id) => !rows.get(id)?.startsWith('pool-'))).toEqual([])
        await expectEveryInstanceMatchesItsRow(items)
      } finally {
        await pool.end()
      }
    })
  },
  ['postgres'],
)
