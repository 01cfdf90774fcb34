import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Column, Entity, ORM, Relation, Table } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

// A foreign key that points at another table than the class says: version 1 of the model made
// story.created_by_id reference "owner"; version 2 says Story.createdBy is a Person. Declared here
// because only this file maps one column to two different tables.
@Table({ name: 'person' })
class Person extends Entity {
  @Column() name: string
}
@Table({ name: 'owner' })
class Owner extends Entity {
  @Column() name: string
}
@Table({ name: 'story' })
class StoryV1 extends Entity {
  @Column() title: string
  @Relation(() => Owner) createdBy: Owner
}
@Table({ name: 'story' })
class StoryV2 extends Entity {
  @Column() title: string
  @Relation(() => Person) createdBy: Person
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'veil-fk-drift-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function seedV1(db: DialectContext): Promise<void> {
  await db.boot([Person, Owner, StoryV1])
  Object.assign(new Person(), { name: 'pat' })
  Object.assign(new StoryV1(), { title: 'hello', createdBy: Object.assign(new Owner(), { name: 'olga' }) })
  await ORM.flush()
  await ORM.close()
}

const nowSql = (db: DialectContext): string => (db.isPostgres ? 'now(), now()' : '1, 1')

describeEachDialect('a foreign key that references another table than the class says', (db) => {
  it('is a boot warning naming the property and both tables, and nothing changes', async () => {
    await seedV1(db)
    const warnings: string[] = []
    await ORM.boot([Person, Owner, StoryV2], { ...db.connectionOptions(), logger: { warn: (message) => warnings.push(message) } })
    expect(warnings).toEqual([
      'veil-orm: StoryV2.createdBy (column "story"."created_by_id") references "person" in the class, but its foreign key in the database ' +
        'references "owner"."id": the database accepts only ids of "owner". Review ORM.schemaDiff() (alterForeignKey) and apply it with a migration.',
    ])
    expect(await rawRows('SELECT title FROM story')).toEqual([{ title: 'hello' }])
  })

  it('is listed by ORM.schemaDiff() as alterForeignKey; applied by a migration, the key references the class\'s table', async () => {
    await seedV1(db)
    await ORM.boot([Person, Owner, StoryV2], { ...db.connectionOptions(), skipTableCreation: true, logger: { warn: () => undefined } })
    const diff = await ORM.schemaDiff()
    expect(diff.map((d) => `${d.kind} ${d.table}.${d.column}`)).toEqual(['alterForeignKey story.created_by_id'])
    expect(diff[0]?.sql.join('\n')).toMatch(db.isPostgres ? /DROP CONSTRAINT "story_created_by_id_fkey"[\s\S]*REFERENCES "person"/ : /REFERENCES "person"/)
    // The story's owner id 1 is also a person's id, so the new key holds for the existing row.
    await ORM.migrations.generate('fix-story-key', { dir })
    await ORM.migrations.run({ dir })
    expect(await ORM.schemaDiff()).toEqual([])
    const person = (await rawRows(`SELECT id FROM person`))[0]?.id
    await ORM.query(`INSERT INTO story (title, created_by_id, created_at, updated_at) VALUES ('by pat', ${String(person)}, ${nowSql(db)})`)
    await expect(ORM.query(`INSERT INTO story (title, created_by_id, created_at, updated_at) VALUES ('nobody', 999, ${nowSql(db)})`)).rejects.toThrow()
    expect(await rawRows('SELECT title FROM story ORDER BY id')).toEqual([{ title: 'hello' }, { title: 'by pat' }])
  })
}, ['sqlite-file', 'postgres'])
