import { ValidationError } from '../errors/validation-error.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { MANAGED, STATE, type Stateful } from '../session/entity-state.js'
import type { Runtime } from '../session/runtime.js'

/**
 * @internal Defines a getter/setter per mapped property on the class's prototype. Values live in the
 * instance's state; the setter is how an assignment becomes a pending change.
 */
export function installAccessors(meta: EntityMetadata, runtime: Runtime): void {
  for (const column of meta.columns) {
    if (column.role !== 'user') continue
    Object.defineProperty(meta.ctor.prototype, column.property, {
      configurable: true,
      enumerable: false,
      get: column.type === 'json' || column.type === 'date' ? mutableGetter(column, runtime) : plainGetter(column),
      set(this: Stateful, value: unknown) {
        runtime.onWrite(this, this[STATE], column.index, value)
      },
    })
  }
}

function plainGetter(column: ColumnMetadata): (this: Stateful) => unknown {
  const index = column.index
  return function (this: Stateful) {
    return this[STATE]?.values[index]
  }
}

function mutableGetter(column: ColumnMetadata, runtime: Runtime): (this: Stateful) => unknown {
  const index = column.index
  return function (this: Stateful) {
    const state = this[STATE]
    const value = state?.values[index]
    if (value !== null && typeof value === 'object' && state.status === MANAGED) runtime.onMutableRead(this, state, index)
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
