import type { Dialect, InsertOp, UpdateOp, WriteOp, WriteResult } from '../dialect/dialect.js'
import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isWritableValue } from '../metadata/column-values.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { MANAGED, STATE, serializeMutable, type EntityState, type Stateful } from './entity-state.js'
import type { IdentityMap } from './identity-map.js'
import { adoptOwnFields } from './own-fields.js'
import type { UnitOfWork } from './unit-of-work.js'
import type { OrmError } from '../errors/orm-error.js'

/** @internal What a flush needs from the booted ORM. */
export interface FlushContext {
  readonly dialect: Dialect
  readonly identityMap: IdentityMap
  toOrmError(error: unknown): OrmError
}

/** The instances and dirty columns a flush took out of a unit of work. */
interface TakenWork {
  readonly inserts: Stateful[]
  readonly updates: Stateful[]
  readonly updatedColumns: Set<number>[]
}

/**
 * @internal Writes a unit of work's pending inserts and changes in one transaction. On failure
 * nothing is written and everything taken is put back, so the caller can fix it and flush again.
 * Flushes of one unit of work run one after another.
 */
export async function flushWork(context: FlushContext, work: UnitOfWork): Promise<void> {
  while (work.flushing) await work.flushing.catch(() => undefined)
  detectInPlaceChanges(work)
  if (work.newEntities.size === 0 && work.dirtyEntities.size === 0) return
  const running = runFlush(context, work)
  work.flushing = running
  try {
    await running
  } finally {
    if (work.flushing === running) work.flushing = undefined
  }
}

async function runFlush(context: FlushContext, work: UnitOfWork): Promise<void> {
  const taken = takePending(work)
  const now = new Date()
  let result: WriteResult
  try {
    const ops = planWrites(context.dialect, taken, now)
    result = await work.connection.write(ops)
  } catch (error) {
    putBack(work, taken)
    throw context.toOrmError(error)
  }
  applyResults(context, taken, result, now)
}

/** Compares json/date objects that were handed out with their snapshots: in-place edits count. */
function detectInPlaceChanges(work: UnitOfWork): void {
  if (work.suspects.size === 0) return
  for (const entity of work.suspects) {
    const state = entity[STATE]
    if (state.status !== MANAGED || !state.snapshots) continue
    for (const column of state.meta.mutableColumns) {
      const snapshot = state.snapshots[column.index]
      if (snapshot === undefined || state.dirty?.has(column.index)) continue
      if (serializeMutable(state.values[column.index]) !== snapshot) {
        ;(state.dirty ??= new Set()).add(column.index)
        state.owner ??= work
        state.owner.dirtyEntities.add(entity)
      }
    }
  }
  work.suspects.clear()
}

function takePending(work: UnitOfWork): TakenWork {
  const inserts = [...work.newEntities]
  const updates: Stateful[] = []
  const updatedColumns: Set<number>[] = []
  for (const entity of work.dirtyEntities) {
    const state = entity[STATE]
    const dirty = state.dirty
    state.dirty = undefined
    // A still-new instance changed while its insert was in flight: the insert carries its values.
    if (state.status !== MANAGED || !dirty) continue
    updates.push(entity)
    updatedColumns.push(dirty)
  }
  work.newEntities = new Set()
  work.dirtyEntities = new Set()
  return { inserts, updates, updatedColumns }
}

function putBack(work: UnitOfWork, taken: TakenWork): void {
  // Taken inserts go back in front, in their original order, ahead of anything created since.
  work.newEntities = new Set([...taken.inserts, ...work.newEntities])
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    const columns = taken.updatedColumns[i] as Set<number>
    if (state.dirty) for (const column of state.dirty) columns.add(column)
    state.dirty = columns
    ;(state.owner ?? work).dirtyEntities.add(entity)
  })
}

/** Turns the taken work into batched writes: one INSERT per class, one UPDATE per class and column set. */
function planWrites(dialect: Dialect, taken: TakenWork, now: Date): WriteOp[] {
  const ops: WriteOp[] = []
  for (const [meta, entities] of groupByClass(taken.inserts)) {
    const rows = entities.map((entity) => {
      const state = entity[STATE]
      adoptOwnFields(entity, state)
      return encodeRow(dialect, state, meta.insertColumns, now)
    })
    ops.push({ kind: 'insert', meta, columns: meta.insertColumns, rows } satisfies InsertOp)
  }

  const updatesByShape = new Map<string, { meta: EntityMetadata; columns: ColumnMetadata[]; rows: unknown[][] }>()
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    const { meta } = state
    const indexes = [...(taken.updatedColumns[i] as Set<number>)].sort((a, b) => a - b)
    const key = `${meta.className}:${indexes.join(',')}`
    let group = updatesByShape.get(key)
    if (!group) {
      const columns = indexes.map((index) => meta.columns[index] as ColumnMetadata)
      group = { meta, columns: [...columns, meta.updatedAtColumn], rows: [] }
      updatesByShape.set(key, group)
    }
    const row = encodeRow(dialect, state, group.columns, now)
    row.push(dialect.encode(meta.idColumn.type, state.values[0]))
    group.rows.push(row)
  })
  for (const group of updatesByShape.values()) ops.push({ kind: 'update', ...group } satisfies UpdateOp)
  return ops
}

function encodeRow(
  dialect: Dialect,
  state: EntityState,
  columns: readonly ColumnMetadata[],
  now: Date,
): unknown[] {
  const row = new Array<unknown>(columns.length)
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c] as ColumnMetadata
    if (column.role === 'createdAt' || column.role === 'updatedAt') {
      row[c] = dialect.encode('date', now)
      continue
    }
    const value = state.values[column.index]
    if (value === undefined || value === null) {
      if (!column.nullable) throw ValidationError.required(state.meta.className, column.property, describeRow(state))
      row[c] = null
      continue
    }
    const wrongType = (): ValidationError =>
      ValidationError.wrongType(`${state.meta.className}.${column.property} on ${describeRow(state)}`, EXPECTED_VALUE[column.type], value)
    if (!isWritableValue(column.type, value)) throw wrongType()
    try {
      row[c] = dialect.encode(column.type, value)
    } catch {
      // JSON.stringify throws on cycles and nested bigints: still a value of the wrong shape.
      throw wrongType()
    }
  }
  return row
}

function describeRow(state: EntityState): string {
  const id = state.values[0]
  return id === undefined ? `a new ${state.meta.className}` : `${state.meta.className} #${String(id)}`
}

/** Groups instances per class, classes in first-seen order; planning and applying must agree on it. */
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

/** After the write committed: ids, timestamps and the identity map catch up with the database. */
function applyResults(context: FlushContext, taken: TakenWork, result: WriteResult, now: Date): void {
  let opIndex = 0
  for (const [meta, entities] of groupByClass(taken.inserts)) {
    const ids = result[opIndex++]
    entities.forEach((entity, row) => {
      const state = entity[STATE]
      if (ids) state.values[0] = ids[row]
      state.values[meta.createdAtColumn.index] = now
      state.values[meta.updatedAtColumn.index] = now
      state.status = MANAGED
      if (!state.dirty) state.owner = undefined
      context.identityMap.set(meta, state.values[0], entity)
    })
  }
  for (const entity of taken.updates) {
    const state = entity[STATE]
    state.values[state.meta.updatedAtColumn.index] = now
    state.snapshots = undefined
    if (!state.dirty) state.owner = undefined
  }
}
