import { describe, expect, it } from 'vitest'
import { Column, Entity, Relation, SoftDel, SoftDelUuid, ValidationError } from '../../lib/index.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { analyzeRelations } from '../../lib/graph/dependents-graph.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { parentsThatMustBeLive } from '../../lib/soft-delete/visibility.js'
import { DeleteCompiler } from '../../lib/query/delete-compiler.js'
import { LookupCompiler } from '../../lib/query/lookup-compiler.js'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { SoftDeleteCompiler } from '../../lib/query/soft-delete-compiler.js'
import type { CompiledQuery } from '../../lib/query/param-list.js'

// The statements of the explicit write operations, pinned per dialect without a database: a person writes
// posts (labelled), posts get comments, a person keeps plain notes.

class Person extends SoftDel {
  @Column({ unique: true }) username: string
  @Column({ version: true }) version: number
}

class Label extends Entity {
  @Column() name: string
}

class Post extends SoftDel {
  @Column() title: string
  @Relation(() => Person) author: Person
  @Relation(() => Person, { nullable: true }) editor?: Person
  @Relation(() => Label) labels: Label[]
}

class Comment extends SoftDel {
  @Column() text: string
  @Relation(() => Post) post: Post
}

class Note extends Entity {
  @Column() text: string
  @Relation(() => Person) owner: Person
  @Relation(() => Label) labels: Label[]
}

