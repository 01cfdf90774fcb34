import type { EntityState, Stateful } from './entity-state.js'

/**
 * @internal Moves values that class fields defined as own properties (TypeScript's `useDefineForClassFields`)
 * into the ORM's storage, so that later assignments reach the tracking accessors. Deleting in
 * reverse order of definition lets V8 roll back the object's shape instead of going to dictionary mode.
 */
export function adoptOwnFields(entity: Stateful, state: EntityState): void {
  const keys = Object.keys(entity)
  for (let k = keys.length - 1; k >= 0; k--) {
    const key = keys[k] as string
    const column = state.meta.byProperty.get(key)
    if (!column || column.role !== 'user') continue
    state.values[column.index] = (entity as unknown as Record<string, unknown>)[key]
    delete (entity as unknown as Record<string, unknown>)[key]
  }
}
