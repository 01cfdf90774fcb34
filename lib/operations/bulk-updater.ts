import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { compileBeforeFlush } from '../query/compile-before-flush.js'
import { updateWhereSql } from '../query/update-compiler.js'
import { STATE, type Stateful } from '../state/entity-state.js'
import { Reference, isStateful } from '../state/reference.js'
import { checkTargets, checkValues, resolveTargets, type PlannedWrite } from './bulk-update-values.js'
import { visibilityOf } from '../soft-delete/visibility.js'
import { followVersions } from './deleted-at-update.js'
import { afterRows, beforeSelectedRows, inBulkScope, whereHooked } from './hook-calls.js'
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
  checkTargets(host, meta, writes)
  if (options?.where === undefined) throw ValidationError.badOption(`${meta.className}.update() needs { where }; pass { where: {} } for every row.`)
  const where = options.where
  const visibility = visibilityOf(options)
  compileBeforeFlush(() => host.compiler.count(meta, where, visibility)) // checks the where before anything runs
  return inBulkScope(host, meta, 'update', async (connection) => {
    const now = new Date()
    try {
      const candidates = () => host.compiler.select(meta, { where, withDeleted: options?.withDeleted, onlyDeleted: options?.onlyDeleted })
      const hooked = await beforeSelectedRows(host, connection, meta, 'update', candidates)
      // After the flush, which inserted the new target instances of the caller's scope.
      const query = updateWhereSql(host.compiler, meta, resolveTargets(meta, writes), now, whereHooked(meta, where, hooked), visibility)
      const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
      const ids = rows.map((row) => host.dialect.decode(meta.idColumn.type, row[0]))
      applyToMemory(host, meta, writes, now, ids)
      // Loaded views of the class's rows (a target's inverse list) are stale now, as after a flush.
      if (ids.length > 0) host.noteWrite(meta, host.currentWork())
      if (meta.versionColumn) followVersions(host, meta, meta.versionColumn, ids, rows)
      await afterRows(host, meta, 'update', 'bulkUpdate', ids, hooked)
      return ids.length
    } catch (error) {
      throw typedError(error, (cause) => host.toOrmError(cause))
    }
  })
}

/**
 * Memory catches up with the database: the loaded instances of the rows `ids` take the values and updatedAt,
 * as their rows now hold them, without a pending change. A slot with a pending change of another scope keeps
 * it (that change is written later, over this one). Journaled, so a rolled-back transaction puts them back.
 */
function applyToMemory(host: OperationHost, meta: EntityMetadata, writes: readonly PlannedWrite[], now: Date, ids: readonly unknown[]): void {
  const work = host.currentWork()
  for (const id of ids) {
    const entity = host.identityMap.get(meta, id) as Stateful | undefined
    if (!entity) continue
    const state = entity[STATE]
    host.journal(work, entity, state)
    for (const { column, value, relation } of writes) {
      if (state.dirty?.has(column.index)) continue
      if (relation) state.values[column.index] = targetInMemory(host, relation.target, value)
      // Each instance gets its own copy of an object value, as a reload would give it: editing one must not edit another.
      else state.values[column.index] = value instanceof Date ? new Date(value.getTime()) : column.type === 'json' ? JSON.parse(JSON.stringify(value)) : value
      if (state.snapshots) state.snapshots[column.index] = undefined
    }
    state.values[meta.updatedAtColumn.index] = now
  }
}

/** A to-one slot's new value, as a load would set it: the target instance when in memory, a Reference to its id otherwise, undefined for null. */
function targetInMemory(host: OperationHost, target: EntityMetadata, value: unknown): unknown {
  if (value === null) return undefined
  if (isStateful(value)) return value
  return host.identityMap.get(target, value) ?? new Reference(value)
}
