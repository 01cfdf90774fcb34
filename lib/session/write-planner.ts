import type { Dialect, UpdateOp, WriteOp } from '../dialect/dialect.js'
import type { PendingInstance } from '../errors/pending-instance.js'
import { ValidationError } from '../errors/validation-error.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { parentsThatMustBeLive } from '../soft-delete/visibility.js'
import { changesUpdatedAt } from '../soft-delete/updated-at-rule.js'
import { STATE, type Stateful } from '../state/entity-state.js'
import { JunctionPlanner, type MembershipChange } from './junction-planner.js'
import { RowEncoder, loadedVersion } from './row-encoder.js'

/** @internal The instances and dirty slots a flush took out of a unit of work. */
export interface TakenWork {
  readonly inserts: Stateful[]
  readonly updates: Stateful[]
  readonly updatedSlots: Set<number>[]
}

/** @internal What a flush sends, and what it must apply to memory once the write commits. */
export interface WritePlan {
  readonly ops: WriteOp[]
  /** Inserted instances per class, in op order: op i inserts insertGroups[i]. */
  readonly insertGroups: readonly (readonly [EntityMetadata, Stateful[]])[]
  /** The persisted instances each update op writes, row by row (fix-up ops of inserted rows have none). */
  readonly updatedBy: ReadonlyMap<number, readonly Stateful[]>
  /** Persisted instances whose version the write increments. */
  readonly versioned: readonly Stateful[]
  readonly memberships: readonly MembershipChange[]
  /** Classes whose rows or junction tables the write changes. */
  readonly touched: ReadonlySet<EntityMetadata>
}

/** @internal The order a write inserts classes in (referenced classes first), as the dependents graph ranks them. */
export interface InsertOrder {
  insertRank(meta: EntityMetadata): number
}

/** The UPDATE of one class and column set, and the persisted instances it writes, row by row. */
interface UpdateGroup {
  readonly op: UpdateOp
  readonly entities: Stateful[]
}

/**
 * @internal Turns taken work into batched writes: one INSERT per class (referenced classes first),
 * fix-up UPDATEs for optional references to rows inserted later in the same write, one UPDATE per class
 * and column set, then junction changes. A reference to a row inserted by the same write is a
 * {@link PendingId} that the driver fills in from that insert's generated ids.
 */
export function planWrites(dialect: Dialect, order: InsertOrder, taken: TakenWork, now: Date): WritePlan {
  return new WritePlanner(new RowEncoder(dialect, now), order).plan(taken)
}

class WritePlanner {
  readonly #ops: WriteOp[] = []
  readonly #junctions: JunctionPlanner
  readonly #touched = new Set<EntityMetadata>()
  readonly #updatedBy = new Map<number, Stateful[]>()
  readonly #versioned: Stateful[] = []

  constructor(
    readonly encoder: RowEncoder,
    readonly order: InsertOrder,
  ) {
    this.#junctions = new JunctionPlanner(encoder)
  }

  plan(taken: TakenWork): WritePlan {
    const { order } = this
    const insertGroups = [...groupByClass(taken.inserts)].sort(([a], [b]) => order.insertRank(a) - order.insertRank(b))
    this.encoder.setInsertGroups(insertGroups)
    insertGroups.forEach(([meta, entities], op) => this.#planInsert(meta, entities, op))
    this.#ops.push(...this.encoder.fixups.values())
    this.#planUpdates(taken)
    this.#junctions.appendOps(this.#ops, this.#touched)
    const memberships = this.#junctions.memberships
    return { ops: this.#ops, insertGroups, updatedBy: this.#updatedBy, versioned: this.#versioned, memberships, touched: this.#touched }
  }

  #planInsert(meta: EntityMetadata, entities: readonly Stateful[], op: number): void {
    const { encoder } = this
    encoder.hasPendingIds = false
    const columns = meta.insertColumns
    const rows = new Array<unknown[]>(entities.length)
    for (let row = 0; row < entities.length; row++) {
      const entity = entities[row] as Stateful
      try {
        rows[row] = encoder.encodeRow(entity[STATE], columns, op, row)
      } catch (error) {
        throw aboutInstance(error, entity)
      }
    }
    this.#ops.push({ kind: 'insert', meta, columns: meta.insertColumns, rows, hasPendingIds: encoder.hasPendingIds })
    this.#touched.add(meta)
    for (const relation of meta.collectionRelations) {
      if (relation.kind !== 'toMany') continue
      for (const entity of entities) {
        try {
          this.#junctions.planInserted(entity, entity[STATE], relation)
        } catch (error) {
          throw aboutInstance(error, entity)
        }
      }
    }
  }

  /**
   * One UPDATE per class and column set, parents' classes first (a parent restored by this write is live
   * when its dependents' restore checks it). Every row must hit its row: a to-many change checks its owner's
   * row too, and a versioned row also requires and increments its version.
   */
  #planUpdates(taken: TakenWork): void {
    const groups = new UpdateGroups()
    taken.updates.forEach((entity, i) => {
      try {
        this.#planUpdate(groups, entity, taken.updatedSlots[i] as Set<number>)
      } catch (error) {
        throw aboutInstance(error, entity)
      }
    })
    const { order } = this
    const ordered = groups.inFirstSeenOrder.sort((a, b) => order.insertRank(a.op.meta) - order.insertRank(b.op.meta))
    for (const { op, entities } of ordered) {
      this.#updatedBy.set(this.#ops.length, entities)
      this.#ops.push(op)
    }
  }