const registry = buildMetadata([Person, Label, Post, Comment, Note], { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
const graph = analyzeRelations(registry)
const [person, label, post, comment, note] = [Person, Label, Post, Comment, Note].map((ctor) => registry.forClass(ctor) as EntityMetadata) as [
  EntityMetadata,
  EntityMetadata,
  EntityMetadata,
  EntityMetadata,
  EntityMetadata,
]

/** What a where may name: a Post instance without an id yet (not a plain object, which is a nested where). */
const unsavedPost = new (class UnsavedPost {})()
const instanceId = (value: unknown): { id: unknown; meta: EntityMetadata } | undefined => (value === unsavedPost ? { id: undefined, meta: post } : undefined)
const sqliteQuery = new QueryCompiler(new SqliteDialect(), instanceId)
const postgresQuery = new QueryCompiler(new PostgresDialect(), instanceId)
const compilers = {
  sqlite: { delete: new DeleteCompiler(sqliteQuery), softDelete: new SoftDeleteCompiler(sqliteQuery), lookup: new LookupCompiler(sqliteQuery.dialect) },
  postgres: { delete: new DeleteCompiler(postgresQuery), softDelete: new SoftDeleteCompiler(postgresQuery), lookup: new LookupCompiler(postgresQuery.dialect) },
}
type Compilers = (typeof compilers)['sqlite']

/** Compiles the statement with each dialect and compares text and params with what that dialect must send. */
function expectSql(build: (compiler: Compilers) => CompiledQuery, expected: { sqlite: CompiledQuery; postgres: CompiledQuery }): void {
  expect(build(compilers.sqlite)).toEqual(expected.sqlite)
  expect(build(compilers.postgres)).toEqual(expected.postgres)
}

/** The relations through which rows of `owner` depend on rows of `meta`. */
function dependencies(meta: EntityMetadata, owner: EntityMetadata) {
  return graph.dependencyRelations(meta).get(owner) ?? []
}

const stamp = new Date('2020-01-02T03:04:05.677Z')
const sqliteIds = 'IN (SELECT value FROM json_each(?))'
const postColumns = '"id", "created_at", "updated_at", "deleted_at", "title", "author_id", "editor_id"'

describe('guarded delete statements', () => {
  it('deletes rows by id with the ids bound as one list', () => {
    expectSql((c) => c.delete.deleteByIds(person, [1, 2]), {
      sqlite: { text: `DELETE FROM "person" WHERE "id" ${sqliteIds}`, params: ['[1,2]'] },
      postgres: { text: 'DELETE FROM "person" WHERE "id" = ANY($1::int4[])', params: [[1, 2]] },
    })
  })

  it('selects the ids a bulk delete matches, in id order', () => {
    expectSql((c) => c.delete.selectIdsWhere(person, { username: 'bob' }), {
      sqlite: { text: 'SELECT "id" FROM "person" WHERE "username" = ? ORDER BY "id"', params: ['bob'] },
      postgres: { text: 'SELECT "id" FROM "person" WHERE "username" = $1 ORDER BY "id"', params: ['bob'] },
    })
    expectSql((c) => c.delete.selectIdsWhere(person, {}), {
      sqlite: { text: 'SELECT "id" FROM "person" ORDER BY "id"', params: [] },
      postgres: { text: 'SELECT "id" FROM "person" ORDER BY "id"', params: [] },
    })
  })

  it('refuses a bulk where that names an instance without an id', () => {
    expect(() => compilers.sqlite.delete.selectIdsWhere(comment, { post: unsavedPost })).toThrow(ValidationError)
    expect(() => compilers.postgres.delete.selectIdsWhere(comment, { post: unsavedPost })).toThrow(
      'The where of Comment.delete() names an instance that is not saved yet.',
    )
  })

  it('counts dependents per relation with SUM(CASE ...), binding the ids once per use', () => {
    expectSql((c) => c.delete.countDependents(post, dependencies(person, post), [1]), {
      sqlite: {
        text: `SELECT SUM(CASE WHEN "author_id" ${sqliteIds} THEN 1 ELSE 0 END) FROM "post" WHERE "author_id" ${sqliteIds}`,
        params: ['[1]', '[1]'],
      },
      postgres: {
        text: 'SELECT SUM(CASE WHEN "author_id" = ANY($1::int4[]) THEN 1 ELSE 0 END) FROM "post" WHERE "author_id" = ANY($2::int4[])',
        params: [[1], [1]],
      },
    })
  })

  it('collects dependents with every column, in id order, up to a limit', () => {
    expectSql((c) => c.delete.selectReferencing(post, dependencies(person, post), [1], 100, 'all'), {
      sqlite: { text: `SELECT ${postColumns} FROM "post" WHERE ("author_id" ${sqliteIds}) ORDER BY "id" LIMIT 100`, params: ['[1]'] },
      postgres: { text: `SELECT ${postColumns} FROM "post" WHERE ("author_id" = ANY($1::int4[])) ORDER BY "id" LIMIT 100`, params: [[1]] },
    })
  })

  it('collects live dependents only when asked, and plain classes whatever asked', () => {
    expectSql((c) => c.delete.selectReferencing(post, dependencies(person, post), [1], undefined, 'live'), {
      sqlite: { text: `SELECT ${postColumns} FROM "post" WHERE ("author_id" ${sqliteIds}) AND "deleted_at" IS NULL ORDER BY "id"`, params: ['[1]'] },
      postgres: { text: `SELECT ${postColumns} FROM "post" WHERE ("author_id" = ANY($1::int4[])) AND "deleted_at" IS NULL ORDER BY "id"`, params: [[1]] },
    })
    expect(compilers.postgres.delete.selectReferencing(note, dependencies(person, note), [1], undefined, 'live').text).toBe(
      'SELECT "id", "created_at", "updated_at", "text", "owner_id" FROM "note" WHERE ("owner_id" = ANY($1::int4[])) ORDER BY "id"',
    )
  })

  it('collects referencers through a junction table', () => {
    const relations = graph.referenceRelations(label).get(post) ?? []
    expectSql((c) => c.delete.selectReferencing(post, relations, [1], undefined, 'all'), {
      sqlite: { text: `SELECT ${postColumns} FROM "post" WHERE ("id" IN (SELECT "post_id" FROM "post_labels" WHERE "label_id" ${sqliteIds})) ORDER BY "id"`, params: ['[1]'] },
      postgres: {
        text: `SELECT ${postColumns} FROM "post" WHERE ("id" IN (SELECT "post_id" FROM "post_labels" WHERE "label_id" = ANY($1::int4[]))) ORDER BY "id"`,
        params: [[1]],
      },
    })
  })
})

describe('soft delete statements', () => {
  it("soft-deletes an instance's row at its loaded version, incrementing the version", () => {
    expectSql((c) => c.softDelete.updateRow(person, 'softDelete', 1, 3, stamp), {
      sqlite: {
        text:
          'UPDATE "person" SET "deleted_at" = ?, "version" = COALESCE("version", 0) + 1 ' +
          `WHERE ("id" ${sqliteIds} AND COALESCE("version", 0) = ?) AND "deleted_at" IS NULL RETURNING "id", "version"`,
        params: [stamp.getTime(), '[1]', 3],
      },
      postgres: {
        text:
          'UPDATE "person" SET "deleted_at" = $1, "version" = COALESCE("version", 0) + 1 ' +
          'WHERE ("id" = ANY($2::int4[]) AND COALESCE("version", 0) = $3) AND "deleted_at" IS NULL RETURNING "id", "version"',
        params: [stamp.toISOString(), [1], 3],
      },
    })
  })

  it("restores an instance's row only while it is soft-deleted", () => {
    expectSql((c) => c.softDelete.updateRow(comment, 'restore', 7, undefined, undefined), {
      sqlite: { text: `UPDATE "comment" SET "deleted_at" = NULL WHERE ("id" ${sqliteIds}) AND "deleted_at" IS NOT NULL RETURNING "id"`, params: ['[7]'] },
      postgres: { text: 'UPDATE "comment" SET "deleted_at" = NULL WHERE ("id" = ANY($1::int4[])) AND "deleted_at" IS NOT NULL RETURNING "id"', params: [[7]] },
    })
  })

  it('soft-deletes the live rows a bulk where matches', () => {
    expectSql((c) => c.softDelete.updateWhere(post, 'softDelete', { title: 'p1' }, stamp), {
      sqlite: { text: 'UPDATE "post" SET "deleted_at" = ? WHERE ("title" = ?) AND "deleted_at" IS NULL RETURNING "id"', params: [stamp.getTime(), 'p1'] },
      postgres: { text: 'UPDATE "post" SET "deleted_at" = $1 WHERE ("title" = $2) AND "deleted_at" IS NULL RETURNING "id"', params: [stamp.toISOString(), 'p1'] },
    })
    expect(() => compilers.sqlite.softDelete.updateWhere(comment, 'restore', { post: unsavedPost }, undefined)).toThrow(
      'The where of Comment.restore() names an instance that is not saved yet.',
    )
  })

  it('restores the rows a bulk where matches unless a required parent stays soft-deleted', () => {
    const guard = '"author_id" NOT IN (SELECT "id" FROM "person" WHERE "deleted_at" IS NOT NULL)'
    expectSql((c) => c.softDelete.updateWhere(post, 'restore', { title: 'p1' }, undefined), {
      sqlite: { text: `UPDATE "post" SET "deleted_at" = NULL WHERE ("title" = ?) AND "deleted_at" IS NOT NULL AND ${guard} RETURNING "id"`, params: ['p1'] },
      postgres: { text: `UPDATE "post" SET "deleted_at" = NULL WHERE ("title" = $1) AND "deleted_at" IS NOT NULL AND ${guard} RETURNING "id"`, params: ['p1'] },
    })
    expect(compilers.postgres.softDelete.updateWhere(person, 'restore', {}, undefined).text).toBe(
      'UPDATE "person" SET "deleted_at" = NULL, "version" = COALESCE("version", 0) + 1 WHERE "deleted_at" IS NOT NULL RETURNING "id", "version"',
    )
  })

  it('soft-deletes one level of a cascade: the live dependents, with the cascade stamp', () => {
    expectSql((c) => c.softDelete.cascadeSoftDelete(post, dependencies(person, post), [1], stamp), {
      sqlite: {
        text: `UPDATE "post" SET "deleted_at" = ? WHERE ("author_id" ${sqliteIds}) AND "deleted_at" IS NULL RETURNING "id"`,
        params: [stamp.getTime(), '[1]'],
      },
      postgres: {
        text: 'UPDATE "post" SET "deleted_at" = $1 WHERE ("author_id" = ANY($2::int4[])) AND "deleted_at" IS NULL RETURNING "id"',
        params: [stamp.toISOString(), [1]],
      },
    })
  })

  it('selects the ids below a cascade level, soft-deleted or not, to walk down', () => {
    expectSql((c) => c.softDelete.selectReferencingIds(comment, dependencies(post, comment), [1, 2]), {
      sqlite: { text: `SELECT "id" FROM "comment" WHERE "post_id" ${sqliteIds}`, params: ['[1,2]'] },
      postgres: { text: 'SELECT "id" FROM "comment" WHERE "post_id" = ANY($1::int4[])', params: [[1, 2]] },
    })
  })

  it("restores one level of a cascade: rows deleted in the stamp's millisecond under live parents", () => {
    const guard = '"post_id" NOT IN (SELECT "id" FROM "post" WHERE "deleted_at" IS NOT NULL)'
    expectSql((c) => c.softDelete.cascadeRestore(comment, dependencies(post, comment), [1], stamp), {
      sqlite: {
        text: `UPDATE "comment" SET "deleted_at" = NULL WHERE ("post_id" ${sqliteIds}) AND "deleted_at" >= ? AND "deleted_at" < ? AND ${guard} RETURNING "id"`,
        params: ['[1]', stamp.getTime(), stamp.getTime() + 1],
      },
      postgres: {
        text: `UPDATE "comment" SET "deleted_at" = NULL WHERE ("post_id" = ANY($1::int4[])) AND "deleted_at" >= $2 AND "deleted_at" < $3 AND ${guard} RETURNING "id"`,
        params: [[1], stamp.toISOString(), '2020-01-02T03:04:05.678Z'],
      },
    })
  })

  it("reads a restored row's required parents, then each parent's deleted_at", () => {
    expectSql((c) => c.softDelete.selectParentIds(post, parentsThatMustBeLive(post), 5), {
      sqlite: { text: 'SELECT "author_id" FROM "post" WHERE "id" = ?', params: [5] },
      postgres: { text: 'SELECT "author_id" FROM "post" WHERE "id" = $1', params: [5] },
    })
    expectSql((c) => c.softDelete.selectDeletedAt(person, 1), {
      sqlite: { text: 'SELECT "deleted_at" FROM "person" WHERE "id" = ?', params: [1] },
      postgres: { text: 'SELECT "deleted_at" FROM "person" WHERE "id" = $1', params: [1] },
    })
  })

  it('restores an ancestor by id, whatever its deletion time', () => {
    expectSql((c) => c.softDelete.restoreByIds(post, [1]), {
      sqlite: { text: `UPDATE "post" SET "deleted_at" = NULL WHERE ("id" ${sqliteIds}) AND "deleted_at" IS NOT NULL RETURNING "id"`, params: ['[1]'] },
      postgres: { text: 'UPDATE "post" SET "deleted_at" = NULL WHERE ("id" = ANY($1::int4[])) AND "deleted_at" IS NOT NULL RETURNING "id"', params: [[1]] },
    })
  })
})

describe('purge statements', () => {
  it('deletes the old soft-deleted rows that no dependent references, returning their ids', () => {
    const free =
      '"id" NOT IN (SELECT "author_id" FROM "post" WHERE "author_id" IS NOT NULL) AND "id" NOT IN (SELECT "owner_id" FROM "note" WHERE "owner_id" IS NOT NULL)'
    expectSql((c) => c.softDelete.purge(person, graph.dependencyRelations(person), stamp), {
      sqlite: { text: `DELETE FROM "person" WHERE "deleted_at" IS NOT NULL AND "deleted_at" < ? AND ${free} RETURNING "id"`, params: [stamp.getTime()] },
      postgres: { text: `DELETE FROM "person" WHERE "deleted_at" IS NOT NULL AND "deleted_at" < $1 AND ${free} RETURNING "id"`, params: [stamp.toISOString()] },
    })
    expect(compilers.sqlite.softDelete.purge(comment, graph.dependencyRelations(comment), stamp).text).toBe(
      'DELETE FROM "comment" WHERE "deleted_at" IS NOT NULL AND "deleted_at" < ? RETURNING "id"',
    )
  })

  it('counts the old soft-deleted rows a purge kept', () => {
    expectSql((c) => c.softDelete.countPurgeBlocked(person, stamp), {
      sqlite: { text: 'SELECT COUNT(*) FROM "person" WHERE "deleted_at" IS NOT NULL AND "deleted_at" < ?', params: [stamp.getTime()] },
      postgres: { text: 'SELECT COUNT(*) FROM "person" WHERE "deleted_at" IS NOT NULL AND "deleted_at" < $1', params: [stamp.toISOString()] },
    })
  })
})

describe('flush failure lookups', () => {
  it('finds the live rows holding values of a violated unique column', () => {
    const username = person.byProperty.get('username')!
    expectSql((c) => c.lookup.selectHolders(person, username, ['x1', 'x2']), {
      sqlite: { text: 'SELECT "id", "username" FROM "person" WHERE "username" IN (SELECT value FROM json_each(?)) AND "deleted_at" IS NULL', params: ['["x1","x2"]'] },
      postgres: { text: 'SELECT "id", "username" FROM "person" WHERE "username" = ANY($1::text[]) AND "deleted_at" IS NULL', params: [['x1', 'x2']] },
    })
  })

  it('finds which referenced ids still have a row', () => {
    expectSql((c) => c.lookup.selectExistingIds(person, [4]), {
      sqlite: { text: `SELECT "id" FROM "person" WHERE "id" ${sqliteIds}`, params: ['[4]'] },
      postgres: { text: 'SELECT "id" FROM "person" WHERE "id" = ANY($1::int4[])', params: [[4]] },
    })
  })
})
