import { describe, expect, it } from 'vitest'
import { sql } from '../../lib/index.js'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'
import { Comment, junctionOf, Label, metaOf, Plain, Post } from './sql-model.js'
import type { CompiledQuery } from '../../lib/query/param-list.js'

const compilers = { sqlite: new QueryCompiler(new SqliteDialect(), () => undefined), postgres: new QueryCompiler(new PostgresDialect(), () => undefined) }

/** Asserts the statement each dialect compiles. */
function testSql(build: (compiler: QueryCompiler) => CompiledQuery, expected: { sqlite: CompiledQuery; postgres: CompiledQuery }): void {
  expect(build(compilers.sqlite)).toEqual(expected.sqlite)
  expect(build(compilers.postgres)).toEqual(expected.postgres)
}

/** The same statement on both dialects: `?` placeholders on SQLite, `$n` on PostgreSQL. */
function both(text: string, params: unknown[] = []): { sqlite: CompiledQuery; postgres: CompiledQuery } {
  let n = 0
  return { sqlite: { text, params }, postgres: { text: text.replace(/\?/g, () => `$${++n}`), params } }
}

const post = metaOf(Post)
const POST_COLUMNS = '"id", "created_at", "updated_at", "deleted_at", "title", "version", "subtitle", "writer_id", "editor_id"'
const LABEL_COLUMNS = '"id", "created_at", "updated_at", "deleted_at", "name"'