  /** Adds one persisted instance's changes to the UPDATE of its class and column set. */
  #planUpdate(groups: UpdateGroups, entity: Stateful, dirty: Set<number>): void {
    const state = entity[STATE]
    const { meta } = state
    const columnCount = meta.columns.length
    const columnIndexes: number[] = []
    let hasMembership = false
    for (const slot of dirty.size === 1 ? dirty : [...dirty].sort((a, b) => a - b)) {
      if (slot < columnCount) {
        columnIndexes.push(slot)
        continue
      }
      const relation = meta.relationAtSlot[slot]
      if (relation?.kind === 'toMany') {
        this.#junctions.planChanged(entity, state, relation)
        hasMembership = true
      }
    }
    if (columnIndexes.length === 0 && !hasMembership) return
    const deletedAt = meta.deletedAtColumn
    const isRestore = deletedAt !== undefined && dirty.has(deletedAt.index) && state.values[deletedAt.index] === undefined && parentsThatMustBeLive(meta).length > 0
    // The usual change, one column, keys by its index: no key string built per instance.
    const key = columnIndexes.length === 1 && !isRestore ? (columnIndexes[0] as number) : `${columnIndexes.join(',')}${isRestore ? ':restore' : ''}`
    let group = groups.get(meta, key)
    if (!group) {
      const columns = columnIndexes.map((index) => meta.columns[index] as ColumnMetadata)
      // Soft delete and restore change deleted_at only: updatedAt keeps the last change of the data.
      if (changesUpdatedAt(meta, dirty)) columns.push(meta.updatedAtColumn)
      if (meta.versionColumn) columns.push(meta.versionColumn)
      const op: UpdateOp = { kind: 'update', meta, columns, rows: [], hasPendingIds: false, check: meta.versionColumn, underLiveParents: isRestore }
      group = { op, entities: [] }
      groups.add(meta, key, group)
      this.#touched.add(meta)
    }
    const { encoder } = this
    encoder.hasPendingIds = false
    const row = encoder.encodeRow(state, group.op.columns, undefined)
    row.push(encoder.dialect.encode(meta.idColumn.type, state.values[0]))
    if (meta.versionColumn) {
      row.push(loadedVersion(state, meta.versionColumn))
      this.#versioned.push(entity)
    }
    group.op.rows.push(row)
    group.entities.push(entity)
    if (encoder.hasPendingIds) (group.op as { hasPendingIds: boolean }).hasPendingIds = true
  }
}

/** The UPDATE groups of a write, found by class and column-set key, listed in the order first seen. */
class UpdateGroups {
  readonly inFirstSeenOrder: UpdateGroup[] = []
  readonly #byClass = new Map<EntityMetadata, Map<number | string, UpdateGroup>>()

  get(meta: EntityMetadata, key: number | string): UpdateGroup | undefined {
    return this.#byClass.get(meta)?.get(key)
  }

  add(meta: EntityMetadata, key: number | string, group: UpdateGroup): void {
    let groups = this.#byClass.get(meta)
    if (!groups) this.#byClass.set(meta, (groups = new Map()))
    groups.set(key, group)
    this.inFirstSeenOrder.push(group)
  }
}

/**
 * A ValidationError raised while planning one instance's write carries that instance (so that a caller who
 * cannot reach it, a half-built one, can discard it); anything else passes through.
 */
function aboutInstance(error: unknown, entity: Stateful): unknown {
  if (!(error instanceof ValidationError) || error.instance !== undefined) return error
  return ValidationError.aboutInstance(error, entity as unknown as PendingInstance)
}

/** Groups instances per class, classes in first-seen order. */
function groupByClass(entities: readonly Stateful[]): Map<EntityMetadata, Stateful[]> {
  const groups = new Map<EntityMetadata, Stateful[]>()
  for (const entity of entities) {
    const meta = entity[STATE].meta
    const group = groups.get(meta)
    if (group) group.push(entity)
    else groups.set(meta, [entity])
  }
  return groups
}
