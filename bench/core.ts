// Side-by-side timings of veil-orm and the raw drivers on the core operations.
// Run with `npm run bench` (PostgreSQL from DATABASE_URL, skipped if unreachable).
import 'reflect-metadata'
import Database from 'better-sqlite3'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { heading, time, withPostgres } from './bench-support.js'
import { Column, ORM, SoftDel } from '../lib/index.js'

// Soft-deletable, as most rows of an application built on veil-orm would be: every read filters deleted_at.
class BenchRow extends SoftDel {
  @Column() name: string
  @Column({ type: 'integer' }) score: number
  constructor(name: string, score: number) {
    super()
    this.name = name
    this.score = score
  }
}

/** Rows and lookups at scale 1; `npm run bench:linearity` runs the same workloads at 10 times as many. */
let ROWS = 10_000
let LOOKUPS = 2_000

/** @internal For bench/linearity.ts: the workloads' sizes are scale times those of scale 1. */
export function setScale(scale: number): void {
  ROWS = 10_000 * scale
  LOOKUPS = 2_000 * scale
}

/** The core workloads, in the order each bench function times them. */
export const WORKLOADS = ['insert', 'find all', 'findById', 'update', 'soft delete + restore'] as const

export async function benchOrm(label: string, options: Parameters<typeof ORM.boot>[1]): Promise<void> {
  heading(label)
  await ORM.boot([BenchRow], { ...options, autoFlush: false })
  await time(`insert ${ROWS} (one flush)`, async () => {
    for (let i = 0; i < ROWS; i++) new BenchRow(`row ${i}`, i)
    await ORM.flush()
  })
  let rows: BenchRow[] = []
  await time(`find all ${ROWS} (identity-mapped)`, async () => {
    rows = await BenchRow.find()
  })
  const ids = rows.map((row) => row.id)
  rows = []
  await time(`findById x${LOOKUPS}`, async () => {
    for (let i = 0; i < LOOKUPS; i++) await BenchRow.findById(ids[(i * 7) % ids.length] as number)
  })
  const loaded = await BenchRow.find({ limit: LOOKUPS })
  await time(`update ${LOOKUPS} (unit of work, one flush)`, async () => {
    for (const row of loaded) row.score += 1
    await ORM.flush()
  })
  await time(`soft delete + restore ${LOOKUPS} (two flushes)`, async () => {
    for (const row of loaded) row.isDeleted = true
    await ORM.flush()
    for (const row of loaded) row.isDeleted = false
    await ORM.flush()
  })
  await ORM.close()
}

export function benchRawSqlite(): Promise<void> {
  return (async () => {
    heading('raw better-sqlite3 (memory)')
    const db = new Database(':memory:')
    db.exec('CREATE TABLE bench_row (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deleted_at INTEGER, name TEXT NOT NULL, score INTEGER NOT NULL) STRICT; CREATE INDEX bench_row_deleted_at_idx ON bench_row (deleted_at)')
    const insert = db.prepare('INSERT INTO bench_row (created_at, updated_at, name, score) VALUES (?, ?, ?, ?)')
    await time(`insert ${ROWS} (one transaction)`, () => {
      const now = Date.now()
      db.transaction(() => {
        for (let i = 0; i < ROWS; i++) insert.run(now, now, `row ${i}`, i)
      })()
    })
    await time(`find all ${ROWS}`, () => db.prepare('SELECT * FROM bench_row ORDER BY id').all())
    const byId = db.prepare('SELECT * FROM bench_row WHERE id = ?')
    await time(`findById x${LOOKUPS}`, () => {
      for (let i = 0; i < LOOKUPS; i++) byId.get(((i * 7) % ROWS) + 1)
    })
    const update = db.prepare('UPDATE bench_row SET score = ?, updated_at = ? WHERE id = ?')
    await time(`update ${LOOKUPS} (one transaction)`, () => {
      const now = Date.now()
      db.transaction(() => {
        for (let i = 1; i <= LOOKUPS; i++) update.run(i + 1, now, i)
      })()
    })
    const setDeletedAt = db.prepare('UPDATE bench_row SET deleted_at = ? WHERE id = ?')
    await time(`soft delete + restore ${LOOKUPS} (two transactions)`, () => {
      const now = Date.now()
      db.transaction(() => {
        for (let i = 1; i <= LOOKUPS; i++) setDeletedAt.run(now, i)
      })()
      db.transaction(() => {
        for (let i = 1; i <= LOOKUPS; i++) setDeletedAt.run(null, i)
      })()
    })
    db.close()
  })()
}

export async function benchRawPostgres(pool: pg.Pool): Promise<void> {
  heading('raw pg')
  await pool.query('CREATE TABLE bench_row (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, deleted_at timestamptz, name text NOT NULL, score integer NOT NULL); CREATE INDEX bench_row_deleted_at_idx ON bench_row (deleted_at)')
  await time(`insert ${ROWS} (unnest, one statement)`, async () => {
    const now = new Date().toISOString()
    const names = Array.from({ length: ROWS }, (_, i) => `row ${i}`)
    const scores = Array.from({ length: ROWS }, (_, i) => i)
    await pool.query('INSERT INTO bench_row (created_at, updated_at, name, score) SELECT $1, $1, * FROM unnest($2::text[], $3::int4[]) RETURNING id', [now, names, scores])
  })
  await time(`find all ${ROWS}`, () => pool.query('SELECT * FROM bench_row ORDER BY id'))
  await time(`findById x${LOOKUPS}`, async () => {
    for (let i = 0; i < LOOKUPS; i++) await pool.query({ name: 'by_id', text: 'SELECT * FROM bench_row WHERE id = $1', values: [((i * 7) % ROWS) + 1] })
  })
  await time(`update ${LOOKUPS} (unnest, one statement)`, async () => {
    const ids = Array.from({ length: LOOKUPS }, (_, i) => i + 1)
    await pool.query('UPDATE bench_row AS t SET score = v.score, updated_at = now() FROM unnest($1::int4[], $2::int4[]) AS v(id, score) WHERE t.id = v.id', [ids, ids])
  })
  await time(`soft delete + restore ${LOOKUPS} (two statements)`, async () => {
    const ids = Array.from({ length: LOOKUPS }, (_, i) => i + 1)
    await pool.query('UPDATE bench_row SET deleted_at = now() WHERE id = ANY($1::int4[])', [ids])
    await pool.query('UPDATE bench_row SET deleted_at = NULL WHERE id = ANY($1::int4[])', [ids])
  })
}

async function main(): Promise<void> {
  await benchRawSqlite()
  await benchOrm('veil-orm on SQLite (memory)', {})
  await withPostgres({ raw: 'bench_raw', orm: 'bench_orm' }, benchRawPostgres, (options) => benchOrm('veil-orm on PostgreSQL', options))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
