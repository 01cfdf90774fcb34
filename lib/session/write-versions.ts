import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { UnitOfWork } from './unit-of-work.js'

/**
 * @internal Counts writes per class, so that loaded inverse views know when they are stale. A write inside
 * transactions is counted again when each of them ends: a view read meanwhile, in or out of the
 * transaction, may show rows that a rollback removes or miss rows that a commit reveals.
 */
export class WriteVersions {
  readonly #versions = new Map<EntityMetadata, number>()

  /** Counts a write of `meta`'s rows or junction tables made in `work` (marking it touched in its transactions). */
  note(meta: EntityMetadata, work?: UnitOfWork): void {
    // Counted per table: a write of an Employee is a write of the Person rows a hierarchy shares.
    const root = meta.hierarchy.root
    this.#versions.set(root, (this.#versions.get(root) ?? 0) + 1)
    for (let scope = work; scope?.journal; scope = scope.parent) scope.touched.add(meta)
  }

  /** How many writes of `meta` were counted: an inverse view loaded at another count is stale. */
  of(meta: EntityMetadata): number {
    return this.#versions.get(meta.hierarchy.root) ?? 0
  }
}
