import { PendingId, type Dialect, type UpdateOp } from '../dialect/dialect.js'
import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isWritableValue } from '../metadata/column-values.js'
import type { ColumnMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { DETACHED, MANAGED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { Reference, isStateful } from '../state/reference.js'
import { describeRow } from './describe-row.js'

/** @internal Where a write inserts a row: the insert op and the row within it. */
export interface Position {
  readonly op: number
  readonly row: number
}

/** @internal Ops after every insert of the write (updates, junction changes) may reference any inserted row. */
export const AFTER_INSERTS = Number.POSITIVE_INFINITY

/**
 * @internal Encodes the rows of one write, validating every value: columns through the dialect, and
 * references as ids, or as {@link PendingId}s for rows inserted earlier in the same write. An optional
 * reference to a row inserted later is written NULL and set by a fix-up UPDATE once both rows exist.
 */
export class RowEncoder {
  /** The fix-up UPDATEs, one per foreign-key column. */
  readonly fixups = new Map<ColumnMetadata, UpdateOp>()
  /** Set when a cell encoded since the caller last cleared it is a PendingId. */
  hasPendingIds = false
  /** The write's timestamp as a cell, encoded once: every row of the write carries the same one. */
  readonly #nowCell: unknown
  /** What the write inserts, in op order; positions are looked up only when a reference needs one. */
  #insertGroups: readonly (readonly [unknown, readonly Stateful[]])[] = []
  #positions: Map<Stateful, Position> | undefined

  constructor(
    readonly dialect: Dialect,
    readonly now: Date,
  ) {
    this.#nowCell = dialect.encode('date', now)
  }

  /** Records where each instance inserted by the write is inserted: op i inserts `groups[i]`, in row order. */
  setInsertGroups(groups: readonly (readonly [unknown, readonly Stateful[]])[]): void {
    this.#insertGroups = groups
    this.#positions = undefined
  }

  /** Where the write inserts `entity`; undefined when it does not. */
  positionOf(entity: Stateful): Position | undefined {
    // Built on the first reference to an inserted row: a write without references never needs it.
    if (!this.#positions) {
      const positions = new Map<Stateful, Position>()
      this.#insertGroups.forEach(([, entities], op) => entities.forEach((inserted, row) => positions.set(inserted, { op, row })))
      this.#positions = positions
    }
    return this.#positions.get(entity)
  }

  /**
   * The cells of `columns` for one row; `insertOp` and `insertRow` say where the write inserts the row
   * (`insertOp` undefined: the write updates it).
   */
  encodeRow(state: EntityState, columns: readonly ColumnMetadata[], insertOp: number | undefined, insertRow = 0): unknown[] {
    const { dialect } = this
    const row = new Array<unknown>(columns.length)
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c] as ColumnMetadata
      switch (column.role) {
        case 'createdAt':
        case 'updatedAt':
          row[c] = this.#nowCell
          continue
        case 'version':
          row[c] = insertOp === undefined ? loadedVersion(state, column) + 1 : 1
          continue
      }
      const value = state.values[column.index]
      if (value === undefined || value === null) {
        if (!column.nullable) throw ValidationError.required(state.meta.className, column.property, describeRow(state))
        row[c] = null
      } else if (column.role === 'relation') {
        row[c] = this.#referenceCell(state, column, value, insertOp === undefined ? undefined : { op: insertOp, row: insertRow })
      } else {
        row[c] = encodeValue(dialect, state, column, value)
      }
    }
    return row
  }

  /**
   * The id of `target` as a cell of a row written by op `forOp`: its id, or a PendingId when it is
   * inserted by an earlier op of this write.
   */
  idCell(target: Stateful, forOp: number, source: EntityState, relation: RelationMetadata): unknown {
    const state = target[STATE]
    if (state.status === MANAGED) return this.dialect.encode(state.meta.idColumn.type, state.values[0])
    if (state.status === DETACHED) throw ValidationError.detachedTarget(relation.path, describeRow(source), describeRow(state))
    const position = this.positionOf(target)
    if (!position) throw ValidationError.unsavedTarget(relation.path, describeRow(source), state.meta.className)
    if (!state.meta.isIdGenerated) return this.dialect.encode(state.meta.idColumn.type, state.values[0])
    if (position.op >= forOp) throw new Error(`internal: ${relation.path} references a row inserted later in the same write`)
    this.hasPendingIds = true
    return new PendingId(position.op, position.row, state.meta.idColumn.type)
  }

  #referenceCell(state: EntityState, column: ColumnMetadata, value: unknown, inserting: Position | undefined): unknown {
    const relation = state.meta.relationAtSlot[column.index] as RelationMetadata
    if (value instanceof Reference) return this.dialect.encode(column.type, value.id)
    if (!isStateful(value) || !value[STATE].meta.isA(relation.target)) {
      const hint = value instanceof Promise ? ' (a promise: await the relation before assigning it)' : ''
      throw ValidationError.wrongType(`${relation.path} on ${describeRow(state)}${hint}`, `a ${relation.target.className} instance`, value)
    }
    const position = value[STATE].status === MANAGED ? undefined : this.positionOf(value)
    if (inserting && position && isWrittenLater(position, inserting, value[STATE].meta.isIdGenerated)) {
      // Only an optional reference can wait for its target: required ones follow the insert order.
      if (!column.nullable) throw new Error(`internal: ${relation.path} requires a row inserted later in the same write`)
      this.#fixup(state, column, value, inserting)
      return null
    }
    return this.idCell(value, inserting ? inserting.op : AFTER_INSERTS, state, relation)
  }

  /** Records an UPDATE that sets the reference once both rows exist. */
  #fixup(source: EntityState, column: ColumnMetadata, target: Stateful, position: Position): void {
    let op = this.fixups.get(column)
    if (!op) {
      op = { kind: 'update', meta: source.meta, columns: [column], rows: [], hasPendingIds: true }
      this.fixups.set(column, op)
    }
    const targetState = target[STATE]
    const targetPosition = this.positionOf(target) as Position
    const targetCell = targetState.meta.isIdGenerated
      ? new PendingId(targetPosition.op, targetPosition.row, targetState.meta.idColumn.type)
      : this.dialect.encode(targetState.meta.idColumn.type, targetState.values[0])
    const sourceCell = source.meta.isIdGenerated
      ? new PendingId(position.op, position.row, source.meta.idColumn.type)
      : this.dialect.encode(source.meta.idColumn.type, source.values[0])
    op.rows.push([targetCell, sourceCell])
  }
}

/** One column's value as a cell, checked against the column's type (a json value against its object trap too). */
function encodeValue(dialect: Dialect, state: EntityState, column: ColumnMetadata, value: unknown): unknown {
  if (isWritableValue(column.type, value)) {
    if (column.type === 'json' && column.objectTrap !== undefined) column.objectTrap.check(value)
    try {
      return dialect.encode(column.type, value)
    } catch {
      // JSON.stringify throws on cycles and nested bigints: still a value of the wrong shape.
    }
  }
  throw ValidationError.wrongType(`${state.meta.className}.${column.property} on ${describeRow(state)}`, EXPECTED_VALUE[column.type], value)
}

/** @internal The version this process loaded; NULL (a version column added to a table with rows) counts as 0. */
export function loadedVersion(state: EntityState, column: ColumnMetadata): number {
  return (state.values[column.index] as number | undefined) ?? 0
}

/**
 * Whether the target's row is not yet written when the source's row is. Rows of one insert are
 * checked at the end of its statement, so an earlier row of the same op is fine, unless its id is
 * generated by that very statement.
 */
function isWrittenLater(target: Position, source: Position, isIdGenerated: boolean): boolean {
  if (target.op !== source.op) return target.op > source.op
  return isIdGenerated || target.row >= source.row
}
