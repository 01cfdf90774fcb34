import { describe, expect, it } from 'vitest'
import { Column, Entity, Relation, SoftDel, SoftDelUuid, Table } from '../../lib/index.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { SoftDeleteCompiler } from '../../lib/query/soft-delete-compiler.js'
import { auditWrites } from '../../lib/soft-delete/deletion-audit.js'
import { changesUpdatedAt } from '../../lib/soft-delete/updated-at-rule.js'

// The audit columns of @Table({ audit: true }) in the metadata, the rule and the soft-delete statements,
// pinned per dialect without a database: an audited, versioned account with audited posts; a plain log.

@Table({ audit: true })
class Account extends SoftDel {
  @Column() name: string
  @Column({ version: true }) version: number
}

@Table({ audit: true })
class Post extends SoftDel {
  @Column() title: string
  @Relation(() => Account) account: Account
}

/** Soft-deletable, not audited. */
class Log extends SoftDel {
  @Relation(() => Account) account: Account
}

const registry = buildMetadata([Account, Post, Log], { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
const [account, post, log] = [Account, Post, Log].map((ctor) => registry.forClass(ctor) as EntityMetadata) as [EntityMetadata, EntityMetadata, EntityMetadata]
const sqlite = new SoftDeleteCompiler(new QueryCompiler(new SqliteDialect(), () => undefined))
const postgres = new SoftDeleteCompiler(new QueryCompiler(new PostgresDialect(), () => undefined))
const stamp = new Date('2020-01-02T03:04:05.676Z')
const audit = { actor: 'ann', reason: 'spam' }

describe('audit metadata and rule', () => {
  it('gives an audited class deleted_by and deletion_reason at slots 4 and 5, nullable text', () => {
    expect(account.columns.slice(3, 6).map((column) => [column.property, column.name, column.type, column.nullable])).toEqual([
      ['deletedAt', 'deleted_at', 'date', true],
      ['deletedBy', 'deleted_by', 'text', true],
      ['deletionReason', 'deletion_reason', 'text', true],
    ])
    expect(log.deletedByColumn).toBeUndefined()
    expect(log.columns.map((column) => column.name)).not.toContain('deleted_by')
  })

  it('writes the actor and reason with a soft delete, NULL with a restore, nothing for a class not audited', () => {
    expect(auditWrites(post, audit).map(({ column, value }) => [column.name, value])).toEqual([
      ['deleted_by', 'ann'],
      ['deletion_reason', 'spam'],
    ])
    expect(auditWrites(post, undefined).map(({ value }) => value)).toEqual([undefined, undefined])
    expect(auditWrites(log, audit)).toEqual([])
  })

  it('leaves updatedAt alone when only the soft-delete columns change', () => {
    const slots = (names: string[]): Set<number> => new Set(names.map((name) => (post.byProperty.get(name) as { index: number }).index))
    expect(changesUpdatedAt(post, slots(['deletedAt', 'deletedBy', 'deletionReason']))).toBe(false)
    expect(changesUpdatedAt(post, slots(['deletedAt', 'title']))).toBe(true)
  })
})

describe('audited soft delete statements', () => {
  it('sets the actor and reason in the same UPDATE as deleted_at, before the version and the condition', () => {
    expect(sqlite.updateRow(account, 'softDelete', 1, 2, stamp, audit)).toEqual({
      text:
        'UPDATE "account" SET "deleted_at" = ?, "deleted_by" = ?, "deletion_reason" = ?, "version" = COALESCE("version", 0) + 1 ' +
        'WHERE ("id" IN (SELECT value FROM json_each(?)) AND COALESCE("version", 0) = ?) AND "deleted_at" IS NULL RETURNING "id", "version"',
      params: [stamp.getTime(), 'ann', 'spam', '[1]', 2],
    })
    expect(postgres.updateWhere(post, 'softDelete', { title: 'x' }, stamp, { actor: 'ann', reason: undefined })).toEqual({
      text: 'UPDATE "post" SET "deleted_at" = $1, "deleted_by" = $2, "deletion_reason" = NULL WHERE ("title" = $3) AND "deleted_at" IS NULL RETURNING "id"',
      params: [stamp.toISOString(), 'ann', 'x'],
    })
  })

  it('writes NULL without an actor, clears both on every restore, and leaves a class not audited as it was', () => {
    expect(postgres.cascadeSoftDelete(post, post.relations, [1], stamp).text).toContain('SET "deleted_at" = $1, "deleted_by" = NULL, "deletion_reason" = NULL WHERE')
    expect(postgres.restoreByIds(post, [1]).text).toContain('SET "deleted_at" = NULL, "deleted_by" = NULL, "deletion_reason" = NULL WHERE')
    expect(postgres.cascadeRestore(post, post.relations, [1], stamp).text).toContain('SET "deleted_at" = NULL, "deleted_by" = NULL, "deletion_reason" = NULL WHERE')
    expect(postgres.updateWhere(post, 'restore', {}, undefined).text).toContain('SET "deleted_at" = NULL, "deleted_by" = NULL, "deletion_reason" = NULL WHERE')
    expect(postgres.cascadeSoftDelete(log, log.relations, [1], stamp, audit).text).toContain('SET "deleted_at" = $1 WHERE')
  })
})
