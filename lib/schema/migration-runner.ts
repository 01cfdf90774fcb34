import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Driver, SchemaSession } from '../dialect/dialect.js'
import { MIGRATIONS_TABLE, migrationsSql } from '../dialect/migrations-sql.js'
import { MigrationError } from '../errors/migration-error.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import type { Logger } from '../util/logger.js'
import {
  checksumOf,
  choosePending,
  isMigrationOf,
  liftTransactionControl,
  migrationFileName,
  parseMigration,
  renderMigration,
  type MigrationFile,
  type MigrationRecord,
} from './migration-files.js'
import { migrationParts } from './migration-plan.js'
import { readSchemaDiff } from './schema-lifecycle.js'

/** @internal Writes the current diff as a migration file of this dialect; nothing (undefined) when the diff is empty. */
export async function generateMigration(driver: Driver, registry: MetadataRegistry, logger: Logger, name: string, dir: string): Promise<string | undefined> {
  const differences = await readSchemaDiff(driver, registry)
  if (differences.length === 0) {
    const message = `veil-orm: the schema diff is empty; no migration "${name}" was written.`
    if (logger.info) logger.info(message)
    else logger.warn(message)
    return undefined
  }
  const dialect = driver.dialect
  const file = join(dir, migrationFileName(new Date(), name, dialect.name))
  await mkdir(dir, { recursive: true })
  await writeFile(file, renderMigration(name, dialect.name, migrationParts(differences, registry, dialect)), { flag: 'wx' })
  return file
}

interface LoadedFile extends MigrationFile {
  readonly text: string
}

async function readFiles(dir: string, dialect: string): Promise<LoadedFile[]> {
  const names = (await readdir(dir)).filter((name) => isMigrationOf(name, dialect))
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name))
      return { name, checksum: checksumOf(bytes), text: bytes.toString('utf8') }
    }),
  )
}

async function appliedIn(session: SchemaSession, driver: Driver): Promise<MigrationRecord[]> {
  const rows = await session.queryRows(migrationsSql(driver.dialect).selectApplied)
  return rows.map((row) => ({ name: String(row.name), checksum: String(row.checksum) }))
}

/** @internal The files of `dir` not yet applied, in the order `run` applies them; refuses a changed applied file. */
export async function pendingMigrations(driver: Driver, dir: string): Promise<MigrationRecord[]> {
  const files = await readFiles(dir, driver.dialect.name)
  const applied = await driver.lockSchema(async (session) => ((await session.introspect()).has(MIGRATIONS_TABLE) ? appliedIn(session, driver) : []))
  return checked(files, applied).map(({ name, checksum }) => ({ name, checksum }))
}

function checked<T extends MigrationFile>(files: readonly T[], applied: readonly MigrationRecord[]): T[] {
  const { pending, changed } = choosePending(files, applied)
  if (changed[0]) throw MigrationError.changed(changed[0].name)
  return pending as T[]
}

/**
 * @internal Applies the pending files in name order, each in its own transaction under the schema lock
 * (PostgreSQL's advisory lock, SQLite's write lock): a concurrent runner waits, then sees the file
 * recorded and skips it. A SQLite rebuild's own transaction control is lifted; the file then runs with
 * foreign keys off and its keys are checked before commit.
 */
export async function runMigrations(driver: Driver, dir: string): Promise<MigrationRecord[]> {
  const sql = migrationsSql(driver.dialect)
  const files = await readFiles(dir, driver.dialect.name)
  await driver.lockSchema(async (session) => {
    await session.runDdl([sql.createTable])
    checked(files, await appliedIn(session, driver))
  })
  const ran: MigrationRecord[] = []
  for (const file of files.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const parsed = parseMigration(file.text)
    if (!parsed) throw MigrationError.notMigration(file.name)
    const { statements, foreignKeysOff } = liftTransactionControl(parsed.up)
    const applied = await driver.lockSchema(
      async (session) => {
        if (!checked([file], await appliedIn(session, driver)).length) return false
        for (const statement of statements) {
          try {
            await session.runDdl([statement])
          } catch (error) {
            throw MigrationError.failed(file.name, statement, error)
          }
        }
        const broken = foreignKeysOff && sql.foreignKeyCheck ? await session.queryRows(sql.foreignKeyCheck) : []
        if (broken.length > 0) throw MigrationError.brokenKeys(file.name, broken.length)
        await session.queryRows(sql.insert, [file.name, file.checksum, new Date().toISOString()])
        return true
      },
      { foreignKeysOff },
    )
    if (applied) ran.push({ name: file.name, checksum: file.checksum })
  }
  return ran
}
