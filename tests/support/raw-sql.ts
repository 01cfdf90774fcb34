import { ORM } from '../../lib/index.js'

// Raw SQL through the booted ORM (which flushes first), shared by the feature tests.

/** A row as raw SQL returns it. */
export type Row = Record<string, unknown>

/** Runs raw SQL written with `?` placeholders on both dialects. */
export async function rawRows(text: string, params: unknown[] = []): Promise<Row[]> {
  let n = 0
  const dialectText = ORM.dialect === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text
  return ORM.query(dialectText, params)
}

/** The number in column `n` of the first row, as a `SELECT COUNT(*) AS n` returns it. */
export async function rawCount(text: string, params: unknown[] = []): Promise<number> {
  const rows = await rawRows(text, params)
  return Number(rows[0]?.n)
}

/** The tables of the current database (or PostgreSQL schema), sorted. */
export async function tableNames(): Promise<string[]> {
  const rows =
    ORM.dialect === 'sqlite'
      ? await ORM.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      : await ORM.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)
  return rows.map((row) => String(row.name)).sort()
}

/** The columns of a table, sorted. */
export async function columnNames(table: string): Promise<string[]> {
  const rows =
    ORM.dialect === 'sqlite'
      ? await ORM.query('SELECT name FROM pragma_table_info(?)', [table])
      : await ORM.query(
          `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
          [table],
        )
  return rows.map((row) => String(row.name)).sort()
}
