import { expect, it } from 'vitest'
import { Column, Entity, ORM, Relation, SoftDel, Table, type EntityClass, type SchemaDifference } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'
import * as plain from '../support/model.js'
import { MODEL as SOFT_MODEL } from '../support/soft-model.js'

// Two versions of one small model (the same tables through @Table), declared here because only this
// file changes a model between boots: version 2 adds, changes and removes parts of version 1.

class OwnerV1 extends Entity {
  @Column() name: string
}
@Table({ name: 'owner_v1' })
class OwnerV2 extends Entity {
  @Column() name: string
}
@Table({ name: 'post' })
class PostV1 extends Entity {
  @Column() title: string
  @Column() score: number = 0
  @Column({ nullable: true }) nick?: string
  @Column({ unique: true }) slug: string
  @Column({ type: 'integer', name: 'owner_id' }) ownerId: number
  @Column({ nullable: true }) legacy?: string
  @Relation(() => Label) labels: Label[] = []
}
@Table({ name: 'post' })
class PostV2 extends Entity {
  @Column() title: string
  @Column({ type: 'integer' }) score: number = 0
  @Column() nick: string
  @Column() slug: string
  @Relation(() => OwnerV2, { name: 'owner_id' }) owner: OwnerV2
}
class Label extends Entity {
  @Column() text: string
}
class Gadget extends Entity {
  @Column({ unique: true }) code: string
  @Column() note: string
}
@Table({ name: 'gadget' })
class GadgetSoft extends SoftDel {
  @Column({ unique: true }) code: string
  @Column({ nullable: true }) note?: string
}

@Table({ name: 'label' })
class LabelRenamed extends Entity {
  @Column({ name: 'text' }) caption: string
}
@Table({ name: 'post' })
class PostRenamed extends Entity {
  @Column({ name: 'title' }) headline: string
  @Column() score: number = 0
  @Column({ nullable: true }) nick?: string
  @Column({ unique: true }) slug: string
  @Column({ type: 'integer', name: 'owner_id' }) ownerId: number
  @Column({ nullable: true }) legacy?: string
  @Relation(() => LabelRenamed, { through: 'post_labels' }) tags: LabelRenamed[] = []
}

/** Applies every difference's statements in order, as a reviewed migration would. */
async function apply(differences: readonly SchemaDifference[]): Promise<void> {
  for (const difference of differences) for (const statement of difference.sql) await ORM.query(statement)
}

async function reboot(db: DialectContext, classes: readonly EntityClass[]): Promise<string[]> {
  await ORM.close()
  const warnings: string[] = []
  await ORM.boot(classes, { ...db.connectionOptions(), logger: { warn: (message) => warnings.push(message) } })
  return warnings
}

