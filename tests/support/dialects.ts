import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, describe, it } from 'vitest'
import { ORM, type BootOptions, type EntityClass } from '../../lib/index.js'

/** The PostgreSQL server the tests use; each test file works in schemas of its own. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const isCI = process.env.CI === 'true' || process.env.CI === '1'

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const postgresProblem = await probePostgres()
if (postgresProblem && !isCI) {
  console.warn(`PostgreSQL tests skipped: no server at ${DATABASE_URL} (${postgresProblem}).`)
}

export type DialectName = 'sqlite-memory' | 'sqlite-file' | 'postgres'

/** What a test body gets: the dialect under test and a boot that starts from an empty database. */
export interface DialectContext {
  readonly name: DialectName
  readonly isPostgres: boolean
  /** Boots the classes on a fresh, empty database of this dialect; ORM.close() runs after each test. */
  boot(classes: readonly EntityClass[], options?: BootOptions): Promise<void>
  /** The options that reach the current test database (for re-boots and second connections). */
  connectionOptions(): BootOptions
  /** A second, independent connection to the current test database: raw SQL with `?` placeholders. */
  openSecondConnection(): Promise<SecondConnection>
}

/** An independent connection, as another process would have. */
export interface SecondConnection {
  run(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

let schemaCounter = 0
const fileTag = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`

function dialectContext(name: DialectName): DialectContext {
  let current: BootOptions = {}
  let tempDir: string | undefined
  let schema: string | undefined
  const adminPool = name === 'postgres' ? new pg.Pool({ connectionString: DATABASE_URL, max: 2 }) : undefined
  const cleanups: (() => Promise<void>)[] = []

  afterEach(async () => {
    // A test may leave pending changes that cannot be written: close() then keeps the ORM open, so drop them.
    await ORM.close()
      .catch(async () => {
        await ORM.discardPending()
        await ORM.close()
      })
      .catch(() => undefined)
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })
  afterAll(async () => {
    if (adminPool && schema) await adminPool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await adminPool?.end()
    if (tempDir) rmSync(tempDir, { recursive: true, force: true })
  })

  const context: DialectContext = {
    name,
    isPostgres: name === 'postgres',
    async boot(classes, options = {}) {
      if (name === 'sqlite-memory') current = {}
      if (name === 'sqlite-file') {
        tempDir ??= mkdtempSync(join(tmpdir(), 'veil-orm-'))
        current = { sqlite: join(tempDir, `db_${schemaCounter++}.sqlite`) }
      }
      if (name === 'postgres' && adminPool) {
        if (schema) await adminPool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        schema = `veil_${fileTag}_${schemaCounter++}`
        await adminPool.query(`CREATE SCHEMA "${schema}"`)
        current = { postgres: { connectionString: DATABASE_URL, options: `-c search_path="${schema}"`, max: 4 } }
      }
      await ORM.boot(classes, { ...current, ...options })
    },
    connectionOptions: () => current,
    async openSecondConnection() {
      if (name === 'postgres') {
        const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path="${schema}"` })
        await client.connect()
        const connection: SecondConnection = {
          async run(text, params = []) {
            let n = 0
            return (await client.query(text.replace(/\?/g, () => `$${++n}`), params)).rows
          },
          close: () => client.end(),
        }
        cleanups.push(() => client.end().catch(() => undefined))
        return connection
      }
      if (name === 'sqlite-memory') throw new Error('an in-memory SQLite database has no second connection')
      const { default: Database } = await import('better-sqlite3')
      const db = new Database((current as { sqlite: string }).sqlite)
      db.pragma('busy_timeout = 5000')
      const connection: SecondConnection = {
        async run(text, params = []) {
          const statement = db.prepare(text)
          if (statement.reader) return statement.all(params) as Record<string, unknown>[]
          statement.run(params)
          return []
        },
        async close() {
          if (db.open) db.close()
        },
      }
      cleanups.push(() => connection.close())
      return connection
    },
  }
  return context
}

/**
 * Declares the suite once per database: SQLite in memory, SQLite in a file, and PostgreSQL.
 * Without a reachable PostgreSQL the PostgreSQL suite is skipped with a one-line reason, except
 * under CI, where it fails.
 */
export function describeEachDialect(
  title: string,
  body: (db: DialectContext) => void,
  dialects: readonly DialectName[] = ['sqlite-memory', 'sqlite-file', 'postgres'],
): void {
  for (const name of dialects) {
    if (name === 'postgres' && postgresProblem) {
      if (isCI) {
        describe(`${title} [postgres]`, () => {
          it('has a PostgreSQL server to run against', () => {
            throw new Error(`CI requires PostgreSQL at ${DATABASE_URL}: ${postgresProblem}`)
          })
        })
      } else {
        describe.skip(`${title} [postgres] (skipped: PostgreSQL unreachable)`, () => body(dialectContext(name)))
      }
      continue
    }
    describe(`${title} [${name}]`, () => body(dialectContext(name)))
  }
}
