import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Column, Entity, ORM, Relation, Table, type EntityClass } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

// Versions of one small model (the same tables through @Table), declared here because only this file
// changes several columns of one table in one migration, or keeps an unmapped foreign key through a rebuild.
@Table({ name: 'crew' })
class Crew extends Entity {
  @Column() name: string
}
@Table({ name: 'shift' })
class ShiftV1 extends Entity {
  @Column() title: string
  @Column({ nullable: true }) note?: string
  @Relation(() => Crew, { nullable: true }) formerCrew?: Crew
}
// Two new required columns, and a required relation: three NOT NULL changes of added columns.
@Table({ name: 'shift' })
class ShiftTwoRequired extends Entity {
  @Column() title: string
  @Column({ nullable: true }) note?: string
  @Relation(() => Crew, { nullable: true }) formerCrew?: Crew
  @Column() hours: number
  @Column() place: string
  @Relation(() => Crew) crew: Crew
}
// note becomes required (a rebuild on SQLite) while a column is added; formerCrew is no longer mapped.
@Table({ name: 'shift' })
class ShiftRequiredNote extends Entity {
  @Column() title: string
  @Column() note: string
  @Column({ nullable: true }) extra?: string
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'veil-rebuilds-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function seedV1(db: DialectContext): Promise<void> {
  await db.boot([Crew, ShiftV1])
  const crew = Object.assign(new Crew(), { name: 'night' })
  Object.assign(new ShiftV1(), { title: 'first', note: 'n', formerCrew: crew })
  await ORM.flush()
  await ORM.close()
}

async function reboot(db: DialectContext, classes: readonly EntityClass[]): Promise<void> {
  await ORM.close()
  await ORM.boot(classes, { ...db.connectionOptions(), skipTableCreation: true, logger: { warn: () => undefined } })
}

/**
 * Generates a migration, gives each NOT NULL change the value `values` names for its column, leaves out
 * the parts titled in `without` (as a reviewer may keep a column for now), and runs it.
 */
async function migrate(name: string, values: Record<string, string>, without: readonly string[] = []): Promise<string> {
  const path = (await ORM.migrations.generate(name, { dir })) as string
  let text = readFileSync(path, 'utf8')
  for (const title of without) {
    const part = new RegExp(`^-- ${title.replace('.', '\\.')}( -- DESTRUCTIVE.*)?\\n[\\s\\S]*?(?=^-- (\\w+ [\\w.]+|down)$)`, 'm')
    expect(text).toMatch(part)
    text = text.replace(part, '')
  }
  for (const [column, value] of Object.entries(values)) {
    text = text.replace(new RegExp(`(-- alterColumnNullability shift\\.${column}\\n-- NOT NULL: .*\\n)`), `$1UPDATE "shift" SET "${column}" = ${value};\n`)
  }
  writeFileSync(path, text)
  await ORM.migrations.run({ dir })
  return text
}

/** The foreign keys of a table, as `column -> table`. */
async function foreignKeys(db: DialectContext, table: string): Promise<string[]> {
  const rows = db.isPostgres
    ? await rawRows(
        `SELECT a.attname AS "from", c.confrelid::regclass::text AS "table" FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.conrelid = '"${table}"'::regclass`,
      )
    : await rawRows(`SELECT "from", "table" FROM pragma_foreign_key_list('${table}')`)
  return rows.map((row) => `${String(row.from)} -> ${String(row.table).replace(/"/g, '')}`).sort()
}

describeEachDialect('schema changes that rebuild a SQLite table several times in one migration', (db) => {
  it('adds several required columns to a table with rows in one migration', async () => {
    await seedV1(db)
    await reboot(db, [Crew, ShiftTwoRequired])
    const crewId = String((await rawRows('SELECT id FROM crew'))[0]?.id)
    await migrate('two-required', { hours: '8', place: "'dock'", crew_id: crewId })
    expect(await ORM.schemaDiff()).toEqual([])
    expect(await rawRows('SELECT title, hours, place FROM shift')).toEqual([{ title: 'first', hours: 8, place: 'dock' }])
    // The required relation's column kept its foreign key through the rebuilds.
    expect(await foreignKeys(db, 'shift')).toEqual(['crew_id -> crew', 'former_crew_id -> crew'])
    await expect(ORM.query(`UPDATE shift SET crew_id = 999`)).rejects.toThrow()
  })

  it('makes a column required and adds another in one migration', async () => {
    await seedV1(db)
    await reboot(db, [Crew, ShiftRequiredNote])
    await migrate('required-note', {}, ['dropColumn shift.former_crew_id'])
    expect((await ORM.schemaDiff()).map((d) => `${d.kind} ${d.table}.${d.column}`)).toEqual(['dropColumn shift.former_crew_id'])
    expect(await rawRows('SELECT title, note, extra FROM shift')).toEqual([{ title: 'first', note: 'n', extra: null }])
    // The column no class maps any more was kept, with its foreign key.
    expect(await foreignKeys(db, 'shift')).toEqual(['former_crew_id -> crew'])
    await expect(ORM.query(`UPDATE shift SET former_crew_id = 999`)).rejects.toThrow()
  })

  it('makes a column required and drops another in one migration: the drop keeps the NOT NULL', async () => {
    await seedV1(db)
    await reboot(db, [Crew, ShiftRequiredNote])
    await migrate('required-note-and-drop', {})
    expect(await ORM.schemaDiff()).toEqual([])
    await expect(ORM.query(`UPDATE shift SET note = NULL`)).rejects.toThrow()
    expect(await rawRows('SELECT title, note FROM shift')).toEqual([{ title: 'first', note: 'n' }])
  })
}, ['sqlite-file', 'postgres'])
