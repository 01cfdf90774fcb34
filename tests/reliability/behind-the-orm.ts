import Database from 'better-sqlite3'
import { ORM, type BootOptions, type EntityClass } from '../../lib/index.js'
import type { DialectContext } from '../support/dialects.js'

/** Raw SQL that does not go through the ORM (no flush first, no identity map), as another process would run it. */
export interface BehindTheOrm {
  run(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>
}

/**
 * Boots the classes and opens a way to the same database that bypasses the ORM: a second connection, or,
 * for an in-memory SQLite database, the better-sqlite3 handle the ORM was booted on.
 */
export async function bootWithSideDoor(db: DialectContext, classes: readonly EntityClass[], options: BootOptions = {}): Promise<BehindTheOrm> {
  if (db.name !== 'sqlite-memory') {
    await db.boot(classes, options)
    return db.openSecondConnection()
  }
  const handle = new Database(':memory:')
  await db.boot(classes, { ...options, sqlite: handle })
  return {
    async run(text, params = []) {
      const statement = handle.prepare(text)
      if (statement.reader) return statement.all(params) as Record<string, unknown>[]
      statement.run(params)
      return []
    },
  }
}

/** Every value of one column, ordered by id, read behind the ORM. */
export async function columnValues(side: BehindTheOrm, table: string, column: string): Promise<unknown[]> {
  const rows = await side.run(`SELECT "${column}" AS v FROM "${table}" ORDER BY id`)
  return rows.map((row) => row.v)
}

/** Whether the ORM is booted on PostgreSQL (raw SQL spelling differs). */
export function isPostgres(): boolean {
  return ORM.dialect === 'postgres'
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
