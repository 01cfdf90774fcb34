import type { Connection } from '../dialect/dialect.js'
import type { ReadReplicas } from '../dialect/read-replicas.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'

/**
 * Classes linked by relations, directly or through others: a read of one can see rows of all of them
 * (relation conditions, loaded relations, the live-parent rule of soft deletion), so they share what a
 * replica must have replayed before it serves their reads.
 */
interface ClassGroup {
  /** The WAL position this process's committed writes to the group reached, once read. */
  position: bigint
  /** A write committed since the position was last read: read it again before the next read. */
  isStale: boolean
  /** The read of the position in progress; reads of the group wait for it. */
  reading: Promise<void> | undefined
}

/**
 * @internal Read-your-writes over read replicas, per group of related classes: after this process commits a
 * write to a class, reads of its group go to a replica only once that replica has replayed the WAL
 * position the primary reached after the commit; until then they go to the primary. Reads of groups it
 * has not written since go to any replica in use. Every group starts stale, so that the first reads
 * wait for the schema that boot may have just created.
 */
export class ReadRouter {
  readonly #groups = new Map<EntityMetadata, ClassGroup>()
  readonly #replicas: ReadReplicas

  constructor(replicas: ReadReplicas, entities: readonly EntityMetadata[]) {
    this.#replicas = replicas
    for (const meta of entities) {
      if (this.#groups.has(meta)) continue
      const group: ClassGroup = { position: 0n, isStale: true, reading: undefined }
      const pending = [meta]
      for (let next = pending.pop(); next; next = pending.pop()) {
        if (this.#groups.has(next)) continue
        this.#groups.set(next, group)
        for (const relation of next.relations) pending.push(relation.target, relation.owner)
        // The classes of a hierarchy share one table: a write to one is a write to all of them.
        pending.push(next.hierarchy.root, ...next.hierarchy.descendants)
      }
    }
  }

  /** A write to `meta`'s rows (every class's, without one) was committed. */
  noteCommitted(meta?: EntityMetadata): void {
    if (meta) this.#groupOf(meta).isStale = true
    else for (const group of this.#groups.values()) group.isStale = true
  }

  /**
   * Runs a read of `meta`'s group on a replica that has replayed this process's writes to it, or on the
   * primary; a read that fails on a replica runs again on the primary.
   */
  async read<R>(meta: EntityMetadata, primary: Connection, run: (connection: Connection) => Promise<R>): Promise<R> {
    const position = await this.#positionOf(this.#groupOf(meta), primary)
    const replica = await this.#replicas.pick(position)
    if (!replica) return run(primary)
    try {
      return await run(replica.connection)
    } catch (error) {
      this.#replicas.failed(replica, error)
      return run(primary)
    }
  }

  async #positionOf(group: ClassGroup, primary: Connection): Promise<bigint> {
    while (group.isStale || group.reading) {
      if (!group.reading) {
        // Cleared before the read: a commit noted while it runs makes the group stale again.
        group.isStale = false
        group.reading = this.#replicas.primaryPosition(primary).then(
          (position) => {
            if (position > group.position) group.position = position
          },
          (error: unknown) => {
            group.isStale = true
            throw error
          },
        )
        group.reading.then(
          () => (group.reading = undefined),
          () => (group.reading = undefined),
        )
      }
      await group.reading
    }
    return group.position
  }

  #groupOf(meta: EntityMetadata): ClassGroup {
    const group = this.#groups.get(meta)
    if (group) return group
    // A class the router was not built with (none today): reads of it go by a group of its own.
    const own: ClassGroup = { position: 0n, isStale: true, reading: undefined }
    this.#groups.set(meta, own)
    return own
  }
}
