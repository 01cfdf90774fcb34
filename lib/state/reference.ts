import { STATE, type Stateful } from './entity-state.js'

/**
 * @internal A to-one relation read from the database whose target is not in memory yet: only its
 * id is known. Reading the property loads it (the read returns a promise).
 */
export class Reference {
  constructor(readonly id: unknown) {}
}

/** @internal The target's id of a to-one value (an instance or a Reference), or undefined. */
export function referencedId(value: unknown): unknown {
  if (value === undefined || value === null) return undefined
  if (value instanceof Reference) return value.id
  return (value as Stateful)[STATE]?.values[0]
}

/** @internal An entity instance (anything carrying ORM state). */
export function isStateful(value: unknown): value is Stateful {
  return typeof value === 'object' && value !== null && STATE in value
}

/**
 * @internal A loaded inverse view: the instances pointing back at the owner, as of `version`, the
 * write count of their class when the view was read. A later write to that class makes it stale.
 */
export class InverseView {
  constructor(
    readonly items: readonly Stateful[],
    readonly version: number,
  ) {}
}
