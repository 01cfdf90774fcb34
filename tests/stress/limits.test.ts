import { expect, it } from 'vitest'
import { Column, Entity, OR, ORM, ValidationError, sql } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'

/**
 * Sizes past what one statement can carry: 100,000-row flushes and finds, 100,000-element lists in
 * `where` and inside `sql`, 1 MiB strings, and more values than one statement can bind. Each works,
 * or fails with a ValidationError before any SQL is sent.
 */

const ROWS = 100_000
const MIB = 1024 * 1024
const WIDE_COLUMNS = 150
const WIDE_ROWS = 1_000
const OR_VALUES = 70_000

class Item extends Entity {
  @Column() name: string
  @Column({ type: 'integer' }) n: number
  constructor(name: string, n: number) {
    super()
    this.name = name
    this.n = n
  }
}

class Document extends Entity {
  @Column() body: string
  @Column({ type: 'json' }) data: { text: string }
  constructor(body: string) {
    super()
    this.body = body
    this.data = { text: body }
  }
}

/** WIDE_COLUMNS integer columns: WIDE_ROWS rows hold more values than one statement can bind. */
class Wide extends Entity {
  [column: `c${number}`]: number
}
for (let c = 0; c < WIDE_COLUMNS; c++) Column({ type: 'integer' })(Wide.prototype, `c${c}`)

/** A string of exactly 1 MiB characters, with quotes, backslashes and multi-byte characters in it. */
function mebibyteString(): string {
  const unit = `'"\\;-- ä€😀 0123456789 `
  return unit.repeat(Math.ceil(MIB / unit.length)).slice(0, MIB)
}

/** A placeholder for raw SQL on this database. */
function placeholder(db: DialectContext, n: number): string {
  return db.isPostgres ? `$${n}` : '?'
}

