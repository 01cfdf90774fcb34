import { describe, expect, it } from 'vitest'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'
import { Comment, junctionOf, metaOf, Plain, Post, Writer } from './sql-model.js'

const sqlite = new SqliteDialect()
const postgres = new PostgresDialect()

describe('CREATE TABLE', () => {
  it('declares STRICT tables with inline references on SQLite', () => {
    expect(sqlite.createTableSql(metaOf(Post))).toBe(
      'CREATE TABLE IF NOT EXISTS "posts" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "created_at" INTEGER NOT NULL, "updated_at" INTEGER NOT NULL, ' +
        '"deleted_at" INTEGER, "title" TEXT NOT NULL, "version" INTEGER NOT NULL, "subtitle" TEXT, ' +
        '"writer_id" INTEGER NOT NULL REFERENCES "writer" ("id") ON DELETE RESTRICT, "editor_id" INTEGER REFERENCES "writer" ("id") ON DELETE SET NULL) STRICT',
    )
    expect(sqlite.createTableSql(metaOf(Comment))).toBe(
      'CREATE TABLE IF NOT EXISTS "comment" ("id" TEXT PRIMARY KEY NOT NULL, "created_at" INTEGER NOT NULL, "updated_at" INTEGER NOT NULL, ' +
        '"deleted_at" INTEGER, "body" TEXT NOT NULL, "post_id" INTEGER NOT NULL REFERENCES "posts" ("id") ON DELETE RESTRICT) STRICT',
    )
    expect(sqlite.createTableSql(metaOf(Plain))).toBe(
      'CREATE TABLE IF NOT EXISTS "plain" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "created_at" INTEGER NOT NULL, "updated_at" INTEGER NOT NULL, ' +
        '"rank" INTEGER NOT NULL, "code" TEXT NOT NULL, "flag" INTEGER CHECK ("flag" IN (0, 1))) STRICT',
    )
    expect(sqlite.foreignKeysSql()).toEqual([])
  })

  it('declares identity ids and adds foreign keys after every table on PostgreSQL', () => {
    const posts = metaOf(Post)
    expect(postgres.createTableSql(posts)).toBe(
      'CREATE TABLE IF NOT EXISTS "posts" ("id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "created_at" timestamptz NOT NULL, ' +
        '"updated_at" timestamptz NOT NULL, "deleted_at" timestamptz, "title" text NOT NULL, "version" integer NOT NULL, "subtitle" text, ' +
        '"writer_id" integer NOT NULL, "editor_id" integer)',
    )
    expect(postgres.foreignKeysSql(posts)).toEqual([
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_writer_id_fkey" FOREIGN KEY ("writer_id") REFERENCES "writer" ("id") ON DELETE RESTRICT',
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_editor_id_fkey" FOREIGN KEY ("editor_id") REFERENCES "writer" ("id") ON DELETE SET NULL',
    ])
    expect(postgres.createTableSql(metaOf(Comment))).toBe(
      'CREATE TABLE IF NOT EXISTS "comment" ("id" uuid PRIMARY KEY, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, ' +
        '"deleted_at" timestamptz, "body" text NOT NULL, "post_id" integer NOT NULL)',
    )
  })

  it('adds columns as nullable, with their reference', () => {
    const posts = metaOf(Post)
    const writerId = posts.columns.find((column) => column.name === 'writer_id')!
    const plain = metaOf(Plain)
    const flag = plain.columns.find((column) => column.name === 'flag')!
    expect(sqlite.addColumnSql(posts, writerId)).toBe('ALTER TABLE "posts" ADD COLUMN "writer_id" INTEGER REFERENCES "writer" ("id") ON DELETE RESTRICT')
    expect(sqlite.addColumnSql(plain, flag)).toBe('ALTER TABLE "plain" ADD COLUMN "flag" INTEGER CHECK ("flag" IN (0, 1))')
    expect(postgres.addColumnSql(posts, writerId)).toBe(
      'ALTER TABLE "posts" ADD COLUMN IF NOT EXISTS "writer_id" integer REFERENCES "writer" ("id") ON DELETE RESTRICT',
    )
    expect(postgres.addColumnSql(plain, flag)).toBe('ALTER TABLE "plain" ADD COLUMN IF NOT EXISTS "flag" boolean')
  })

  it('creates junction tables whose pairs cascade with either side', () => {
    const body =
      '"posts_id" {int} NOT NULL REFERENCES "posts" ("id") ON DELETE CASCADE, "label_id" {int} NOT NULL REFERENCES "label" ("id") ON DELETE CASCADE, ' +
      'PRIMARY KEY ("posts_id", "label_id"))'
    const junction = junctionOf(Post, 'labels')
    expect(sqlite.createJunctionTableSql(junction)).toBe(`CREATE TABLE IF NOT EXISTS "posts_labels" (${body.replace(/\{int\}/g, 'INTEGER')} STRICT, WITHOUT ROWID`)
    expect(postgres.createJunctionTableSql(junction)).toBe(`CREATE TABLE IF NOT EXISTS "posts_labels" (${body.replace(/\{int\}/g, 'integer')}`)
  })
})

describe('indexes', () => {
  it('makes a unique column of a soft-deletable class unique among live rows only', () => {
    const writer = metaOf(Writer)
    const handle = writer.columns.find((column) => column.unique)!
    const partial = 'CREATE UNIQUE INDEX IF NOT EXISTS "writer_handle_key" ON "writer" ("handle") WHERE "deleted_at" IS NULL'
    expect(sqlite.createUniqueIndexSql(writer, handle)).toBe(partial)
    expect(postgres.createUniqueIndexSql(writer, handle)).toBe(partial)
  })

  it('makes a unique column of a plain class unique among all rows', () => {
    const plain = metaOf(Plain)
    const code = plain.columns.find((column) => column.unique)!
    const index = 'CREATE UNIQUE INDEX IF NOT EXISTS "plain_code_key" ON "plain" ("code")'
    expect(sqlite.createUniqueIndexSql(plain, code)).toBe(index)
    expect(postgres.createUniqueIndexSql(plain, code)).toBe(index)
  })

  it('creates lookup indexes', () => {
    const index = 'CREATE INDEX IF NOT EXISTS "posts_writer_id_idx" ON "posts" ("writer_id")'
    expect(sqlite.createIndexSql('posts', 'posts_writer_id_idx', 'writer_id')).toBe(index)
    expect(postgres.createIndexSql('posts', 'posts_writer_id_idx', 'writer_id')).toBe(index)
  })
})
