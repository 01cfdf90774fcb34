import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Column, Entity, MigrationError, ORM, Relation, Table, type BootOptions, type EntityClass } from '../../lib/index.js'
import { parseMigration } from '../../lib/schema/migration-files.js'
import { startChild } from '../support/child-process.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

// Two versions of one model: version 2 adds a required column and an indexed relation.
@Table({ name: 'crew' })
class CrewV1 extends Entity {
  @Column() name: string
}
@Table({ name: 'job' })
class JobV1 extends Entity {
  @Column() title: string
}
@Table({ name: 'job' })
class JobV2 extends Entity {
  @Column() title: string
  @Column() priority: number = 0
  @Relation(() => CrewV1, { nullable: true }) crew?: CrewV1
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'veil-migrations-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function reboot(db: DialectContext, classes: readonly EntityClass[], options: BootOptions = {}): Promise<string[]> {
  await ORM.close()
  const warnings: string[] = []
  await ORM.boot(classes, { ...db.connectionOptions(), ...options, logger: { warn: (message) => warnings.push(message) } })
  return warnings
}

const file = (name: string, up: string): void => writeFileSync(join(dir, `${name}.${ORM.dialect}.sql`), `-- up\n${up}\n`)
const names = (records: readonly { name: string }[]): string[] => records.map((record) => record.name.replace(/\.\w+\.sql$/, ''))
const tableCount = async (table: string): Promise<number> => Number((await rawRows(`SELECT count(*) AS n FROM "${table}"`))[0]?.n)

describeEachDialect('ORM.migrations with a changing model', (db) => {
  it('generates up and down SQL from a changed model; run, the diff is empty; the down part drops what the up part created', async () => {
    await db.boot([JobV1])
    Object.assign(new JobV1(), { title: 'first' })
    await ORM.flush()
    const warnings = await reboot(db, [CrewV1, JobV2], { skipTableCreation: true })
    expect(warnings.join('\n')).toMatch(/lacks .*table "crew" \(CrewV1\), column "job"."priority" \(JobV2.priority\).*ORM\.migrations\.generate/)
    const path = await ORM.migrations.generate('add priority', { dir })
    expect(path).toMatch(/\/\d{8}T\d{6}Z_add-priority\.(sqlite|postgres)\.sql$/)
    const text = readFileSync(path as string, 'utf8')
    const parsed = parseMigration(text)
    expect(parsed?.up.join('\n')).toMatch(/CREATE TABLE IF NOT EXISTS "crew"/)
    expect(parsed?.down).toEqual(expect.arrayContaining(['DROP TABLE "crew"', 'ALTER TABLE "job" DROP COLUMN "priority"']))
    expect(text).toMatch(/alterColumnNullability job\.priority: no down/)
    // The review: the existing row needs a priority before the column becomes NOT NULL.
    expect(text).toContain('-- alterColumnNullability job.priority\n-- NOT NULL: rows holding NULL in this column need a value first')
    writeFileSync(path as string, text.replace(/(-- NOT NULL: .*\n)/, '$1UPDATE "job" SET "priority" = 0;\n'))
    expect(await ORM.migrations.pending({ dir })).toEqual([{ name: path?.split('/').at(-1), checksum: expect.stringMatching(/^[0-9a-f]{64}$/) }])
    expect(names(await ORM.migrations.run({ dir }))).toEqual([expect.stringMatching(/_add-priority$/)])
    expect(await ORM.schemaDiff()).toEqual([])
    expect(await reboot(db, [CrewV1, JobV2], { skipTableCreation: true })).toEqual([])
    const job = await JobV2.findOne({ where: { title: 'first' } })
    expect(job?.priority).toBe(0)
    job!.crew = Object.assign(new CrewV1(), { name: 'A' })
    await ORM.flush()
    // The down part, run by hand, takes the database back to version 1 (the index goes before its column). SQLite
    // cannot drop a foreign-key column with ALTER TABLE: its down says so, and DbManager.dropUnusedColumns() can.
    await reboot(db, [JobV1], { skipTableCreation: true })
    for (const statement of parsed?.down ?? []) await ORM.query(statement)
    const left = (await ORM.schemaDiff()).map((d) => `${d.kind} ${d.table}.${d.column}`)
    expect(left).toEqual(db.isPostgres ? [] : ['dropColumn job.crew_id'])
    if (!db.isPostgres) expect(text).toMatch(/addColumn job\.crew_id: no down \(SQLite cannot drop a foreign-key column/)
  })

  it('boots with skipTableCreation on an empty database with one warning; a query then fails clearly; run and re-boot work', async () => {
    await db.boot([])
    const warnings = await reboot(db, [CrewV1, JobV2], { skipTableCreation: true })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/table "crew" \(CrewV1\), table "job" \(JobV2\).*ORM\.schemaDiff\(\).*ORM\.migrations\.generate/)
    await expect(JobV2.count()).rejects.toThrow(/job.*lacks a table or column the classes map.*ORM\.migrations\.run\(\)/)
    await ORM.migrations.generate('init', { dir })
    await ORM.migrations.run({ dir })
    expect(await reboot(db, [CrewV1, JobV2], { skipTableCreation: true })).toEqual([])
    expect(await JobV2.count()).toBe(0)
    expect(await ORM.schemaDiff()).toEqual([])
  })
}, ['sqlite-file', 'postgres'])

