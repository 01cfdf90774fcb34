import { ValidationError } from '../errors/validation-error.js'
import { normalizeValue } from '../metadata/column-values.js'
import type { ColumnMetadata, EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { MANAGED, NEW, STATE, type Stateful } from '../state/entity-state.js'
import { Reference, isStateful } from '../state/reference.js'
import { setDeletedFlag } from '../soft-delete/deletion-flag.js'
import type { ChangeTracker } from '../session/change-tracker.js'
import type { Reader } from '../session/reader.js'
import type { Runtime } from '../session/runtime.js'

/**
 * @internal Defines a getter/setter per mapped property on the class's prototype. Values live in the
 * instance's state; the setter is how an assignment becomes a pending change.
 */
export function installAccessors(meta: EntityMetadata, runtime: Runtime): void {
  // The accessors call the runtime's parts directly: they run on every assignment and relation read.
  const { tracker, reader } = runtime
  for (const relation of meta.relations) installRelationAccessor(meta, relation, tracker, reader)
  if (meta.deletedAtColumn) installSoftDeleteAccessors(meta, meta.deletedAtColumn.index, runtime)
  for (const column of [meta.deletedByColumn, meta.deletionReasonColumn]) {
    if (!column) continue
    const hint = `${meta.className}.${column.property} is set by veil-orm; soft-delete inside ORM.actingAs() and pass softDelete({ reason }).`
    installReadOnlyAccessor(meta, column, () => ValidationError.badOption(hint))
  }
  const version = meta.versionColumn
  if (version) installReadOnlyAccessor(meta, version, () => ValidationError.readOnly(meta.className, version.property))
  for (const column of meta.columns) {
    if (column.role !== 'user') continue
    Object.defineProperty(meta.ctor.prototype, column.property, {
      configurable: true,
      enumerable: false,
      get: column.type === 'json' || column.type === 'date' ? mutableGetter(column, tracker) : plainGetter(column),
      set:
        column.type === 'uuid'
          ? function (this: Stateful, value: unknown) {
              // Kept in lower case, as PostgreSQL returns it and SQLite stores it.
              tracker.onWrite(this, this[STATE], column.index, normalizeValue('uuid', value))
            }
          : function (this: Stateful, value: unknown) {
              tracker.onWrite(this, this[STATE], column.index, value)
            },
    })
  }
}

/**
 * A column that veil-orm alone writes reads its value and refuses assignments: the version (every update
 * sets it), and `deletedBy`/`deletionReason` (soft deletes and restores write them).
 */
function installReadOnlyAccessor(meta: EntityMetadata, column: ColumnMetadata, refusal: () => ValidationError): void {
  Object.defineProperty(meta.ctor.prototype, column.property, {
    configurable: true,
    enumerable: false,
    get: plainGetter(column),
    set(this: Stateful) {
      throw refusal()
    },
  })
}

/**
 * `deletedAt` is read-only; `isDeleted` derives from it, and assigning it sets deleted_at to now
 * (true) or clears it (false) at the next flush. Assigning the state the row is already in changes nothing.
 */
function installSoftDeleteAccessors(meta: EntityMetadata, slot: number, runtime: Runtime): void {
  Object.defineProperty(meta.ctor.prototype, 'deletedAt', {
    configurable: true,
    enumerable: false,
    get(this: Stateful) {
      return this[STATE]?.values[slot]
    },
    set(this: Stateful) {
      throw ValidationError.badOption(`${meta.className}.deletedAt is set by veil-orm; assign isDeleted or call softDelete()/restore().`)
    },
  })
  Object.defineProperty(meta.ctor.prototype, 'isDeleted', {
    configurable: true,
    enumerable: false,
    get(this: Stateful) {
      return this[STATE]?.values[slot] !== undefined
    },
    set(this: Stateful, value: unknown) {
      if (typeof value !== 'boolean') throw ValidationError.wrongType(`${meta.className}.isDeleted`, 'a boolean', value)
      setDeletedFlag(runtime, this, this[STATE], slot, value)
    },
  })
}

function installRelationAccessor(meta: EntityMetadata, relation: RelationMetadata, tracker: ChangeTracker, reader: Reader): void {
  const slot = relation.slot
  let descriptor: PropertyDescriptor
  if (relation.kind === 'toOne') {
    descriptor = {
      get(this: Stateful) {
        const state = this[STATE]
        const value = state?.values[slot]
        return value instanceof Reference ? reader.readReference(this, state, relation, value) : value
      },
      set(this: Stateful, value: unknown) {
        const state = this[STATE]
        const previous = state.values[slot]
        // Assigning the loaded instance of the row it already points at changes nothing in the database.
        if (
          previous instanceof Reference &&
          isStateful(value) &&
          value[STATE].meta.isA(relation.target) &&
          value[STATE].status === MANAGED &&
          value[STATE].values[0] === previous.id
        ) {
          state.values[slot] = value
          return
        }
        tracker.onWrite(this, state, slot, value)
      },
    }
  } else if (relation.kind === 'toMany') {
    descriptor = {
      get(this: Stateful) {
        const state = this[STATE]
        return state && reader.readCollection(this, state, relation)
      },
      set(this: Stateful, value: unknown) {
        // undefined means no members (`tags?: Tag[]`), in a constructor or on a loaded instance alike.
        if (value !== undefined && !Array.isArray(value)) {
          throw ValidationError.wrongType(`${relation.path}`, `an array of ${relation.target.className} or undefined (no members)`, value)
        }
        tracker.onWrite(this, this[STATE], slot, tracker.wrapCollection(this, slot, value ?? []))
      },
    }
  } else {
    descriptor = {
      get(this: Stateful) {
        const state = this[STATE]
        return state && reader.readCollection(this, state, relation)
      },
      set(this: Stateful, value: unknown) {
        // A field initializer (`stories: Story[] = []`) runs the setter on a new instance: harmless.
        if (this[STATE]?.status === NEW && Array.isArray(value) && value.length === 0) return
        const mirrored = relation.mirrored as RelationMetadata
        throw ValidationError.badOption(
          `${relation.path} is a read-only view of ${mirrored.path}; change ${mirrored.path} on the ${mirrored.owner.className} instead.`,
        )
      },
    }
  }
  Object.defineProperty(meta.ctor.prototype, relation.property, { configurable: true, enumerable: false, ...descriptor })
}

function plainGetter(column: ColumnMetadata): (this: Stateful) => unknown {
  const index = column.index
  return function (this: Stateful) {
    return this[STATE]?.values[index]
  }
}

function mutableGetter(column: ColumnMetadata, tracker: ChangeTracker): (this: Stateful) => unknown {
  const index = column.index
  return function (this: Stateful) {
    const state = this[STATE]
    const value = state?.values[index]
    if (value !== null && typeof value === 'object' && state.status === MANAGED) tracker.onMutableRead(this, state, index)
    return value
  }
}

/** @internal Read-only accessors for the columns every entity has, at fixed positions 0-2. */
export function installBuiltinAccessors(prototype: object): void {
  const builtins = ['id', 'createdAt', 'updatedAt'] as const
  builtins.forEach((property, index) => {
    Object.defineProperty(prototype, property, {
      configurable: true,
      enumerable: false,
      get(this: Stateful) {
        return this[STATE]?.values[index]
      },
      set(this: Stateful) {
        throw ValidationError.readOnly(this[STATE]?.meta.className ?? this.constructor.name, property)
      },
    })
  })
}
