import { createHash } from 'node:crypto'

/**
 * @internal The pure half of migrations: file names, the `-- up` / `-- down` file format, checksums and
 * which files are pending. A migration file is SQL for one dialect:
 *
 * ```sql
 * -- veil-orm migration add-priority (postgres)
 * -- up
 * ALTER TABLE "task" ADD COLUMN "priority" INTEGER;
 * -- down
 * ALTER TABLE "task" DROP COLUMN "priority";
 * ```
 *
 * A statement ends with a `;` at the end of a line; lines starting with `--` are comments.
 */

/** A migration file found in the migrations folder. */
export interface MigrationFile {
  /** The file name, e.g. `20261130T114500Z_add-priority.postgres.sql`; migrations run in file-name order. */
  readonly name: string
  /** sha256 of the file's bytes, hex. */
  readonly checksum: string
}

/** What `ORM.migrations.run()` applied, or `pending()` would. */
export interface MigrationRecord {
  readonly name: string
  readonly checksum: string
}

/** `<UTC timestamp>_<name>.<dialect>.sql`: the timestamp keeps files in the order they were generated. */
export function migrationFileName(now: Date, name: string, dialect: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const slug = name.trim().replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '')
  return `${stamp}_${slug || 'migration'}.${dialect}.sql`
}

/** Whether a file in the folder is a migration of this dialect. */
export function isMigrationOf(fileName: string, dialect: string): boolean {
  return fileName.endsWith(`.${dialect}.sql`)
}

export function checksumOf(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}

/** One change of the diff as a file shows it: its up statements, its down statements or why it has none. */
export interface MigrationPart {
  readonly title: string
  readonly destructive: boolean
  /** A line for the reviewer, shown above the up statements. */
  readonly note?: string
  readonly up: readonly string[]
  readonly down: readonly string[] | string
}

/** The file text: the up part in order, the down part in reverse order; destructive and irreversible parts marked. */
export function renderMigration(name: string, dialect: string, parts: readonly MigrationPart[]): string {
  const lines = [`-- veil-orm migration ${name} (${dialect}), generated from ORM.schemaDiff(); review before committing.`, '-- up']
  for (const part of parts) {
    lines.push(`-- ${part.title}${part.destructive ? ' -- DESTRUCTIVE: drops data' : ''}`)
    if (part.note) lines.push(`-- ${part.note}`)
    lines.push(...part.up.map(terminated))
  }
  lines.push('-- down')
  for (const part of [...parts].reverse()) {
    if (typeof part.down === 'string') lines.push(`-- ${part.title}: no down (${part.down}); write one by hand if you need it`)
    else lines.push(`-- ${part.title}`, ...part.down.map(terminated))
  }
  return `${lines.join('\n')}\n`
}

function terminated(statement: string): string {
  return statement.trimEnd().endsWith(';') ? statement : `${statement};`
}

/** The statements of the file's up (or down) part; `undefined` when the file has no `-- up` line. */
export function parseMigration(text: string): { up: string[]; down: string[] } | undefined {
  const sections: Record<'up' | 'down', string[]> = { up: [], down: [] }
  let section: 'up' | 'down' | undefined
  let current: string[] = []
  for (const line of text.split(/\r?\n/)) {
    const marker = /^--\s*(up|down)\s*$/i.exec(line.trim())
    if (marker) {
      section = marker[1]?.toLowerCase() as 'up' | 'down'
      current = []
      continue
    }
    if (!section || (current.length === 0 && (line.trim() === '' || line.trim().startsWith('--')))) continue
    current.push(line)
    if (line.trimEnd().endsWith(';')) {
      sections[section].push(current.join('\n').trim().replace(/;$/, ''))
      current = []
    }
  }
  if (!/^--\s*up\s*$/im.test(text)) return undefined
  return sections
}

/**
 * The transaction control a SQLite table rebuild carries (the diff's statements can run on their own);
 * a runner that wraps the file in its own transaction lifts it, and runs the file with foreign keys off.
 */
const TRANSACTION_CONTROL = /^(PRAGMA\s+foreign_keys\s*=\s*(OFF|ON)|BEGIN(\s+IMMEDIATE)?|COMMIT)$/i

export function liftTransactionControl(statements: readonly string[]): { statements: string[]; foreignKeysOff: boolean } {
  const kept = statements.filter((statement) => !TRANSACTION_CONTROL.test(statement.trim()))
  return { statements: kept, foreignKeysOff: kept.length !== statements.length }
}

/** Files not yet applied, in name order; a changed applied file is returned in `changed`. */
export function choosePending(
  files: readonly MigrationFile[],
  applied: readonly MigrationRecord[],
): { pending: MigrationFile[]; changed: MigrationFile[] } {
  const byName = new Map(applied.map((record) => [record.name, record.checksum]))
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {
    pending: sorted.filter((file) => !byName.has(file.name)),
    changed: sorted.filter((file) => byName.has(file.name) && byName.get(file.name) !== file.checksum),
  }
}
