import type { Database as SqliteDatabase } from 'better-sqlite3'
import type { DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable } from '../schema-introspection.js'

interface ColumnRow { name: string; type: string; notnull: number; pk: number }
interface IndexRow { name: string; unique: number; origin: string; partial: number }
interface ForeignKeyRow { table: string; from: string; to: string | null; id: number; on_delete: string }

/** @internal Reads every table of a SQLite database: columns, indexes, foreign keys. */
export function introspectSqlite(db: SqliteDatabase): DbSchema {
  const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]
  const sequenced = new Set(
    names.length > 0 && hasSequenceTable(db) ? (db.prepare('SELECT name FROM sqlite_sequence').pluck().all() as string[]) : [],
  )
  const createSql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).pluck()
  const schema = new Map<string, DbTable>()
  for (const name of names) {
    const tableSql = String(createSql.get(name) ?? '')
    schema.set(name, {
      name,
      columns: columnsOf(db, name),
      indexes: indexesOf(db, name),
      foreignKeys: foreignKeysOf(db, name),
      autoIncrement: sequenced.has(name) || /\bAUTOINCREMENT\b/i.test(tableSql),
    })
  }
  return schema
}

function hasSequenceTable(db: SqliteDatabase): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`).get() !== undefined
}

function columnsOf(db: SqliteDatabase, table: string): DbColumn[] {
  const rows = db.prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?)').all(table) as ColumnRow[]
  return rows.map((row) => ({ name: row.name, type: row.type.toLowerCase(), nullable: row.notnull === 0 && row.pk === 0, primaryKey: row.pk > 0 }))
}

function indexesOf(db: SqliteDatabase, table: string): DbIndex[] {
  const rows = db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?)').all(table) as IndexRow[]
  const columns = db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck()
  const indexSql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).pluck()
  return rows.map((row) => ({
    name: row.name,
    columns: columns.all(row.name) as string[],
    unique: row.unique === 1,
    partial: row.partial === 1,
    constraint: row.origin !== 'c',
    ...(row.origin === 'c' ? { sql: String(indexSql.get(row.name)) } : {}),
  }))
}

function foreignKeysOf(db: SqliteDatabase, table: string): DbForeignKey[] {
  const rows = db.prepare('SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?)').all(table) as ForeignKeyRow[]
  // A reference without a column names the parent's primary key; veil-orm's always name "id".
  return rows.map((row) => ({ column: row.from, refTable: row.table, refColumn: row.to ?? 'id', ...(row.on_delete === 'NO ACTION' ? {} : { onDelete: row.on_delete }) }))
}
