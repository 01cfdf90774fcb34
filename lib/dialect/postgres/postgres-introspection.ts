import type { PoolClient } from 'pg'
import type { DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable } from '../schema-introspection.js'

// Read from the catalogs of the current schema (the first of search_path), as boot creates its tables there.
const TABLES_SQL = `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`

const COLUMNS_SQL = `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
    a.attnotnull AS notnull,
    EXISTS (SELECT 1 FROM pg_index ix WHERE ix.indrelid = c.oid AND ix.indisprimary AND a.attnum = ANY(ix.indkey)) AS pk
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY c.relname, a.attnum`

const INDEXES_SQL = `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indpred IS NOT NULL AS partial,
    EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.conrelid = t.oid AND con.contype IN ('p', 'u', 'x')) AS constraint,
    array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
  FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = current_schema() AND NOT ix.indisprimary`

const FOREIGN_KEYS_SQL = `SELECT con.conname AS name, t.relname AS table, a.attname AS column, rt.relname AS ref_table, ra.attname AS ref_column
  FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_class rt ON rt.oid = con.confrelid
  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
  JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
  WHERE con.contype = 'f' AND n.nspname = current_schema()`

interface ColumnRow { table: string; name: string; type: string; notnull: boolean; pk: boolean }
interface IndexRow { table: string; name: string; unique: boolean; partial: boolean; constraint: boolean; columns: string[] }
interface ForeignKeyRow { name: string; table: string; column: string; ref_table: string; ref_column: string }

/** @internal Reads every table of the current schema: columns, indexes, foreign keys, in four catalog queries. */
export async function introspectPostgres(client: PoolClient): Promise<DbSchema> {
  const names = (await client.query<{ name: string }>(TABLES_SQL)).rows.map((row) => row.name)
  const columns = group((await client.query<ColumnRow>(COLUMNS_SQL)).rows, (row): DbColumn => ({
    name: row.name,
    type: row.type.toLowerCase(),
    nullable: !row.notnull,
    primaryKey: row.pk,
  }))
  const indexes = group((await client.query<IndexRow>(INDEXES_SQL)).rows, (row): DbIndex => ({
    name: row.name,
    columns: row.columns,
    unique: row.unique,
    partial: row.partial,
    constraint: row.constraint,
  }))
  const foreignKeys = group((await client.query<ForeignKeyRow>(FOREIGN_KEYS_SQL)).rows, (row): DbForeignKey => ({
    name: row.name,
    column: row.column,
    refTable: row.ref_table,
    refColumn: row.ref_column,
  }))
  const schema = new Map<string, DbTable>()
  for (const name of names) {
    schema.set(name, { name, columns: columns.get(name) ?? [], indexes: indexes.get(name) ?? [], foreignKeys: foreignKeys.get(name) ?? [] })
  }
  return schema
}

function group<Row extends { table: string }, T>(rows: readonly Row[], map: (row: Row) => T): Map<string, T[]> {
  const byTable = new Map<string, T[]>()
  for (const row of rows) {
    const list = byTable.get(row.table) ?? []
    list.push(map(row))
    byTable.set(row.table, list)
  }
  return byTable
}
