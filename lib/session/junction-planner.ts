import { PendingId, type LinkOp, type WriteOp } from '../dialect/dialect.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { DETACHED, MANAGED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { isStateful } from '../state/reference.js'
import { describeRow } from './describe-row.js'
import { AFTER_INSERTS, type RowEncoder } from './row-encoder.js'

/** @internal The members a to-many relation holds once the write commits. */
export interface MembershipChange {
  readonly entity: Stateful
  readonly slot: number
  readonly items: readonly Stateful[]
}

/** The junction rows of one table that a write removes and adds. */
interface JunctionRows {
  readonly unlinkAll: unknown[][]
  readonly unlink: unknown[][]
  readonly link: unknown[][]
}

/**
 * @internal Plans the junction rows of a write's to-many relations: every member of an inserted owner
 * is linked; a persisted owner's members are diffed against the persisted ones. Runs after the inserts
 * are positioned, so members inserted by the same write become {@link PendingId}s.
 */
export class JunctionPlanner {
  readonly #rows = new Map<JunctionMetadata, JunctionRows>()
  /** The members each planned relation holds once the write commits. */
  readonly memberships: MembershipChange[] = []

  constructor(readonly encoder: RowEncoder) {}

  /** An inserted instance's to-many relation: one junction row per member. */
  planInserted(entity: Stateful, state: EntityState, relation: RelationMetadata): void {
    const items = this.#members(state, relation)
    const rows = this.#rowsFor(relation)
    const owner = this.encoder.idCell(entity, AFTER_INSERTS, state, relation)
    for (const item of items) rows.link.push([owner, this.encoder.idCell(item, AFTER_INSERTS, state, relation)])
    this.memberships.push({ entity, slot: relation.slot, items })
  }

  /** A persisted instance's to-many relation: a diff against the persisted members. */
  planChanged(entity: Stateful, state: EntityState, relation: RelationMetadata): void {
    const { encoder } = this
    const items = this.#members(state, relation)
    const rows = this.#rowsFor(relation)
    const owner = encoder.dialect.encode(state.meta.idColumn.type, state.values[0])
    const persisted = state.members?.[relation.slot]
    if (persisted === undefined) {
      // Assigned without ever being loaded: the old members are unknown, so all are replaced.
      rows.unlinkAll.push([owner])
      for (const item of items) rows.link.push([owner, encoder.idCell(item, AFTER_INSERTS, state, relation)])
    } else {
      const before = new Set(persisted)
      const now = new Set(items)
      for (const item of items) if (!before.has(item)) rows.link.push([owner, encoder.idCell(item, AFTER_INSERTS, state, relation)])
      for (const item of persisted) {
        // A member deleted since: its junction rows went with it.
        if (!now.has(item) && item[STATE].status === MANAGED) {
          rows.unlink.push([owner, encoder.dialect.encode(item[STATE].meta.idColumn.type, item[STATE].values[0])])
        }
      }
    }
    this.memberships.push({ entity, slot: relation.slot, items })
  }

  /** Appends the planned junction changes (per table: unlink all, unlink, link) and notes their owners as touched. */
  appendOps(ops: WriteOp[], touched: Set<EntityMetadata>): void {
    for (const [junction, changes] of this.#rows) {
      touched.add(junction.owner)
      for (const kind of ['unlinkAll', 'unlink', 'link'] as const) {
        const rows = changes[kind]
        if (rows.length > 0) {
          ops.push({ kind, junction, rows, hasPendingIds: rows.some((row) => row.some((cell) => cell instanceof PendingId)) } satisfies LinkOp)
        }
      }
    }
  }

  #rowsFor(relation: RelationMetadata): JunctionRows {
    const junction = relation.junction as JunctionMetadata
    let rows = this.#rows.get(junction)
    if (!rows) this.#rows.set(junction, (rows = { unlinkAll: [], unlink: [], link: [] }))
    return rows
  }

  /** The validated, de-duplicated members of a to-many relation. */
  #members(state: EntityState, relation: RelationMetadata): Stateful[] {
    const value = state.values[relation.slot]
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) {
      throw ValidationError.wrongType(`${relation.path} on ${describeRow(state)}`, `an array of ${relation.target.className}`, value)
    }
    const items = new Set<Stateful>()
    value.forEach((item: unknown, i) => {
      if (!isStateful(item) || !item[STATE].meta.isA(relation.target)) {
        throw ValidationError.wrongType(`${relation.path}[${i}] on ${describeRow(state)}`, `a ${relation.target.className} instance`, item)
      }
      if (item[STATE].status === DETACHED) throw ValidationError.detachedTarget(relation.path, describeRow(state), describeRow(item[STATE]))
      items.add(item)
    })
    return [...items]
  }
}
