import { describe, expect, it } from 'vitest'
import { Column, Entity, Relation, SoftDel, SoftDelUuid, ValidationError } from '../../lib/index.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { checkValues } from '../../lib/operations/bulk-update-values.js'
import type { CompiledQuery } from '../../lib/query/param-list.js'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { updateWhereSql, type ColumnWrite } from '../../lib/query/update-compiler.js'
import type { Visibility } from '../../lib/soft-delete/visibility.js'

// The statement of Class.update() pinned per dialect without a database: a soft-deletable, versioned
// account with an optional team, and a plain label.

class Team extends Entity {
  @Column() name: string
}

class Account extends SoftDel {
  @Column() name: string
  @Column({ nullable: true }) note?: string
  @Column({ version: true }) version: number
  @Relation(() => Team, { nullable: true }) team?: Team
}

class Label extends Entity {
  @Column() name: string
}

const registry = buildMetadata([Team, Account, Label], { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
const [team, account, label] = [Team, Account, Label].map((ctor) => registry.forClass(ctor) as EntityMetadata) as [EntityMetadata, EntityMetadata, EntityMetadata]

/** What a where may name: a Team instance without an id yet. */
const unsavedTeam = new (class UnsavedTeam {})()
const instanceId = (value: unknown): { id: unknown; meta: EntityMetadata } | undefined => (value === unsavedTeam ? { id: undefined, meta: team } : undefined)
const compilers = { sqlite: new QueryCompiler(new SqliteDialect(), instanceId), postgres: new QueryCompiler(new PostgresDialect(), instanceId) }
const now = new Date('2020-01-02T03:04:05.677Z')

function update(dialect: keyof typeof compilers, meta: EntityMetadata, values: object, where: object, visibility: Visibility = 'live'): CompiledQuery {
  const writes: ColumnWrite[] = checkValues(meta, values) // ids only here: no instance to resolve
  return updateWhereSql(compilers[dialect], meta, writes, now, where, visibility)
}

describe('the bulk update statement', () => {
  it('sets the values, updatedAt and the version of the live rows that match, returning ids and versions', () => {
    expect(update('sqlite', account, { name: 'x', note: null }, { name: 'ann' })).toEqual({
      text:
        'UPDATE "account" SET "name" = ?, "note" = NULL, "updated_at" = ?, "version" = COALESCE("version", 0) + 1 ' +
        'WHERE ("name" = ?) AND "deleted_at" IS NULL RETURNING "id", "version"',
      params: ['x', now.getTime(), 'ann'],
    })
    expect(update('postgres', account, { name: 'x', note: null }, { name: 'ann' })).toEqual({
      text:
        'UPDATE "account" SET "name" = $1, "note" = NULL, "updated_at" = $2, "version" = COALESCE("version", 0) + 1 ' +
        'WHERE ("name" = $3) AND "deleted_at" IS NULL RETURNING "id", "version"',
      params: ['x', now.toISOString(), 'ann'],
    })
  })

  it('sets a to-one relation’s foreign key from an id, or clears it', () => {
    expect(update('sqlite', account, { team: 7 }, {}, 'all').text).toBe(
      'UPDATE "account" SET "team_id" = ?, "updated_at" = ?, "version" = COALESCE("version", 0) + 1 RETURNING "id", "version"',
    )
    expect(update('postgres', account, { team: null }, {}, 'all').text).toBe(
      'UPDATE "account" SET "team_id" = NULL, "updated_at" = $1, "version" = COALESCE("version", 0) + 1 RETURNING "id", "version"',
    )
  })

  it('follows the visibility options, and leaves out an empty where', () => {
    expect(update('postgres', account, { name: 'x' }, {}, 'deleted').text).toBe(
      'UPDATE "account" SET "name" = $1, "updated_at" = $2, "version" = COALESCE("version", 0) + 1 WHERE "deleted_at" IS NOT NULL RETURNING "id", "version"',
    )
    expect(update('sqlite', account, { name: 'x' }, {}, 'all').text).toBe(
      'UPDATE "account" SET "name" = ?, "updated_at" = ?, "version" = COALESCE("version", 0) + 1 RETURNING "id", "version"',
    )
    expect(update('sqlite', label, { name: 'x' }, {}).text).toBe('UPDATE "label" SET "name" = ?, "updated_at" = ? RETURNING "id"')
  })

  it('refuses a where that names an instance without an id', () => {
    expect(() => update('sqlite', account, { name: 'x' }, { team: unsavedTeam })).toThrow(ValidationError)
    expect(() => update('postgres', account, { name: 'x' }, { team: unsavedTeam })).toThrow(
      'The where of Account.update() names an instance that is not saved yet.',
    )
  })

  it('refuses values as an assignment would', () => {
    expect(() => checkValues(account, { team: 'x' })).toThrow('Account.team in Account.update() expects a Team instance or a Team id: a 32-bit integer')
    expect(() => checkValues(account, { deletedBy: 'x' })).toThrow(ValidationError)
    expect(() => checkValues(account, { isDeleted: true })).toThrow('Account.isDeleted is set by veil-orm')
    expect(() => checkValues(label, { isDeleted: true })).toThrow("Label has no mapped property 'isDeleted'")
    expect(() => checkValues(account, { name: 3 })).toThrow('Account.name in Account.update() expects a string')
    expect(() => checkValues(account, [])).toThrow('takes the values to set as its second argument')
  })
})