describeEachDialect(
  'limits',
  (db) => {
    const statements: string[] = []
    const boot = (classes: Parameters<DialectContext['boot']>[0]): Promise<void> =>
      db.boot(classes, { onQuery: ({ sql }) => statements.push(sql.length > 200 ? `${sql.slice(0, 200)}…` : sql) })

    /** Runs `call`; a failure must be a ValidationError thrown before any statement was sent. */
    async function worksOrRefusedBeforeSql<T>(call: () => Promise<T>, check: (result: T) => Promise<void> | void): Promise<void> {
      statements.length = 0
      let result: T
      try {
        result = await call()
      } catch (error) {
        expect(error, String((error as Error)?.stack)).toBeInstanceOf(ValidationError)
        expect(statements, 'statements sent before the ValidationError').toEqual([])
        return
      }
      await check(result)
    }

    async function insertItems(): Promise<Item[]> {
      await boot([Item])
      const items = Array.from({ length: ROWS }, (_, i) => new Item(`item-${i}`, i))
      await ORM.flush()
      return items
    }

    /** ROWS items written by one set-based raw INSERT (the lists, not the flush, are under test); their ids. */
    async function seedItems(): Promise<number[]> {
      await boot([Item])
      await ORM.query(
        db.isPostgres
          ? `INSERT INTO item (created_at, updated_at, name, n) SELECT now(), now(), 'item-' || i, i FROM generate_series(0, ${ROWS - 1}) AS i`
          : `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS - 1}) ` +
              `INSERT INTO item (created_at, updated_at, name, n) SELECT 0, 0, 'item-' || i, i FROM s`,
      )
      return (await ORM.query('SELECT id FROM item ORDER BY id')).map((row) => Number(row.id))
    }

    it('inserts 100,000 rows in one flush and finds them all', async () => {
      const items = await insertItems()
      expect(await Item.count()).toBe(ROWS)
      const found = await Item.find()
      expect(found).toHaveLength(ROWS)
      expect(found.filter((item, i) => item !== items[i])).toEqual([])
      expect(new Set(items.map((item) => item.id)).size).toBe(ROWS)
    })

    it('updates 100,000 rows in one flush', async () => {
      const items = await insertItems()
      for (const item of items) item.n = item.n * 2 + 1
      await ORM.flush()
      const [row] = await ORM.query('SELECT sum(n) AS total, count(*) AS rows FROM item WHERE n % 2 = 1')
      expect(Number(row?.rows)).toBe(ROWS)
      expect(Number(row?.total)).toBe(ROWS * ROWS)
    })

    it('finds and counts by a where list of 100,000 ids', async () => {
      const ids = await seedItems()
      await worksOrRefusedBeforeSql(
        () => Item.find({ where: { id: ids } }),
        (found) => expect(found).toHaveLength(ROWS),
      )
      await worksOrRefusedBeforeSql(
        () => Item.count({ where: { id: ids.filter((_, i) => i % 2 === 0) } }),
        (count) => expect(count).toBe(ROWS / 2),
      )
    })

    it('finds by a list of 100,000 values inside a sql fragment', async () => {
      const ids = await seedItems()
      await worksOrRefusedBeforeSql(
        () => Item.find({ where: { id: sql`IN ${ids}` } }),
        (found) => expect(found).toHaveLength(ROWS),
      )
      await worksOrRefusedBeforeSql(
        () => Item.count({ where: { id: sql`NOT IN ${ids.slice(1)}` } }),
        (count) => expect(count).toBe(1),
      )
    })

    it('hard-deletes by a where list of 100,000 ids', async () => {
      const ids = await seedItems()
      await worksOrRefusedBeforeSql(
        () => Item.delete({ where: { id: ids.slice(1) } }),
        async (deleted) => {
          expect(deleted).toBe(ROWS - 1)
          expect(await Item.count()).toBe(1)
        },
      )
    })

    it('finds by an OR list of 70,000 values (more than one statement can bind)', async () => {
      await seedItems()
      const values = Array.from({ length: OR_VALUES }, (_, i) => i * 2)
      await worksOrRefusedBeforeSql(
        () => Item.find({ where: { n: OR(...values) } }),
        (found) => expect(found).toHaveLength(Math.min(OR_VALUES, ROWS / 2)),
      )
    })

    it('stores, finds and reads back 1 MiB strings in text and json columns', async () => {
      await boot([Document])
      const big = mebibyteString()
      const document = new Document(big)
      new Document('small')
      await ORM.flush()
      const [row] = await ORM.query(`SELECT body, data FROM document WHERE id = ${placeholder(db, 1)}`, [document.id])
      expect(row?.body === big, 'the stored text differs from the 1 MiB string written').toBe(true)
      const data = typeof row?.data === 'string' ? (JSON.parse(row.data) as { text: string }) : (row?.data as { text: string })
      expect(data.text === big, 'the stored json differs from the 1 MiB string written').toBe(true)
      const found = await Document.find({ where: { body: big } })
      expect(found).toEqual([document])
      const changedBody = `!${big.slice(1)}`
      document.body = changedBody
      await ORM.flush()
      const [changed] = await ORM.query(`SELECT body FROM document WHERE id = ${placeholder(db, 1)}`, [document.id])
      expect(changed?.body === changedBody, 'the stored text differs from the changed 1 MiB string').toBe(true)
    })

    it(`inserts, updates and finds ${WIDE_ROWS} rows of ${WIDE_COLUMNS} columns (more values than one statement can bind)`, async () => {
      await boot([Wide])
      const rows = Array.from({ length: WIDE_ROWS }, (_, r) => {
        const wide = new Wide()
        for (let c = 0; c < WIDE_COLUMNS; c++) wide[`c${c}`] = r * WIDE_COLUMNS + c
        return wide
      })
      await ORM.flush()
      for (const wide of rows) for (let c = 0; c < WIDE_COLUMNS; c++) wide[`c${c}`] = -(wide[`c${c}`] ?? 0)
      await ORM.flush()
      const columns = Array.from({ length: WIDE_COLUMNS }, (_, c) => `c${c}`).join(' + ')
      const [row] = await ORM.query(`SELECT sum(${columns}) AS total, count(*) AS n FROM wide`)
      const values = WIDE_ROWS * WIDE_COLUMNS
      expect(Number(row?.n)).toBe(WIDE_ROWS)
      expect(Number(row?.total)).toBe(-((values - 1) * values) / 2)
      expect(await Wide.count({ where: { c0: sql`<= ${0}` } })).toBe(WIDE_ROWS)
    })
  },
  ['sqlite-file', 'postgres'],
)
