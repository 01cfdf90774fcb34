import { describe, expect, it } from 'vitest'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { metaOf, Post } from './sql-model.js'

// The SELECT a SQLite stream runs again after a write paused it: the rows after the last one read, in
// keyset order (PostgreSQL's cursor never reopens, so only SQLite's spelling is pinned).
const compiler = new QueryCompiler(new SqliteDialect(), () => undefined)
const post = metaOf(Post)
const POST_COLUMNS = '"id", "created_at", "updated_at", "deleted_at", "title", "version", "subtitle", "writer_id", "editor_id"'

/** A raw row of Post as the driver returns it: id 7, title 'b', subtitle `subtitle`. */
function lastRow(subtitle: string | null): unknown[] {
  return [7, 1000, 1000, null, 'b', 1, subtitle, 3, null]
}

function afterSql(orderBy: object | undefined, subtitle: string | null): { text: string; params: unknown[] } {
  const { text, params } = compiler.select(post, { orderBy }, lastRow(subtitle))
  return { text: text.replace(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "deleted_at" IS NULL AND `, ''), params }
}

describe('the SELECT a stream reopens after its last row', () => {
  it('continues after the last id in id order', () => {
    expect(afterSql(undefined, null)).toEqual({ text: '("id" > ?) ORDER BY "id" ASC', params: [7] })
  })

  it('compares each orderBy column, then the id, binding the raw values in placeholder order', () => {
    expect(afterSql({ title: 'desc' }, null)).toEqual({
      text: '("title" < ? OR ("title" = ? AND ("id" > ?))) ORDER BY "title" DESC, "id" ASC',
      params: ['b', 'b', 7],
    })
  })

  it('puts NULLs last ascending: after a value come greater values, then NULLs', () => {
    expect(afterSql({ subtitle: 'asc' }, 's')).toEqual({
      text: '("subtitle" > ? OR "subtitle" IS NULL OR ("subtitle" = ? AND ("id" > ?))) ORDER BY "subtitle" ASC NULLS LAST, "id" ASC',
      params: ['s', 's', 7],
    })
    expect(afterSql({ subtitle: 'asc' }, null).text).toBe('("subtitle" IS NULL AND ("id" > ?)) ORDER BY "subtitle" ASC NULLS LAST, "id" ASC')
  })

  it('puts NULLs first descending: after a NULL come the values', () => {
    expect(afterSql({ subtitle: 'desc', id: 'desc' }, null)).toEqual({
      text: '("subtitle" IS NOT NULL OR ("subtitle" IS NULL AND ("id" < ?))) ORDER BY "subtitle" DESC NULLS FIRST, "id" DESC',
      params: [7],
    })
    expect(afterSql({ subtitle: 'desc' }, 's').text).toBe('("subtitle" < ? OR ("subtitle" = ? AND ("id" > ?))) ORDER BY "subtitle" DESC NULLS FIRST, "id" ASC')
  })
})
