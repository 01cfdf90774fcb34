import { describe, expect, it } from 'vitest'
import { Entity, SoftDel, SoftDelUuid } from '../../lib/index.js'
import type { Dialect } from '../../lib/dialect/dialect.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'
import type { DbSchema, DbTable } from '../../lib/dialect/schema-introspection.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { MetadataRegistry } from '../../lib/metadata/metadata-registry.js'
import { diffSchema } from '../../lib/schema/schema-diff.js'
import { typeFit } from '../../lib/schema/type-fit.js'
import { looksLikeEntityTable, looksLikeJunction } from '../../lib/schema/veil-tables.js'
import { uniqueAmong } from '../../lib/soft-delete/visibility.js'
import { Comment, Label, Plain, Post, Topic, Writer } from './sql-model.js'

const registry = buildMetadata([Writer, Label, Post, Comment, Topic, Plain], { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
const sqlite = new SqliteDialect()
const postgres = new PostgresDialect()

/** The database as boot creates it for the model, as introspection would report it. */
function bootedSchema(dialect: Dialect, model: MetadataRegistry = registry): Map<string, DbTable> {
  const schema = new Map<string, DbTable>()
  for (const meta of model.entities) {
    const indexes = meta.columns.flatMap((column) => [
      ...(column.uniqueIndexName ? [{ name: column.uniqueIndexName, columns: [column.name], unique: true, partial: uniqueAmong(meta) !== undefined, constraint: false }] : []),
      ...(column.lookupIndexName ? [{ name: column.lookupIndexName, columns: [column.name], unique: false, partial: false, constraint: false }] : []),
    ])
    schema.set(meta.tableName, {
      name: meta.tableName,
      columns: meta.columns.map((column) => ({ name: column.name, type: dialect.dbTypeOf(meta, column), nullable: column.nullable, primaryKey: column.role === 'id' })),
      indexes,
      foreignKeys: meta.relations.flatMap((relation) => (relation.column ? [{ column: relation.column.name, refTable: relation.target.tableName, refColumn: 'id' }] : [])),
      autoIncrement: meta.isIdGenerated,
    })
  }
  for (const junction of model.junctions) {
    schema.set(junction.tableName, {
      name: junction.tableName,
      columns: [junction.ownerColumn, junction.targetColumn].map((name) => ({ name, type: 'integer', nullable: false, primaryKey: true })),
      indexes: [{ name: junction.targetIndexName, columns: [junction.targetColumn], unique: false, partial: false, constraint: false }],
      foreignKeys: [
        { column: junction.ownerColumn, refTable: junction.owner.tableName, refColumn: 'id' },
        { column: junction.targetColumn, refTable: junction.target.tableName, refColumn: 'id' },
      ],
    })
  }
  return schema
}

function replaceTable(schema: Map<string, DbTable>, name: string, change: (table: DbTable) => Partial<DbTable>): Map<string, DbTable> {
  const table = schema.get(name)!
  schema.set(name, { ...table, ...change(table) })
  return schema
}

const summary = (dialect: Dialect, schema: DbSchema): string[] =>
  diffSchema(registry, schema, dialect).map((d) => `${d.kind} ${d.table}${d.column ? `.${d.column}` : ''}${d.destructive ? ' destructive' : ''}${d.atBoot ? ' atBoot' : ''}`)

describe('diffSchema', () => {
  it('finds nothing when the database is what boot creates', () => {
    expect(diffSchema(registry, bootedSchema(sqlite), sqlite)).toEqual([])
    expect(diffSchema(registry, bootedSchema(postgres), postgres)).toEqual([])
  })

  it('creates a missing table with the statements boot runs: table, then foreign keys, then indexes', () => {
    const schema = bootedSchema(postgres)
    schema.delete('comment')
    const differences = diffSchema(registry, schema, postgres)
    expect(differences.map((d) => `${d.kind} ${d.column ?? ''}`)).toEqual(['createTable ', 'addForeignKey post_id', 'createIndex deleted_at', 'createIndex post_id'])
    expect(differences.every((d) => d.atBoot && !d.destructive)).toBe(true)
    const comment = registry.entities.find((meta) => meta.tableName === 'comment')!
    expect(differences[0]?.sql).toEqual([postgres.createTableSql(comment)])
    expect(differences[1]?.sql).toEqual(postgres.foreignKeysSql(comment))
    const onSqlite = bootedSchema(sqlite)
    onSqlite.delete('comment')
    expect(summary(sqlite, onSqlite)).toEqual(['createTable comment atBoot', 'createIndex comment.deleted_at atBoot', 'createIndex comment.post_id atBoot'])
  })

  it('adds a missing required column nullable, then makes it NOT NULL in a second difference boot does not apply', () => {
    const schema = replaceTable(bootedSchema(postgres), 'posts', (table) => ({ columns: table.columns.filter((column) => column.name !== 'title') }))
    const differences = diffSchema(registry, schema, postgres)
    expect(differences.map((d) => [d.kind, d.sql, d.atBoot])).toEqual([
      ['addColumn', ['ALTER TABLE "posts" ADD COLUMN IF NOT EXISTS "title" text'], true],
      ['alterColumnNullability', ['ALTER TABLE "posts" ALTER COLUMN "title" SET NOT NULL'], false],
    ])
  })

  it('changes a type with ALTER COLUMN on PostgreSQL and the 12-step rebuild on SQLite', () => {
    const pg = replaceTable(bootedSchema(postgres), 'plain', (table) => ({ columns: table.columns.map((c) => (c.name === 'code' ? { ...c, type: 'integer' } : c)) }))
    expect(diffSchema(registry, pg, postgres).map((d) => [d.kind, d.column, d.sql])).toEqual([
      ['alterColumnType', 'code', ['ALTER TABLE "plain" ALTER COLUMN "code" TYPE text USING "code"::text']],
    ])
    const lite = replaceTable(bootedSchema(sqlite), 'plain', (table) => ({ columns: table.columns.map((c) => (c.name === 'code' ? { ...c, type: 'integer' } : c)) }))
    const [rebuild] = diffSchema(registry, lite, sqlite)
    expect(rebuild?.kind).toBe('alterColumnType')
    const sql = rebuild?.sql ?? []
    expect(sql.slice(0, 3)).toEqual([
      'PRAGMA foreign_keys = OFF',
      'BEGIN IMMEDIATE',
      `${sqlite.createTableSql(registry.entities.find((meta) => meta.tableName === 'plain')!).replace('CREATE TABLE IF NOT EXISTS "plain"', 'CREATE TABLE "plain_veil_rebuild"')}`,
    ])
    expect(sql).toContain('INSERT INTO "plain_veil_rebuild" ("id", "created_at", "updated_at", "rank", "code", "flag") SELECT "id", "created_at", "updated_at", "rank", "code", "flag" FROM "plain"')
    // The AUTOINCREMENT counter is carried over before the old table goes.
    expect(sql.slice(-5)).toEqual([
      `UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'plain'), 0)) WHERE name = 'plain_veil_rebuild'`,
      'DROP TABLE "plain"',
      'ALTER TABLE "plain_veil_rebuild" RENAME TO "plain"',
      'COMMIT',
      'PRAGMA foreign_keys = ON',
    ])
  })

  it('reports nullability, a lost foreign key and a unique index whose scope or existence changed', () => {
    const schema = replaceTable(bootedSchema(postgres), 'posts', (table) => ({
      columns: table.columns.map((c) => (c.name === 'subtitle' ? { ...c, nullable: false } : c.name === 'title' ? { ...c, nullable: true } : c)),
      foreignKeys: table.foreignKeys.filter((key) => key.column !== 'editor_id'),
    }))
    replaceTable(schema, 'writer', (table) => ({ indexes: table.indexes.map((index) => (index.unique ? { ...index, partial: false } : index)) }))
    replaceTable(schema, 'topic', (table) => ({ indexes: [{ name: 'topic_name_key', columns: ['name'], unique: true, partial: false, constraint: false }] }))
    expect(summary(postgres, schema)).toEqual([
      'addForeignKey posts.editor_id',
      'alterColumnNullability posts.title',
      'alterColumnNullability posts.subtitle',
      'alterColumnUnique writer.handle',
      'alterColumnUnique topic.name',
    ])
    const unique = diffSchema(registry, schema, postgres).filter((d) => d.kind === 'alterColumnUnique')
    expect(unique[0]?.sql).toEqual(['DROP INDEX "writer_handle_key"', postgres.createUniqueIndexSql(registry.entities.find((m) => m.tableName === 'writer')!, registry.entities.find((m) => m.tableName === 'writer')!.byProperty.get('handle')!)])
    expect(unique[1]?.sql).toEqual(['DROP INDEX "topic_name_key"'])
  })

  it('lists unused columns, entity tables and junctions as destructive, never another program\'s tables', () => {
    const schema = replaceTable(bootedSchema(sqlite), 'topic', (table) => ({ columns: [...table.columns, { name: 'old_name', type: 'text', nullable: true, primaryKey: false }] }))
    const entityLike: DbTable = {
      name: 'old_thing',
      columns: ['id', 'created_at', 'updated_at'].map((name) => ({ name, type: 'integer', nullable: name !== 'id', primaryKey: name === 'id' })),
      indexes: [],
      foreignKeys: [],
    }
    const junctionLike: DbTable = {
      name: 'old_thing_tags',
      columns: ['old_thing_id', 'topic_id'].map((name) => ({ name, type: 'integer', nullable: false, primaryKey: true })),
      indexes: [],
      foreignKeys: [
        { column: 'old_thing_id', refTable: 'old_thing', refColumn: 'id' },
        { column: 'topic_id', refTable: 'topic', refColumn: 'id' },
      ],
    }
    const foreign: DbTable = { name: 'audit_log', columns: [{ name: 'id', type: 'integer', nullable: false, primaryKey: true }], indexes: [], foreignKeys: [] }
    for (const table of [entityLike, junctionLike, foreign]) schema.set(table.name, table)
    expect(summary(sqlite, schema)).toEqual(['dropColumn topic.old_name destructive', 'dropJunction old_thing_tags destructive', 'dropTable old_thing destructive'])
    const drops = diffSchema(registry, schema, sqlite)
    expect(drops.map((d) => d.sql)).toEqual([['ALTER TABLE "topic" DROP COLUMN "old_name"'], ['DROP TABLE "old_thing_tags"'], ['DROP TABLE "old_thing"']])
  })

  it('drops an indexed or foreign-key column on SQLite by a rebuild that keeps the other indexes', () => {
    const schema = replaceTable(bootedSchema(sqlite), 'topic', (table) => ({
      columns: [...table.columns, { name: 'owner_id', type: 'integer', nullable: true, primaryKey: false }],
      foreignKeys: [{ column: 'owner_id', refTable: 'plain', refColumn: 'id' }],
      indexes: [{ name: 'topic_label_idx', columns: ['name'], unique: false, partial: false, constraint: false, sql: 'CREATE INDEX "topic_label_idx" ON "topic" ("name")' }],
    }))
    const [drop] = diffSchema(registry, schema, sqlite)
    expect(drop?.kind).toBe('dropColumn')
    expect(drop?.sql).toContain('CREATE INDEX "topic_label_idx" ON "topic" ("name")')
    expect(drop?.sql.find((statement) => statement.startsWith('CREATE TABLE'))).not.toContain('owner_id')
    expect(drop?.sql).toContain(`UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'topic'), 0)) WHERE name = 'topic_veil_rebuild'`)
  })
})

describe('typeFit and the shape of veil-orm tables', () => {
  it('tells same, wider and incompatible types apart per dialect', () => {
    expect(typeFit('sqlite', 'integer', 'integer', 'integer')).toBe('same')
    expect(typeFit('sqlite', 'integer', 'real', 'integer')).toBe('wider')
    expect(typeFit('sqlite', 'real', 'integer', 'real')).toBe('incompatible')
    expect(typeFit('sqlite', 'text', 'integer', 'text')).toBe('incompatible')
    expect(typeFit('postgres', 'text', 'character varying(40)', 'text')).toBe('wider')
    expect(typeFit('postgres', 'integer', 'bigint', 'integer')).toBe('incompatible')
    expect(typeFit('postgres', 'timestamp with time zone', 'text', 'date')).toBe('incompatible')
    // SQLite judges other tools' type names by affinity
    expect(typeFit('sqlite', 'integer', 'datetime', 'date')).toBe('wider')
    expect(typeFit('sqlite', 'integer', 'timestamp', 'date')).toBe('wider')
    expect(typeFit('sqlite', 'integer', 'text', 'date')).toBe('incompatible')
    expect(typeFit('sqlite', 'text', 'varchar(20)', 'text')).toBe('wider')
    expect(typeFit('sqlite', 'integer', 'real', 'bigint')).toBe('incompatible')
  })

  it('recognizes entity tables by id, created_at and updated_at, junctions by two key columns named after the owner', () => {
    const columns = (names: string[], pk: (name: string) => boolean) => names.map((name) => ({ name, type: 'integer', nullable: false, primaryKey: pk(name) }))
    expect(looksLikeEntityTable({ name: 'a', columns: columns(['id', 'created_at', 'updated_at'], (n) => n === 'id'), indexes: [], foreignKeys: [] })).toBe(true)
    expect(looksLikeEntityTable({ name: 'a', columns: columns(['id', 'created_at'], (n) => n === 'id'), indexes: [], foreignKeys: [] })).toBe(false)
    const keys = [
      { column: 'post_id', refTable: 'post', refColumn: 'id' },
      { column: 'tag_id', refTable: 'tag', refColumn: 'id' },
    ]
    expect(looksLikeJunction({ name: 'post_tags', columns: columns(['post_id', 'tag_id'], () => true), indexes: [], foreignKeys: keys })).toBe(true)
    expect(looksLikeJunction({ name: 'mapping', columns: columns(['post_id', 'tag_id'], () => true), indexes: [], foreignKeys: keys })).toBe(false)
    expect(looksLikeJunction({ name: 'post_tags', columns: columns(['post_id', 'tag_id'], () => true), indexes: [], foreignKeys: keys.slice(0, 1) })).toBe(false)
  })
})
