import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isWritableValue, normalizeValue } from '../metadata/column-values.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { compileBeforeFlush } from '../query/compile-before-flush.js'
import { updateWhereSql, type ColumnWrite } from '../query/update-compiler.js'
import { STATE, type Stateful } from '../state/entity-state.js'
import { visibilityOf } from '../soft-delete/visibility.js'
import { followVersions } from './deleted-at-update.js'
import { afterRows, beforeSelectedRows, inBulkScope } from './hook-calls.js'
import type { OperationHost } from './operation-host.js'
import { typedError } from '../hooks/hook-runner.js'

/** @internal The options of `Class.update()`, checked by `entity/find-options.ts`. */
export interface BulkUpdateOptions {
  readonly where?: object
  readonly withDeleted?: boolean
  readonly onlyDeleted?: boolean
}


/**
 * @internal `Class.update({ where }, values)`: checks the values, then one UPDATE of the rows the options see
 * (live ones unless `withDeleted`/`onlyDeleted`), moving updatedAt and the version. Instances in memory take
 * the new values without becoming dirty (journaled inside a transaction). Returns how many rows changed.
 */
export async function updateWhere(host: OperationHost, meta: EntityMetadata, options: BulkUpdateOptions | undefined, values: unknown): Promise<number> {
  const writes = checkValues(meta, values)
  if (options?.where === undefined) throw ValidationError.badOption(`${meta.className}.update() needs { where }; pass { where: {} } for every row.`)
  const where = options.where
  const visibility = visibilityOf(options)
  compileBeforeFlush(() => host.compiler.count(meta, where, visibility)) // checks the where before anything runs
  return inBulkScope(host, meta, 'update', async (connection) => {
    const now = new Date()
    try {
      const candidates = () => host.compiler.select(meta, { where, withDeleted: options?.withDeleted, onlyDeleted: options?.onlyDeleted })
      const hooked = await beforeSelectedRows(host, connection, meta, 'update', candidates)
      const query = updateWhereSql(host.compiler, meta, writes, now, where, visibility)
      const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
      const ids = rows.map((row) => host.dialect.decode(meta.idColumn.type, row[0]))
      applyToMemory(host, meta, writes, now, ids)
      if (meta.versionColumn) followVersions(host, meta, meta.versionColumn, ids, rows)
      await afterRows(host, meta, 'update', 'bulkUpdate', ids, hooked)
      return ids.length
    } catch (error) {
      throw typedError(error, (cause) => host.toOrmError(cause))
    }
  })
}

/**
 * @internal The columns and values of a bulk update, refused as an assignment would refuse them: an unknown
 * property, one veil-orm sets (id, timestamps, soft-delete and audit columns, the version), a relation (set
 * it on the instances), or a value of the wrong type; null only for a nullable column.
 */
export function checkValues(meta: EntityMetadata, values: unknown): ColumnWrite[] {
  const name = `${meta.className}.update()`
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw ValidationError.badOption(`${name} takes the values to set as its second argument, an object such as { name: 'Ann' }.`)
  }
  const keys = Object.keys(values)
  if (keys.length === 0) throw ValidationError.badOption(`${name} needs at least one property to set.`)
  return keys.map((key) => {
    const relation = meta.relations.find((candidate) => candidate.property === key)
    if (relation) {
      throw ValidationError.badOption(`${name} sets columns only, not the relation ${relation.path}; assign it on the instances and flush.`)
    }
    const column = meta.columns.find((candidate) => candidate.property === key)
    if ((key === 'isDeleted' && meta.deletedAtColumn) || (column && column.role !== 'user')) throw ValidationError.readOnly(meta.className, key)
    if (!column) {
      const known = meta.columns.filter((candidate) => candidate.role === 'user').map((candidate) => candidate.property)
      throw ValidationError.unknownProperty(meta.className, key, known)
    }
    const value = normalizeValue(column.type, (values as Record<string, unknown>)[key])
    const where = `${meta.className}.${key} in ${name}`
    if (value === undefined) throw ValidationError.badOption(`${where} is undefined; pass null to clear it, or leave the key out.`)
    if (value === null) {
      if (!column.nullable) throw ValidationError.wrongType(where, `${EXPECTED_VALUE[column.type]} (the column is not nullable)`, value)
      return { column, value }
    }
    if (!isWritableValue(column.type, value)) throw ValidationError.wrongType(where, EXPECTED_VALUE[column.type], value)
    if (column.type === 'json' && column.objectTrap !== undefined) column.objectTrap.check(value)
    return { column, value }
  })
}

/**
 * Memory catches up with the database: the loaded instances of the rows `ids` take the values and updatedAt,
 * as their rows now hold them, without a pending change. A slot with a pending change of another scope keeps
 * it (that change is written later, over this one). Journaled, so a rolled-back transaction puts them back.
 */
function applyToMemory(host: OperationHost, meta: EntityMetadata, writes: readonly ColumnWrite[], now: Date, ids: readonly unknown[]): void {
  const work = host.currentWork()
  for (const id of ids) {
    const entity = host.identityMap.get(meta, id) as Stateful | undefined
    if (!entity) continue
    const state = entity[STATE]
    host.journal(work, entity, state)
    for (const { column, value } of writes) {
      if (state.dirty?.has(column.index)) continue
      // Each instance gets its own copy of an object value, as a reload would give it: editing one must not edit another.
      state.values[column.index] = value instanceof Date ? new Date(value.getTime()) : column.type === 'json' ? JSON.parse(JSON.stringify(value)) : value
      if (state.snapshots) state.snapshots[column.index] = undefined
    }
    state.values[meta.updatedAtColumn.index] = now
  }
}
