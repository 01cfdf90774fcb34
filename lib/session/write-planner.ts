import { PendingId, type Dialect, type LinkOp, type UpdateOp, type WriteOp } from '../dialect/dialect.js'
import type { PendingInstance } from '../errors/pending-instance.js'
import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isWritableValue } from '../metadata/column-values.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { requiredSoftDeletableParents, type JunctionMetadata, type RelationMetadata } from '../metadata/relation-metadata.js'
import { DETACHED, MANAGED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { Reference, isStateful } from '../state/reference.js'

/** @internal The instances and dirty slots a flush took out of a unit of work. */
export interface TakenWork {
  readonly inserts: Stateful[]
  readonly updates: Stateful[]
  readonly updatedSlots: Set<number>[]
}

/** @internal The members a to-many relation holds once the write commits. */
export interface MembershipChange {
  readonly entity: Stateful
  readonly slot: number
  readonly items: readonly Stateful[]
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

interface Position {
  readonly op: number
  readonly row: number
}

interface JunctionChanges {
  readonly unlinkAll: unknown[][]
  readonly unlink: unknown[][]
  readonly link: unknown[][]
}

/**
 * @internal Turns taken work into batched writes: one INSERT per class (referenced classes first),
 * fix-up UPDATEs for optional references to rows inserted later in the same write, one UPDATE per class
 * and column set, then junction changes. A reference to a row inserted by the same write is a
 * {@link PendingId} that the driver fills in from that insert's generated ids.
 */
export function planWrites(dialect: Dialect, taken: TakenWork, now: Date): WritePlan {
  return new WritePlanner(dialect, now).plan(taken)
}

class WritePlanner {
  readonly #ops: WriteOp[] = []
  readonly #positions = new Map<Stateful, Position>()
  readonly #fixups = new Map<ColumnMetadata, UpdateOp>()
  readonly #junctions = new Map<JunctionMetadata, JunctionChanges>()
  readonly #memberships: MembershipChange[] = []
  readonly #touched = new Set<EntityMetadata>()
  readonly #updatedBy = new Map<number, Stateful[]>()
  readonly #versioned: Stateful[] = []
  /** Set when the row being encoded got a PendingId cell. */
  #hasPendingIds = false

  constructor(
    readonly dialect: Dialect,
    readonly now: Date,
  ) {}

  plan(taken: TakenWork): WritePlan {
    const insertGroups = [...groupByClass(taken.inserts)].sort(([a], [b]) => a.insertRank - b.insertRank)
    insertGroups.forEach(([, entities], op) => entities.forEach((entity, row) => this.#positions.set(entity, { op, row })))
    insertGroups.forEach(([meta, entities], op) => this.#planInsert(meta, entities, op))
    this.#ops.push(...this.#fixups.values())
    this.#planUpdates(taken)
    for (const [junction, changes] of this.#junctions) {
      this.#touched.add(junction.owner)
      for (const kind of ['unlinkAll', 'unlink', 'link'] as const) {
        const rows = changes[kind]
        if (rows.length > 0) {
          this.#ops.push({ kind, junction, rows, hasPendingIds: rows.some((row) => row.some((cell) => cell instanceof PendingId)) } satisfies LinkOp)
        }
      }
    }
    return { ops: this.#ops, insertGroups, updatedBy: this.#updatedBy, versioned: this.#versioned, memberships: this.#memberships, touched: this.#touched }
  }

  #planInsert(meta: EntityMetadata, entities: readonly Stateful[], op: number): void {
    this.#hasPendingIds = false
    const rows = entities.map((entity, row) => {
      try {
        return this.#encodeRow(entity[STATE], meta.insertColumns, { op, row })
      } catch (error) {
        throw aboutInstance(error, entity)
      }
    })
    this.#ops.push({ kind: 'insert', meta, columns: meta.insertColumns, rows, hasPendingIds: this.#hasPendingIds })
    this.#touched.add(meta)
    for (const relation of meta.collectionRelations) {
      if (relation.kind !== 'toMany') continue
      for (const entity of entities) {
        try {
          const state = entity[STATE]
          const items = this.#members(state, relation)
          const changes = this.#changesFor(relation)
          const owner = this.#idCell(entity, AFTER_INSERTS, state, relation)
          for (const item of items) changes.link.push([owner, this.#idCell(item, AFTER_INSERTS, state, relation)])
          this.#memberships.push({ entity, slot: relation.slot, items })
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
    const groups = new Map<string, { op: UpdateOp; entities: Stateful[] }>()
    taken.updates.forEach((entity, i) => {
      try {
        this.#planUpdate(groups, entity, taken.updatedSlots[i] as Set<number>)
      } catch (error) {
        throw aboutInstance(error, entity)
      }
    })
    const ordered = [...groups.values()].sort((a, b) => a.op.meta.insertRank - b.op.meta.insertRank)
    for (const { op, entities } of ordered) {
      this.#updatedBy.set(this.#ops.length, entities)
      this.#ops.push(op)
    }
  }

  /** Adds one persisted instance's changes to the UPDATE of its class and column set. */
  #planUpdate(groups: Map<string, { op: UpdateOp; entities: Stateful[] }>, entity: Stateful, dirty: Set<number>): void {
    const state = entity[STATE]
    const { meta } = state
    const slots = [...dirty].sort((a, b) => a - b)
    const columnIndexes = slots.filter((slot) => slot < meta.columns.length)
    let hasMembership = false
    for (const slot of slots) {
      const relation = meta.relationAtSlot[slot]
      if (slot >= meta.columns.length && relation?.kind === 'toMany') {
        this.#planMembership(entity, state, relation)
        hasMembership = true
      }
    }
    if (columnIndexes.length === 0 && !hasMembership) return
    const deletedAt = meta.deletedAtColumn
    const isRestore = deletedAt !== undefined && dirty.has(deletedAt.index) && state.values[deletedAt.index] === undefined && requiredSoftDeletableParents(meta).length > 0
    const key = `${meta.className}:${columnIndexes.join(',')}${isRestore ? ':restore' : ''}`
    let group = groups.get(key)
    if (!group) {
      const columns = columnIndexes.map((index) => meta.columns[index] as ColumnMetadata)
      // Soft delete and restore change deleted_at only: updatedAt keeps the last change of the data.
      if (changesUpdatedAt(meta, dirty)) columns.push(meta.updatedAtColumn)
      if (meta.versionColumn) columns.push(meta.versionColumn)
      const op: UpdateOp = { kind: 'update', meta, columns, rows: [], hasPendingIds: false, check: meta.versionColumn, underLiveParents: isRestore }
      group = { op, entities: [] }
      groups.set(key, group)
      this.#touched.add(meta)
    }
    this.#hasPendingIds = false
    const row = this.#encodeRow(state, group.op.columns, undefined)
    row.push(this.dialect.encode(meta.idColumn.type, state.values[0]))
    if (meta.versionColumn) {
      row.push(this.dialect.encode('integer', loadedVersion(state, meta.versionColumn)))
      this.#versioned.push(entity)
    }
    group.op.rows.push(row)
    group.entities.push(entity)
    if (this.#hasPendingIds) (group.op as { hasPendingIds: boolean }).hasPendingIds = true
  }

  /** Junction changes for a persisted instance's to-many relation: a diff against the persisted members. */
  #planMembership(entity: Stateful, state: EntityState, relation: RelationMetadata): void {
    const items = this.#members(state, relation)
    const changes = this.#changesFor(relation)
    const owner = this.dialect.encode(state.meta.idColumn.type, state.values[0])
    const persisted = state.members?.[relation.slot]
    if (persisted === undefined) {
      // Assigned without ever being loaded: the old members are unknown, so all are replaced.
      changes.unlinkAll.push([owner])
      for (const item of items) changes.link.push([owner, this.#idCell(item, AFTER_INSERTS, state, relation)])
    } else {
      const before = new Set(persisted)
      const now = new Set(items)
      for (const item of items) if (!before.has(item)) changes.link.push([owner, this.#idCell(item, AFTER_INSERTS, state, relation)])
      for (const item of persisted) {
        // A member deleted since: its junction rows went with it.
        if (!now.has(item) && item[STATE].status === MANAGED) {
          changes.unlink.push([owner, this.dialect.encode(item[STATE].meta.idColumn.type, item[STATE].values[0])])
        }
      }
    }
    this.#memberships.push({ entity, slot: relation.slot, items })
  }

  #changesFor(relation: RelationMetadata): JunctionChanges {
    const junction = relation.junction as JunctionMetadata
    let changes = this.#junctions.get(junction)
    if (!changes) this.#junctions.set(junction, (changes = { unlinkAll: [], unlink: [], link: [] }))
    return changes
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
      if (!isStateful(item) || item[STATE].meta !== relation.target) {
        throw ValidationError.wrongType(`${relation.path}[${i}] on ${describeRow(state)}`, `a ${relation.target.className} instance`, item)
      }
      if (item[STATE].status === DETACHED) throw ValidationError.detachedTarget(relation.path, describeRow(state), describeRow(item[STATE]))
      items.add(item)
    })
    return [...items]
  }

  /**
   * The id of `target` as a cell of a row written by op `forOp`: its id, or a PendingId when it is
   * inserted by an earlier op of this write.
   */
  #idCell(target: Stateful, forOp: number, source: EntityState, relation: RelationMetadata): unknown {
    const state = target[STATE]
    if (state.status === MANAGED) return this.dialect.encode(state.meta.idColumn.type, state.values[0])
    if (state.status === DETACHED) throw ValidationError.detachedTarget(relation.path, describeRow(source), describeRow(state))
    const position = this.#positions.get(target)
    if (!position) throw ValidationError.unsavedTarget(relation.path, describeRow(source), state.meta.className)
    if (!state.meta.isIdGenerated) return this.dialect.encode(state.meta.idColumn.type, state.values[0])
    if (position.op >= forOp) throw new Error(`internal: ${relation.path} references a row inserted later in the same write`)
    this.#hasPendingIds = true
    return new PendingId(position.op, position.row, state.meta.idColumn.type)
  }

  #encodeRow(state: EntityState, columns: readonly ColumnMetadata[], inserting: Position | undefined): unknown[] {
    const { dialect } = this
    const row = new Array<unknown>(columns.length)
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c] as ColumnMetadata
      if (column.role === 'createdAt' || column.role === 'updatedAt') {
        row[c] = dialect.encode('date', this.now)
        continue
      }
      if (column.role === 'version') {
        row[c] = dialect.encode('integer', inserting ? 1 : loadedVersion(state, column) + 1)
        continue
      }
      const value = state.values[column.index]
      if (value === undefined || value === null) {
        if (!column.nullable) throw ValidationError.required(state.meta.className, column.property, describeRow(state))
        row[c] = null
        continue
      }
      if (column.role === 'relation') {
        row[c] = this.#referenceCell(state, column, value, inserting)
        continue
      }
      const wrongType = (): ValidationError =>
        ValidationError.wrongType(`${state.meta.className}.${column.property} on ${describeRow(state)}`, EXPECTED_VALUE[column.type], value)
      if (!isWritableValue(column.type, value)) throw wrongType()
            if (column.type === 'json' && column.objectTrap !== undefined) column.objectTrap.check(value)
      try {
        row[c] = dialect.encode(column.type, value)
      } catch {
        // JSON.stringify throws on cycles and nested bigints: still a value of the wrong shape.
        throw wrongType()
      }
    }
    return row
  }

  #referenceCell(state: EntityState, column: ColumnMetadata, value: unknown, inserting: Position | undefined): unknown {
    const relation = state.meta.relationAtSlot[column.index] as RelationMetadata
    if (value instanceof Reference) return this.dialect.encode(column.type, value.id)
    if (!isStateful(value) || value[STATE].meta !== relation.target) {
      const hint = value instanceof Promise ? ' (a promise: await the relation before assigning it)' : ''
      throw ValidationError.wrongType(`${relation.path} on ${describeRow(state)}${hint}`, `a ${relation.target.className} instance`, value)
    }
    const position = value[STATE].status === MANAGED ? undefined : this.#positions.get(value)
    if (inserting && position && isWrittenLater(position, inserting, value[STATE].meta.isIdGenerated)) {
      // Only an optional reference can wait for its target: required ones follow the insert order.
      if (!column.nullable) throw new Error(`internal: ${relation.path} requires a row inserted later in the same write`)
      this.#fixup(state, column, value, inserting)
      return null
    }
    return this.#idCell(value, inserting ? inserting.op : AFTER_INSERTS, state, relation)
  }

  /** Records an UPDATE that sets the reference once both rows exist. */
  #fixup(source: EntityState, column: ColumnMetadata, target: Stateful, position: Position): void {
    let op = this.#fixups.get(column)
    if (!op) {
      op = { kind: 'update', meta: source.meta, columns: [column], rows: [], hasPendingIds: true }
      this.#fixups.set(column, op)
    }
    const targetState = target[STATE]
    const targetPosition = this.#positions.get(target) as Position
    const targetCell = targetState.meta.isIdGenerated
      ? new PendingId(targetPosition.op, targetPosition.row, targetState.meta.idColumn.type)
      : this.dialect.encode(targetState.meta.idColumn.type, targetState.values[0])
    const sourceCell = source.meta.isIdGenerated
      ? new PendingId(position.op, position.row, source.meta.idColumn.type)
      : this.dialect.encode(source.meta.idColumn.type, source.values[0])
    op.rows.push([targetCell, sourceCell])
  }
}

/**
 * @internal Whether writing these dirty slots moves updatedAt: any column but `deleted_at` does;
 * to-many membership (junction rows) and soft delete/restore do not.
 */
export function changesUpdatedAt(meta: EntityMetadata, slots: ReadonlySet<number>): boolean {
  for (const slot of slots) {
    const column = meta.columns[slot]
    if (column && column.role !== 'deletedAt') return true
  }
  return false
}

/** @internal The version this process loaded; NULL (a version column added to a table with rows) counts as 0. */
export function loadedVersion(state: EntityState, column: ColumnMetadata): number {
  return (state.values[column.index] as number | undefined) ?? 0
}

/** Ops after every insert of the write (updates, junction changes) may reference any inserted row. */
const AFTER_INSERTS = Number.POSITIVE_INFINITY

/**
 * Whether the target's row is not yet written when the source's row is. Rows of one insert are
 * checked at the end of its statement, so an earlier row of the same op is fine, unless its id is
 * generated by that very statement.
 */
function isWrittenLater(target: Position, source: Position, isIdGenerated: boolean): boolean {
  if (target.op !== source.op) return target.op > source.op
  return isIdGenerated || target.row >= source.row
}

/**
 * @internal How messages name a row: `Story #4`, or a new one by its first set values,
 * `a new Story (title: "Hello")`, so that the instance a flush error is about can be told apart.
 */
export function describeRow(state: EntityState): string {
  const row = state.meta.describeRow(state.values[0])
  if (state.values[0] !== undefined) return row
  const shown: string[] = []
  for (const column of state.meta.columns) {
    const value = state.values[column.index]
    if (column.role !== 'user' || value === undefined || shown.length === 3) continue
    shown.push(`${column.property}: ${typeof value === 'string' ? JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value) : typeof value === 'object' && value !== null ? '…' : String(value)}`)
  }
  return shown.length > 0 ? `${row} (${shown.join(', ')})` : row
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
