import type { EntityMetadata } from '../metadata/entity-metadata.js'

/**
 * @internal One instance per row: maps each class's ids to weakly held instances, so an instance
 * that the application no longer uses can be garbage-collected.
 */
export class IdentityMap {
  readonly #tables = new Map<EntityMetadata, Map<unknown, WeakRef<object>>>()
  #lastMeta: EntityMetadata | undefined
  #lastTable: Map<unknown, WeakRef<object>> | undefined
  #writesSinceSweep = 0
  #sizeAfterSweep = 0

  get(meta: EntityMetadata, id: unknown): object | undefined {
    // One map per table: a row read through its class or an ancestor (concrete inheritance) is one instance.
    const ref = this.#tables.get(meta.hierarchy.root)?.get(id)
    return ref?.deref()
  }

  set(meta: EntityMetadata, id: unknown, instance: object): void {
    this.#tableOf(meta).set(id, new WeakRef(instance))
    if (++this.#writesSinceSweep > this.#sizeAfterSweep + 10_000) this.#sweep()
  }

  /** The live instances currently in memory of the table of one class (its whole hierarchy). */
  *instancesOf(meta: EntityMetadata): Generator<object> {
    const table = this.#tables.get(meta.hierarchy.root)
    if (!table) return
    for (const ref of table.values()) {
      const instance = ref.deref()
      if (instance) yield instance
    }
  }

  /** The ids of one class; the last one asked for is kept at hand, as sets come in runs of one class. */
  #tableOf(meta: EntityMetadata): Map<unknown, WeakRef<object>> {
    if (meta === this.#lastMeta) return this.#lastTable as Map<unknown, WeakRef<object>>
    // A hierarchy shares one table of ids: Person.find() and Employee.find() give one object per row.
    let table = this.#tables.get(meta.hierarchy.root)
    if (!table) {
      table = new Map()
      this.#tables.set(meta.hierarchy.root, table)
    }
    this.#lastMeta = meta
    this.#lastTable = table
    return table
  }

  delete(meta: EntityMetadata, id: unknown): void {
    this.#tables.get(meta.hierarchy.root)?.delete(id)
  }

  /**
   * Drops entries whose instance was collected. Runs after a number of writes proportional to the
   * map's size, so its cost stays constant per write (cheaper than a FinalizationRegistry callback).
   */
  #sweep(): void {
    let size = 0
    for (const table of this.#tables.values()) {
      for (const [id, ref] of table) {
        if (ref.deref() === undefined) table.delete(id)
        else size++
      }
    }
    this.#writesSinceSweep = 0
    this.#sizeAfterSweep = size
  }
}