describeEachDialect('ORM.migrations', (db) => {
  it('writes nothing for an empty diff and says so', async () => {
    const lines: string[] = []
    await db.boot([JobV1], { logger: { warn: (message) => lines.push(message) } })
    expect(await ORM.migrations.generate('nothing', { dir })).toBeUndefined()
    expect(readdirSync(dir)).toEqual([])
    expect(lines).toEqual(['veil-orm: the schema diff is empty; no migration "nothing" was written.'])
  })

  it('runs pending files in name order, records them, and runs nothing the second time', async () => {
    await db.boot([])
    file('002_b', 'INSERT INTO steps (n) VALUES (2);')
    file('001_a', 'CREATE TABLE steps (n INTEGER);\nINSERT INTO steps (n) VALUES (1);')
    writeFileSync(join(dir, 'notes.txt'), 'not a migration')
    expect(names(await ORM.migrations.pending({ dir }))).toEqual(['001_a', '002_b'])
    expect(names(await ORM.migrations.run({ dir }))).toEqual(['001_a', '002_b'])
    expect(await rawRows('SELECT n FROM steps ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }])
    const recorded = await rawRows('SELECT name, checksum, applied_at FROM veil_migrations ORDER BY name')
    expect(recorded.map((row) => row.name)).toEqual([`001_a.${ORM.dialect}.sql`, `002_b.${ORM.dialect}.sql`])
    expect(recorded.every((row) => /^[0-9a-f]{64}$/.test(String(row.checksum)) && row.applied_at)).toBe(true)
    expect(await ORM.migrations.run({ dir })).toEqual([])
    expect(await ORM.migrations.pending({ dir })).toEqual([])
    expect(await rawRows('SELECT n FROM steps ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }])
  })

  it('refuses a file changed after it was applied, applying nothing', async () => {
    await db.boot([])
    file('001_a', 'CREATE TABLE steps (n INTEGER);')
    await ORM.migrations.run({ dir })
    file('001_a', 'CREATE TABLE steps (n INTEGER, m INTEGER);')
    file('002_b', 'INSERT INTO steps (n) VALUES (2);')
    const error = await ORM.migrations.run({ dir }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MigrationError)
    expect((error as MigrationError).file).toBe(`001_a.${ORM.dialect}.sql`)
    expect((error as MigrationError).message).toMatch(/001_a\.\w+\.sql changed after it was applied.*Nothing was applied/)
    expect(await tableCount('steps')).toBe(0)
    await expect(ORM.migrations.pending({ dir })).rejects.toThrow(MigrationError)
  })

  it('rolls a failing migration back and does not record it; the files before it stay applied', async () => {
    await db.boot([])
    file('001_a', 'CREATE TABLE steps (n INTEGER);')
    file('002_b', 'CREATE TABLE half (n INTEGER);\nINSERT INTO no_such_table (n) VALUES (1);')
    const error = await ORM.migrations.run({ dir }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MigrationError)
    expect((error as MigrationError).message).toMatch(/002_b\.\w+\.sql failed and was rolled back.*no_such_table/)
    expect(names(await ORM.migrations.pending({ dir }))).toEqual(['002_b'])
    expect(await rawRows("SELECT name FROM veil_migrations")).toEqual([{ name: `001_a.${ORM.dialect}.sql` }])
    await expect(ORM.query('SELECT * FROM half')).rejects.toThrow()
  })
}, ['sqlite-memory', 'sqlite-file', 'postgres'])

describeEachDialect(
  'ORM.migrations.run() in concurrent processes',
  (db) => {
    it('applies each migration once when three processes run the same migrations at the same time', async () => {
      await db.boot([])
      file('001_a', 'CREATE TABLE applied (file TEXT);')
      const slow = db.isPostgres
        ? 'SELECT pg_sleep(0.3);'
        : 'CREATE TABLE busy AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT count(*) AS n FROM c;'
      file('002_b', `${slow}\nINSERT INTO applied (file) VALUES ('b');`)
      file('003_c', "INSERT INTO applied (file) VALUES ('c');")
      await ORM.close()
      const env = { VEIL_BOOT: JSON.stringify(db.connectionOptions()), VEIL_DIR: dir }
      const children = Array.from({ length: 3 }, () => startChild('tests/schema/children/migrate.ts', [], env))
      const results = await Promise.all(children.map((child) => child.done))
      expect(results.map((result) => ({ code: result.code, stderr: result.stderr }))).toEqual(Array.from({ length: 3 }, () => ({ code: 0, stderr: '' })))
      const ran = results.flatMap((result) => JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '[]') as string[])
      expect(ran.sort()).toEqual(['001_a', '002_b', '003_c'].map((name) => `${name}.${db.isPostgres ? 'postgres' : 'sqlite'}.sql`))
      await ORM.boot([], db.connectionOptions())
      expect(await rawRows('SELECT file FROM applied ORDER BY file')).toEqual([{ file: 'b' }, { file: 'c' }])
    }, 90_000)
  },
  ['sqlite-file', 'postgres'],
)
