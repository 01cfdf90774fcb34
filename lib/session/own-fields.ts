import { normalizeValue } from '../metadata/column-values.js'
import type { EntityState, Stateful } from '../state/entity-state.js'

/** @internal Wraps a to-many relation's items in the array that tracks changes for this instance. */
export type CollectionWrapper = (entity: Stateful, slot: number, items: Iterable<unknown>) => unknown[]

/**
 * @internal Moves values that class fields defined as own properties (TypeScript's `useDefineForClassFields`)
 * into the ORM's storage, so that later assignments reach the tracking accessors. An initializer of an
 * inverse view (`stories: Story[] = []`) is dropped: the view is read from the database. Deleting in
 * reverse order of definition lets V8 roll back the object's shape instead of going to dictionary mode.
 */
export function adoptOwnFields(entity: Stateful, state: EntityState, wrapCollection: CollectionWrapper): void {
  const keys = Object.keys(entity)
  for (let k = keys.length - 1; k >= 0; k--) {
    const key = keys[k] as string
    const own = (entity as unknown as Record<string, unknown>)[key]
    const column = state.meta.byProperty.get(key)
    const relation = state.meta.relationsByProperty.get(key)
    if (column && (column.role === 'user' || column.role === 'relation')) {
      state.values[column.index] = normalizeValue(column.type, own)
    } else if (column?.role === 'version') {
      // A declared `version: number` field: the ORM sets the version, the field's initial value is dropped.
    } else if (relation?.kind === 'toMany') {
      // undefined (a declaration `tags?: Tag[]` left unset) means no members, as the setter takes it.
      state.values[relation.slot] = Array.isArray(own) || own === undefined ? wrapCollection(entity, relation.slot, own ?? []) : own
    } else if (relation?.kind !== 'inverse') {
      continue
    }
    delete (entity as unknown as Record<string, unknown>)[key]
  }
}