describe('select statements', () => {
  it('hides soft-deleted rows before the where conditions', () => {
    testSql(
      (c) => c.select(post, { where: { title: 'a', subtitle: null } }),
      both(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND "title" = ? AND "subtitle" IS NULL ORDER BY "id" ASC`, ['a']),
    )
  })

  it('sees every row with withDeleted and only hidden rows with onlyDeleted', () => {
    testSql((c) => c.select(post, { withDeleted: true }), both(`SELECT ${POST_COLUMNS} FROM "posts" ORDER BY "id" ASC`))
    testSql((c) => c.select(post, { onlyDeleted: true }), both(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NOT NULL ORDER BY "id" ASC`))
  })

  it('matches a to-one relation through a subquery on its live rows, or on all rows with withDeleted', () => {
    testSql(
      (c) => c.select(post, { where: { writer: { handle: 'ann' } } }),
      both(
        `SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND "writer_id" IN ` +
          '(SELECT "id" FROM "writer" WHERE "deleted_at" IS NULL AND "handle" = ?) ORDER BY "id" ASC',
        ['ann'],
      ),
    )
    testSql(
      (c) => c.select(post, { where: { writer: { handle: 'ann', withDeleted: true } } }),
      both(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND "writer_id" IN (SELECT "id" FROM "writer" WHERE "handle" = ?) ORDER BY "id" ASC`, [
        'ann',
      ]),
    )
  })

  it('matches a to-many relation through its junction, by nested where or by ids', () => {
    testSql(
      (c) => c.select(post, { where: { labels: { name: 'x' } } }),
      both(
        `SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND "id" IN (SELECT "posts_id" FROM "posts_labels" WHERE ` +
          '"label_id" IN (SELECT "id" FROM "label" WHERE "deleted_at" IS NULL AND "name" = ?)) ORDER BY "id" ASC',
        ['x'],
      ),
    )
    const byIds = `SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND "id" IN (SELECT "posts_id" FROM "posts_labels" WHERE `
    testSql((c) => c.select(post, { where: { labels: [1, 2] } }), {
      sqlite: { text: `${byIds}"label_id" IN (SELECT value FROM json_each(?))) ORDER BY "id" ASC`, params: ['[1,2]'] },
      postgres: { text: `${byIds}"label_id" = ANY($1::int4[])) ORDER BY "id" ASC`, params: [[1, 2]] },
    })
  })

  it('matches an inverse view of a to-one through the source table', () => {
    testSql(
      (c) => c.select(post, { where: { comments: { body: sql`LIKE ${'%a'}` } } }),
      both(
        `SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND "id" IN (SELECT "post_id" FROM "comment" WHERE ` +
          '"id" IN (SELECT "id" FROM "comment" WHERE "deleted_at" IS NULL AND "body" LIKE ?)) ORDER BY "id" ASC',
        ['%a'],
      ),
    )
    testSql(
      (c) => c.select(post, { where: { comments: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' } }),
      both(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND "id" IN (SELECT "post_id" FROM "comment" WHERE "id" = ?) ORDER BY "id" ASC`, [
        'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa',
      ]),
    )
  })

  it('matches an inverse view of a to-many through the junction, the other way round', () => {
    const label = metaOf(Label)
    testSql(
      (c) => c.select(label, { where: { posts: { title: 'x' } } }),
      both(
        `SELECT ${LABEL_COLUMNS} FROM "label" WHERE "deleted_at" IS NULL AND "id" IN (SELECT "label_id" FROM "posts_labels" WHERE ` +
          '"posts_id" IN (SELECT "id" FROM "posts" WHERE "deleted_at" IS NULL AND "title" = ?)) ORDER BY "id" ASC',
        ['x'],
      ),
    )
    const byIds = `SELECT ${LABEL_COLUMNS} FROM "label" WHERE "deleted_at" IS NULL AND "id" IN (SELECT "label_id" FROM "posts_labels" WHERE `
    testSql((c) => c.select(label, { where: { posts: [4] } }), {
      sqlite: { text: `${byIds}"posts_id" IN (SELECT value FROM json_each(?))) ORDER BY "id" ASC`, params: ['[4]'] },
      postgres: { text: `${byIds}"posts_id" = ANY($1::int4[])) ORDER BY "id" ASC`, params: [[4]] },
    })
  })

  it('orders nullable columns with NULL last ascending, breaks ties by id and binds limit and offset', () => {
    const text = `SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL ORDER BY "subtitle" ASC NULLS LAST, "title" DESC, "id" ASC`
    testSql((c) => c.select(post, { orderBy: { subtitle: 'asc', title: 'desc' }, limit: 5, offset: 10 }), {
      sqlite: { text: `${text} LIMIT ? OFFSET ?`, params: [5, 10] },
      postgres: { text: `${text} LIMIT $1 OFFSET $2`, params: [5, 10] },
    })
  })

  it('selects by id among live or hidden rows', () => {
    testSql((c) => c.selectById(post, 3), both(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "id" = ? AND "deleted_at" IS NULL`, [3]))
    testSql((c) => c.selectById(post, 3, 'deleted'), both(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "id" = ? AND "deleted_at" IS NOT NULL`, [3]))
    testSql((c) => c.selectById(metaOf(Plain), 3, 'live'), both(`SELECT "id", "created_at", "updated_at", "rank", "code", "flag" FROM "plain" WHERE "id" = ?`, [3]))
  })

  it('loads a relation by the ids of its rows, ordered by id', () => {
    const comment = metaOf(Comment)
    const text = 'SELECT "id", "created_at", "updated_at", "deleted_at", "body", "post_id" FROM "comment" WHERE '
    testSql((c) => c.selectWhereIn(comment, comment.byProperty.get('post')!, [1, 2], 'live'), {
      sqlite: { text: `${text}"post_id" IN (SELECT value FROM json_each(?)) AND "deleted_at" IS NULL ORDER BY "id"`, params: ['[1,2]'] },
      postgres: { text: `${text}"post_id" = ANY($1::int4[]) AND "deleted_at" IS NULL ORDER BY "id"`, params: [[1, 2]] },
    })
  })

  it('loads a collection through its junction, from either side', () => {
    const labels = junctionOf(Post, 'labels')
    const owner =
      'SELECT r."id", r."created_at", r."updated_at", r."deleted_at", r."name", j."posts_id" FROM "posts_labels" AS j ' +
      'JOIN "label" AS r ON r."id" = j."label_id" WHERE '
    testSql((c) => c.selectThroughJunction(metaOf(Label), labels, 'owner', [1, 2], 'live'), {
      sqlite: { text: `${owner}j."posts_id" IN (SELECT value FROM json_each(?)) AND r."deleted_at" IS NULL ORDER BY j."posts_id", r."id"`, params: ['[1,2]'] },
      postgres: { text: `${owner}j."posts_id" = ANY($1::int4[]) AND r."deleted_at" IS NULL ORDER BY j."posts_id", r."id"`, params: [[1, 2]] },
    })
    const target =
      'SELECT r."id", r."created_at", r."updated_at", r."deleted_at", r."title", r."version", r."subtitle", r."writer_id", r."editor_id", ' +
      'j."label_id" FROM "posts_labels" AS j JOIN "posts" AS r ON r."id" = j."posts_id" WHERE '
    testSql((c) => c.selectThroughJunction(post, labels, 'target', [1, 2], 'all'), {
      sqlite: { text: `${target}j."label_id" IN (SELECT value FROM json_each(?)) ORDER BY j."label_id", r."id"`, params: ['[1,2]'] },
      postgres: { text: `${target}j."label_id" = ANY($1::int4[]) ORDER BY j."label_id", r."id"`, params: [[1, 2]] },
    })
  })
})

describe('count statements', () => {
  it('counts live rows by default and hidden rows on request', () => {
    testSql((c) => c.count(post, { title: 'a' }), both('SELECT COUNT(*) FROM "posts" WHERE "deleted_at" IS NULL AND "title" = ?', ['a']))
    testSql((c) => c.count(post, undefined, 'deleted'), both('SELECT COUNT(*) FROM "posts" WHERE "deleted_at" IS NOT NULL'))
    testSql((c) => c.count(post, undefined, 'all'), both('SELECT COUNT(*) FROM "posts"'))
  })

  it('encodes booleans per dialect', () => {
    testSql((c) => c.count(metaOf(Plain), { flag: true }), {
      sqlite: { text: 'SELECT COUNT(*) FROM "plain" WHERE "flag" = ?', params: [1] },
      postgres: { text: 'SELECT COUNT(*) FROM "plain" WHERE "flag" = $1', params: [true] },
    })
  })
})
