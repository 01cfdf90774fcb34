import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isWritableValue, normalizeValue } from '../metadata/column-values.js'
import type { ColumnMetadata, EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import type { ColumnWrite } from '../query/update-compiler.js'
import { DETACHED, NEW, STATE, type Stateful } from '../state/entity-state.js'
import { isStateful } from '../state/reference.js'
import type { OperationHost } from './operation-host.js'

/**
 * @internal One property a bulk update sets: a column and its checked value (null clears it), or a to-one
 * relation's foreign key and its target, an instance (whose id the call's flush may assign) or an id.
 */
export interface PlannedWrite {
  readonly column: ColumnMetadata
  readonly value: unknown
  readonly relation?: RelationMetadata
}

/**
 * @internal The columns and values of a bulk update, refused as an assignment would refuse them: an unknown
 * property, one veil-orm sets (id, timestamps, soft-delete and audit columns, the version), a to-many
 * relation (set it on the instances), or a value of the wrong type; null only for a nullable column or an
 * optional to-one relation.
 */
export function checkValues(meta: EntityMetadata, values: unknown): PlannedWrite[] {
  const name = `${meta.className}.update()`
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw ValidationError.badOption(`${name} takes the values to set as its second argument, an object such as { name: 'Ann' }.`)
  }
  const keys = Object.keys(values)
  if (keys.length === 0) throw ValidationError.badOption(`${name} needs at least one property to set.`)
  return keys.map((key) => {
    const given = (values as Record<string, unknown>)[key]
    const where = `${meta.className}.${key} in ${name}`
    const relation = meta.relations.find((candidate) => candidate.property === key)
    if (relation) return relationWrite(relation, given, name, where)
    const column = meta.columns.find((candidate) => candidate.property === key)
    if ((key === 'isDeleted' && meta.deletedAtColumn) || (column && column.role !== 'user')) throw ValidationError.readOnly(meta.className, key)
    if (!column) {
      const known = meta.columns.filter((candidate) => candidate.role === 'user').map((candidate) => candidate.property)
      throw ValidationError.unknownProperty(meta.className, key, known)
    }
    const value = normalizeValue(column.type, given)
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

/** A to-one relation's value: an instance of its target class, an id of the target's id type, or null when optional. */
function relationWrite(relation: RelationMetadata, given: unknown, name: string, where: string): PlannedWrite {
  const column = relation.column
  if (relation.kind !== 'toOne' || !column) {
    throw ValidationError.badOption(`${name} cannot set the to-many relation ${relation.path}: add or remove its items on the instances and flush.`)
  }
  const target = relation.target
  const expected = `a ${target.className} instance or id`
  if (given === undefined) throw ValidationError.badOption(`${where} is undefined; pass null to clear it, or leave the key out.`)
  if (given === null) {
    if (!relation.nullable) throw ValidationError.wrongType(where, `${expected} (the relation is required)`, given)
    return { column, value: null, relation }
  }
  if (isStateful(given)) {
    if (given[STATE].meta !== target) throw ValidationError.wrongType(where, expected, given)
    return { column, value: given, relation }
  }
  const id = normalizeValue(target.idColumn.type, given)
  if (!isWritableValue(target.idColumn.type, id)) throw ValidationError.wrongType(where, `a ${target.className} instance or a ${target.className} id: ${EXPECTED_VALUE[target.idColumn.type]}`, given)
  return { column, value: id, relation }
}

/**
 * @internal Before anything runs: refuses a target instance that is detached, or new and pending in
 * another scope than the caller's (the call's flush would not insert it). A new one of the caller's scope
 * is inserted by that flush.
 */
export function checkTargets(host: OperationHost, meta: EntityMetadata, writes: readonly PlannedWrite[]): void {
  for (const { value, relation } of writes) {
    if (!relation || !isStateful(value)) continue
    const state = value[STATE]
    if (state.status === DETACHED || state.epoch !== host.epoch) throw host.detachedError(state)
    if (state.status === NEW && !host.currentWork().newEntities.has(value)) throw notSaved(meta, relation)
  }
}

/** @internal After the call's flush: the writes with every target instance replaced by its id. */
export function resolveTargets(meta: EntityMetadata, writes: readonly PlannedWrite[]): ColumnWrite[] {
  return writes.map((write) => {
    if (!write.relation || !isStateful(write.value)) return write
    const id = (write.value as Stateful)[STATE].values[0]
    if (id === undefined) throw notSaved(meta, write.relation)
    return { column: write.column, value: id }
  })
}

function notSaved(meta: EntityMetadata, relation: RelationMetadata): ValidationError {
  return ValidationError.badOption(
    `${relation.path} in ${meta.className}.update(): the ${relation.target.className} is not saved yet (it is pending in another transaction scope); ` +
      'flush it (or commit its transaction) first, or pass an instance created in this scope.',
  )
}