/** Gives every index (but primary keys) another name, as a schema written by another tool has. */
async function renameIndexes(): Promise<void> {
  const indexes = ORM.dialect === 'sqlite'
    ? await rawRows(`SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
    : await rawRows(`SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'`)
  expect(indexes.length).toBeGreaterThan(0)
  for (const [i, { name, definition }] of indexes.entries()) {
    await ORM.query(`DROP INDEX "${String(name)}"`)
    await ORM.query(String(definition).replace(/INDEX (IF NOT EXISTS )?"?[\w]+"? ON/, `INDEX other_tool_${i} ON`))
  }
}

describeEachDialect('ORM.schemaDiff()', (db) => {
  it('is empty for a booted, unchanged model: soft-deletable classes, relations, junctions, unique columns, UUID ids', async () => {
    await db.boot(SOFT_MODEL)
    expect(await ORM.schemaDiff()).toEqual([])
  })

  it('is empty for the plain model too, and after a second boot on the same database', async () => {
    await db.boot(plain.MODEL)
    expect(await ORM.schemaDiff()).toEqual([])
    if (db.name === 'sqlite-memory') return
    await reboot(db, plain.MODEL)
    expect(await ORM.schemaDiff()).toEqual([])
  })

  it('lists missing tables, junctions, indexes and columns with the statements boot runs; applied, the diff is empty', async () => {
    await db.boot(SOFT_MODEL)
    await ORM.query('DROP TABLE "note"')
    await ORM.query('DROP TABLE "story_tags"')
    await ORM.query('DROP INDEX "user_username_key"')
    await ORM.query('DROP INDEX "story_created_by_id_idx"')
    await ORM.query('ALTER TABLE "tag" DROP COLUMN "name"')
    const differences = await ORM.schemaDiff()
    const kinds = differences.map((d) => `${d.kind} ${d.table}${d.column ? `.${d.column}` : ''}`)
    expect(kinds).toEqual(
      expect.arrayContaining([
        'createTable note',
        'addColumn tag.name',
        'alterColumnNullability tag.name',
        'createJunction story_tags',
        'createIndex story.created_by_id',
        'createIndex note.author_id',
        'createUniqueIndex user.username',
      ]),
    )
    if (db.isPostgres) expect(kinds).toContain('addForeignKey note.author_id')
    expect(differences.every((d) => !d.destructive)).toBe(true)
    expect(differences.find((d) => d.kind === 'createTable')?.sql[0]).toMatch(/^CREATE TABLE IF NOT EXISTS "note"/)
    await apply(differences)
    expect(await ORM.schemaDiff()).toEqual([])
  })

  it('changes nothing: listing the diff twice gives the same list and the database keeps its shape', async () => {
    await db.boot(SOFT_MODEL)
    await ORM.query('DROP INDEX "user_username_key"')
    const first = await ORM.schemaDiff()
    expect(await ORM.schemaDiff()).toEqual(first)
    expect(first).toHaveLength(1)
  })
}, ['sqlite-memory', 'sqlite-file', 'postgres'])

describeEachDialect('ORM.schemaDiff() after the classes changed', (db) => {
  it('lists changed types, nullability, uniqueness, missing foreign keys and unused parts; applied, the diff is empty and the data stays', async () => {
    await db.boot([OwnerV1, PostV1, Label])
    await ORM.query(`CREATE TABLE other_app_settings (k text PRIMARY KEY, v text)`)
    const owner = new OwnerV1()
    owner.name = 'Ann'
    await ORM.flush()
    const post = Object.assign(new PostV1(), { title: 'Hello', score: 3, nick: 'h', slug: 'hello', ownerId: owner.id as number, legacy: 'x' })
    post.labels.push(Object.assign(new Label(), { text: 'news' }))
    await ORM.flush()

    const warnings = await reboot(db, [OwnerV2, PostV2])
    expect(warnings.join('\n')).toMatch(/PostV2\.score .*is (REAL|DOUBLE PRECISION) in the database where veil-orm creates INTEGER/)
    const differences = await ORM.schemaDiff()
    const summary = differences.map((d) => `${d.kind} ${d.table}${d.column ? `.${d.column}` : ''} ${d.destructive}`)
    expect(summary.sort()).toEqual(
      [
        'addForeignKey post.owner_id false',
        'alterColumnType post.score false',
        'alterColumnNullability post.nick false',
        'alterColumnUnique post.slug false',
        'dropColumn post.legacy true',
        'dropJunction post_labels true',
        'dropTable label true',
      ].sort(),
    )
    await apply(differences)
    expect(await ORM.schemaDiff()).toEqual([])
    const rows = await rawRows('SELECT title, score, nick, slug, owner_id FROM post')
    expect(rows).toEqual([{ title: 'Hello', score: 3, nick: 'h', slug: 'hello', owner_id: owner.id }])
    expect(await rawRows('SELECT count(*) AS n FROM other_app_settings')).toEqual([{ n: db.isPostgres ? '0' : 0 }])
    const loaded = await PostV2.findOne({ where: { slug: 'hello' }, relations: { owner: true } })
    expect(loaded?.owner.name).toBe('Ann')
  })

  it('turns a unique index into a live-rows-only one when the class becomes soft-deletable, and a required column optional', async () => {
    await db.boot([Gadget])
    Object.assign(new Gadget(), { code: 'g1', note: 'n' })
    await ORM.flush()
    await reboot(db, [GadgetSoft])
    const differences = await ORM.schemaDiff()
    expect(differences.map((d) => `${d.kind} ${d.column}`)).toEqual(['alterColumnNullability note', 'alterColumnUnique code'])
    await apply(differences)
    expect(await ORM.schemaDiff()).toEqual([])
    // A soft-deleted gadget no longer blocks its code.
    const old = await GadgetSoft.findOne({ where: { code: 'g1' } })
    await old?.softDelete()
    Object.assign(new GadgetSoft(), { code: 'g1' })
    await ORM.flush()
    expect(await GadgetSoft.count({ withDeleted: true })).toBe(2)
  })

  it('keeps renamed properties on their old column and junction with @Column({ name }) and { through }: no difference', async () => {
    await db.boot([OwnerV1, PostV1, Label])
    const post = Object.assign(new PostV1(), { title: 'Hello', slug: 'hello', ownerId: 1 })
    post.labels.push(Object.assign(new Label(), { text: 'news' }))
    await ORM.flush()
    await reboot(db, [OwnerV1, PostRenamed, LabelRenamed])
    expect(await ORM.schemaDiff()).toEqual([])
    const renamed = await PostRenamed.findOne({ where: { headline: 'Hello' }, relations: { tags: true } })
    expect(renamed?.tags.map((tag) => tag.caption)).toEqual(['news'])
  })

  it('finds indexes by what they do: equivalent indexes under other names give no difference and no warning', async () => {
    await db.boot(SOFT_MODEL)
    await renameIndexes()
    await ORM.close()
    const warnings: string[] = []
    await ORM.boot(SOFT_MODEL, { ...db.connectionOptions(), skipTableCreation: true, logger: { warn: (message) => warnings.push(message) } })
    expect(warnings.filter((warning) => /index/.test(warning))).toEqual([])
    expect(await ORM.schemaDiff()).toEqual([])
  })
}, ['sqlite-file', 'postgres'])
