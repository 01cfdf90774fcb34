import { describe, expect, it } from 'vitest'
import { PendingId, resolvePendingIds, type InsertOp, type LinkOp, type UpdateOp, type WriteResult } from '../../lib/dialect/dialect.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { SqliteWriteCompiler } from '../../lib/dialect/sqlite/sqlite-write-compiler.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'
import { PostgresWriteCompiler } from '../../lib/dialect/postgres/postgres-write-compiler.js'
import type { ColumnMetadata, EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { Comment, junctionOf, metaOf, Plain, Post, Writer } from './sql-model.js'

const sqlite = new SqliteWriteCompiler(new SqliteDialect())
const postgres = new PostgresWriteCompiler(new PostgresDialect())

const writer = metaOf(Writer)
const post = metaOf(Post)
const columnsOf = (meta: EntityMetadata, ...names: string[]): ColumnMetadata[] => names.map((name) => meta.columns.find((column) => column.name === name)!)

const insert = (meta: EntityMetadata, rows: unknown[][], columns = meta.insertColumns): InsertOp => ({ kind: 'insert', meta, columns, rows, hasPendingIds: false })
const update = (meta: EntityMetadata, columns: ColumnMetadata[], rows: unknown[][], extra: Partial<UpdateOp> = {}): UpdateOp => ({
  kind: 'update',
  meta,
  columns,
  rows,
  hasPendingIds: false,
  ...extra,
})
const link = (kind: LinkOp['kind'], owner: object, property: string, rows: unknown[][]): LinkOp => ({ kind, junction: junctionOf(owner, property), rows, hasPendingIds: false })

const WRITER_COLUMNS = '"created_at", "updated_at", "deleted_at", "handle"'
const WRITER_TYPES = '$1::timestamptz[], $2::timestamptz[], $3::timestamptz[], $4::text[]'
const HIDDEN_WRITERS = '(SELECT "id" FROM "writer" WHERE "deleted_at" IS NOT NULL)'
const HIDDEN_LABELS = '(SELECT "id" FROM "label" WHERE "deleted_at" IS NOT NULL)'

describe('insert statements', () => {
  it('inserts a few rows one by one on SQLite, the ids read from the last insert rowid', () => {
    const rows = [['c', 1, null, 'ann'], ['c', 1, null, 'bob']]
    expect(sqlite.compile(insert(writer, rows))).toEqual({
      kind: 'insert',
      table: 'writer',
      rows,
      chunk: 64,
      chunked: 0,
      manyText: '',
      manyReturningText: '',
      consecutiveIdsText: '',
      oneText: `INSERT INTO "writer" (${WRITER_COLUMNS}) VALUES (?, ?, ?, ?)`,
      returnsIds: true,
      bigintIds: false,
    })
  })

  it('inserts full chunks of 64 rows with one statement on SQLite, the rest one by one, with a check that the ids of a chunk are consecutive', () => {
    const rows = Array.from({ length: 66 }, (_, i) => ['c', i, null, `w${i}`])
    const statement = sqlite.compile(insert(writer, rows))
    expect(statement).toMatchObject({ kind: 'insert', chunk: 64, chunked: 64, oneText: `INSERT INTO "writer" (${WRITER_COLUMNS}) VALUES (?, ?, ?, ?)` })
    const many = `INSERT INTO "writer" (${WRITER_COLUMNS}) VALUES ${new Array(64).fill('(?, ?, ?, ?)').join(', ')}`
    expect(statement).toMatchObject({
      manyText: many,
      manyReturningText: `${many} RETURNING "id"`,
      consecutiveIdsText:
        "SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?) " +
        'AND COALESCE((SELECT max(rowid) FROM "writer"), 0) <= 9223372036854775743',
    })
  })

  it('inserts every row with one unnest() statement on PostgreSQL, the write\'s timestamps bound once, returning generated ids', () => {
    expect(postgres.compile(insert(writer, [['c', 'c', null, 'ann'], ['c', 'c', null, 'bob']]))).toEqual({
      text:
        `INSERT INTO "writer" (${WRITER_COLUMNS}) SELECT $1::timestamptz, $2::timestamptz, v.c0, v.c1 ` +
        'FROM unnest($3::timestamptz[], $4::text[]) AS v(c0, c1) RETURNING "id"',
      params: ['c', 'c', [null, null], ['ann', 'bob']],
      rowMode: 'array',
      result: 'ids',
      idType: 'integer',
      idCell: 0,
    })
  })

  it('binds every column as an array on PostgreSQL when a class has no other columns than its timestamps', () => {
    const columns = columnsOf(writer, 'created_at', 'updated_at')
    expect(postgres.compile(insert(writer, [['c', 'c'], ['c', 'c']], columns))).toMatchObject({
      text: 'INSERT INTO "writer" ("created_at", "updated_at") SELECT v.c0, v.c1 FROM unnest($1::timestamptz[], $2::timestamptz[]) AS v(c0, c1) RETURNING "id"',
      params: [['c', 'c'], ['c', 'c']],
    })
  })

  it('returns no ids for classes whose ids are not generated', () => {
    const comment = metaOf(Comment)
    const row = ['aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'c', 'u', null, 'hi', 7]
    expect(sqlite.compile(insert(comment, [row]))).toMatchObject({
      oneText: 'INSERT INTO "comment" ("id", "created_at", "updated_at", "deleted_at", "body", "post_id") VALUES (?, ?, ?, ?, ?, ?)',
      returnsIds: false,
    })
    expect(postgres.compile(insert(comment, [row]))).toMatchObject({
      text:
        'INSERT INTO "comment" ("id", "created_at", "updated_at", "deleted_at", "body", "post_id") SELECT v.c0, $2::timestamptz, $3::timestamptz, v.c1, v.c2, v.c3 FROM ' +
        'unnest($1::uuid[], $4::timestamptz[], $5::text[], $6::int4[]) AS v(c0, c1, c2, c3)',
      result: 'none',
    })
  })

  it('binds the ids an earlier insert of the same write generated in place of pending ids', () => {
    const columns = columnsOf(post, 'title', 'version', 'writer_id')
    const op: InsertOp = { kind: 'insert', meta: post, columns, rows: [['a', 1, new PendingId(0, 1, 'integer')]], hasPendingIds: true }
    const results: WriteResult = [[41, 42]]
    resolvePendingIds(op, results, new PostgresDialect())
    expect(postgres.compile(op)).toMatchObject({
      text: 'INSERT INTO "posts" ("title", "version", "writer_id") SELECT v.c0, $2::int4, v.c1 FROM unnest($1::text[], $3::int4[]) AS v(c0, c1) RETURNING "id"',
      params: [['a'], 1, [42]],
    })
  })
})

describe('update statements', () => {
  const restore = (rows: unknown[][]): UpdateOp => update(post, columnsOf(post, 'title', 'writer_id'), rows, { check: post.versionColumn, underLiveParents: true })
  const guard = (reference: string): string => `AND COALESCE("version", 0) = ? AND ${reference} NOT IN ${HIDDEN_WRITERS}`

  it('checks the version and that a reassigned parent is live, binding the new parent again on SQLite', () => {
    expect(sqlite.compile(restore([['t', 5, 7, 3]]))).toEqual({
      kind: 'eachRow',
      text: `UPDATE "posts" SET "title" = ?, "writer_id" = ? WHERE "id" = ? ${guard('?')}`,
      rows: [['t', 5, 7, 3]],
      rebound: [1],
      mustHit: true,
    })
  })

  it('checks one row by its row count and a batch by the ids it returns on PostgreSQL', () => {
    expect(postgres.compile(restore([['t', 5, 7, 3]]))).toEqual({
      text: `UPDATE "posts" SET "title" = $1, "writer_id" = $2 WHERE "id" = $3 AND COALESCE("version", 0) = $4 AND $2 NOT IN ${HIDDEN_WRITERS}`,
      params: ['t', 5, 7, 3],
      rowMode: undefined,
      result: 'hitOne',
      idType: 'integer',
      idCell: 2,
    })
    expect(postgres.compile(restore([['t', 5, 7, 3], ['u', 6, 8, 4]]))).toEqual({
      text:
        'UPDATE "posts" AS t SET "title" = v.c0, "writer_id" = v.c1 FROM unnest($1::text[], $2::int4[], $3::int4[], $4::int4[]) AS v(c0, c1, id, chk) ' +
        `WHERE t."id" = v.id AND COALESCE(t."version", 0) = v.chk AND v.c1 NOT IN ${HIDDEN_WRITERS} RETURNING t."id"`,
      params: [['t', 'u'], [5, 6], [7, 8], [3, 4]],
      rowMode: 'array',
      result: 'hitIds',
      idType: 'integer',
      idCell: 2,
    })
  })

  it('binds the write\'s updated_at once for a batch on PostgreSQL, the changed values and the versions as arrays', () => {
    const op = update(post, columnsOf(post, 'title', 'updated_at', 'version'), [['t', 'now', 4, 7, 3], ['u', 'now', 5, 8, 4]], { check: post.versionColumn })
    expect(postgres.compile(op)).toMatchObject({
      text:
        'UPDATE "posts" AS t SET "title" = v.c0, "updated_at" = $2::timestamptz, "version" = v.c1 FROM unnest($1::text[], $3::int4[], $4::int4[], $5::int4[]) ' +
        'AS v(c0, c1, id, chk) WHERE t."id" = v.id AND COALESCE(t."version", 0) = v.chk RETURNING t."id"',
      params: [['t', 'u'], 'now', [4, 5], [7, 8], [3, 4]],
    })
  })

  it('only checks the rows when no column changes, setting updated_at to itself', () => {
    const op = update(post, [], [[7, 3], [8, 4]], { check: post.versionColumn })
    expect(sqlite.compile(op)).toMatchObject({ text: 'UPDATE "posts" SET "updated_at" = "updated_at" WHERE "id" = ? AND COALESCE("version", 0) = ?', rebound: [] })
    expect(postgres.compile(op)).toMatchObject({
      text:
        'UPDATE "posts" AS t SET "updated_at" = t."updated_at" FROM unnest($1::int4[], $2::int4[]) AS v(id, chk) ' +
        'WHERE t."id" = v.id AND COALESCE(t."version", 0) = v.chk RETURNING t."id"',
      params: [[7, 8], [3, 4]],
    })
  })

  it('matches by id alone without a version or a restore', () => {
    const op = update(writer, columnsOf(writer, 'handle'), [['x', 1]])
    expect(sqlite.compile(op)).toMatchObject({ text: 'UPDATE "writer" SET "handle" = ? WHERE "id" = ?', rebound: [], mustHit: true })
    expect(postgres.compile(op)).toMatchObject({ text: 'UPDATE "writer" SET "handle" = $1 WHERE "id" = $2', params: ['x', 1], result: 'hitOne' })
  })
})

describe('junction statements', () => {
  it('links pairs, ignoring pairs already linked', () => {
    const rows = [[1, 2], [1, 3]]
    expect(sqlite.compile(link('link', Post, 'labels', rows))).toEqual({
      kind: 'eachRow',
      text: 'INSERT INTO "posts_labels" ("posts_id", "label_id") VALUES (?, ?) ON CONFLICT DO NOTHING',
      rows,
      rebound: [],
      mustHit: false,
    })
    expect(postgres.compile(link('link', Post, 'labels', rows))).toMatchObject({
      text: 'INSERT INTO "posts_labels" ("posts_id", "label_id") SELECT * FROM unnest($1::int4[], $2::int4[]) ON CONFLICT DO NOTHING',
      params: [[1, 1], [2, 3]],
      result: 'none',
    })
  })

  it('unlinks pairs', () => {
    const rows = [[1, 2], [1, 3]]
    expect(sqlite.compile(link('unlink', Post, 'labels', rows))).toMatchObject({ text: 'DELETE FROM "posts_labels" WHERE "posts_id" = ? AND "label_id" = ?' })
    expect(postgres.compile(link('unlink', Post, 'labels', rows))).toMatchObject({
      text: 'DELETE FROM "posts_labels" AS j USING unnest($1::int4[], $2::int4[]) AS v(o, t) WHERE j."posts_id" = v.o AND j."label_id" = v.t',
      params: [[1, 1], [2, 3]],
    })
  })

  it('unlinks every member of an owner but keeps the soft-deleted ones', () => {
    expect(sqlite.compile(link('unlinkAll', Post, 'labels', [[1], [2]]))).toMatchObject({
      text: `DELETE FROM "posts_labels" WHERE "posts_id" = ? AND "label_id" NOT IN ${HIDDEN_LABELS}`,
      rows: [[1], [2]],
    })
    expect(postgres.compile(link('unlinkAll', Post, 'labels', [[1], [2]]))).toMatchObject({
      text: `DELETE FROM "posts_labels" WHERE "posts_id" = ANY($1::int4[]) AND "label_id" NOT IN ${HIDDEN_LABELS}`,
      params: [[1, 2]],
    })
  })

  it('unlinks every member of an owner when no member can be hidden', () => {
    expect(sqlite.compile(link('unlinkAll', Plain, 'topics', [[1]]))).toMatchObject({ text: 'DELETE FROM "plain_topics" WHERE "plain_id" = ?' })
    expect(postgres.compile(link('unlinkAll', Plain, 'topics', [[1], [2]]))).toMatchObject({
      text: 'DELETE FROM "plain_topics" WHERE "plain_id" = ANY($1::int4[])',
      params: [[1, 2]],
    })
  })
})
