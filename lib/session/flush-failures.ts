import type { Connection, Dialect } from '../dialect/dialect.js'
import { ForeignKeyError, type MissingReference } from '../errors/foreign-key-error.js'
import type { OrmError } from '../errors/orm-error.js'
import type { PendingInstance } from '../errors/pending-instance.js'
import { UniqueConstraintError } from '../errors/unique-constraint-error.js'
import type { ColumnMetadata, EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { LookupCompiler } from '../query/lookup-compiler.js'
import { MANAGED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { Reference, isStateful } from '../state/reference.js'
import type { TakenWork } from './write-planner.js'
import { describeRow } from './describe-row.js'

// A database error of a batched write names a constraint, not a row: a unique violation in a 500-row INSERT
// says `Account.email` (PostgreSQL's detail shows one key, SQLite's nothing about the row), a foreign key
// violation the table at most. After the write rolled back, the instances at fault are found again from the
// flush's own values, with one query per class on the flush's connection. Runs only after a failure.
// PostgreSQL's detail (`Key (email)=(x) already exists.`) is not parsed: it is text, not a code, shows
// one key of possibly many, and SQLite has nothing like it; the lookup finds every instance on both.

/** @internal Whether {@link explainFlushFailure} may find the instances at fault of this flush error. */
export function isExplainable(error: OrmError): boolean {
  return error instanceof UniqueConstraintError || error instanceof ForeignKeyError
}

/**
 * @internal Traces a unique or foreign key violation of a failed flush (already rolled back) to the taken
 * instances at fault and returns the error naming them; any other error, or one no instance explains, is
 * returned as it is. The values are read before the first await, as the flush wrote them. Never throws: a
 * failure of the explaining query leaves the original error.
 */
export async function explainFlushFailure(dialect: Dialect, connection: Connection, taken: TakenWork, error: OrmError): Promise<OrmError> {
  try {
    if (error instanceof UniqueConstraintError) return await explainUniqueViolation(dialect, connection, taken, error)
    if (error instanceof ForeignKeyError) return await explainMissingReferences(dialect, connection, taken, error)
  } catch {
    // The explanation is a courtesy: the violation itself is what the caller must see.
  }
  return error
}

/** A taken instance's value of the violated column, in write order. */
interface UniqueCandidate {
  readonly entity: Stateful
  readonly value: unknown
  /** `keyOf` the encoded value. */
  readonly key: string
  /** `keyOf` the row's id; undefined for a new instance without one. */
  readonly idKey: string | undefined
}

/**
 * The instances whose value of the violated column duplicates a row already in the table (another row:
 * an update keeping its own value is fine) or an earlier row of the same flush. Soft-deletable classes:
 * the unique index is partial, so only instances and rows that are live count.
 */
async function explainUniqueViolation(dialect: Dialect, connection: Connection, taken: TakenWork, error: UniqueConstraintError): Promise<OrmError> {
  const target = violatedColumn(taken, error)
  if (!target) return error
  const [meta, column] = target
  const candidates = uniqueCandidates(dialect, taken, meta, column)
  if (candidates.length === 0) return error
  const atFault = new Set<UniqueCandidate>()
  const seen = new Set<string>()
  for (const candidate of candidates) {
    // Inserts run before updates, each in taken order: the first row with a value is written, the next fails.
    if (seen.has(candidate.key)) atFault.add(candidate)
    seen.add(candidate.key)
  }
  const holders = await readHolders(dialect, connection, meta, column, candidates)
  for (const candidate of candidates) {
    const ids = holders.get(candidate.key)
    if (ids?.some((id) => id !== candidate.idKey)) atFault.add(candidate)
  }
  const found = candidates.filter((candidate) => atFault.has(candidate))
  if (found.length === 0) return error
  return UniqueConstraintError.inFlush(
    error,
    found.map((candidate) => asPending(candidate.entity)),
    found.map((candidate) => describeRow(candidate.entity[STATE])),
  )
}

/** The class and column the error names, as mapped by a class that the flush wrote. */
function violatedColumn(taken: TakenWork, error: UniqueConstraintError): [EntityMetadata, ColumnMetadata] | undefined {
  if (error.className === undefined || error.property === undefined) return undefined
  for (const entity of [...taken.inserts, ...taken.updates]) {
    const { meta } = entity[STATE]
    if (meta.className !== error.className) continue
    const column = meta.columns.find((candidate) => candidate.property === error.property)
    return column && [meta, column]
  }
  return undefined
}

/**
 * The inserts and updates of `meta` that write a value of `column` into a live row: inserts, then updates
 * that set the column or bring the row back (`isDeleted = false` makes the row count in a partial index).
 */
function uniqueCandidates(dialect: Dialect, taken: TakenWork, meta: EntityMetadata, column: ColumnMetadata): UniqueCandidate[] {
  const deletedAt = meta.deletedAtColumn
  const candidates: UniqueCandidate[] = []
  const add = (entity: Stateful, state: EntityState): void => {
    const value = state.values[column.index]
    if (value === undefined || value === null) return // NULLs never collide in a unique index
    if (deletedAt && state.values[deletedAt.index] !== undefined) return
    const id = state.values[0]
    candidates.push({
      entity,
      value,
      key: keyOf(dialect.encode(column.type, value)),
      idKey: id === undefined ? undefined : keyOf(dialect.encode(meta.idColumn.type, id)),
    })
  }
  for (const entity of taken.inserts) {
    const state = entity[STATE]
    if (state.meta === meta) add(entity, state)
  }
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    const slots = taken.updatedSlots[i]
    if (state.meta === meta && (slots?.has(column.index) || (deletedAt && slots?.has(deletedAt.index)))) add(entity, state)
  })
  return candidates
}

/** The ids (as keys) of the rows that hold each candidate value (live rows only, for a soft-deletable class). */
async function readHolders(
  dialect: Dialect,
  connection: Connection,
  meta: EntityMetadata,
  column: ColumnMetadata,
  candidates: readonly UniqueCandidate[],
): Promise<Map<string, string[]>> {
  const values = new Map<string, unknown>()
  for (const candidate of candidates) values.set(candidate.key, candidate.value)
  const query = new LookupCompiler(dialect).selectHolders(meta, column, [...values.values()])
  const holders = new Map<string, string[]>()
  for (const [rawId, rawValue] of await connection.select(query.text, query.params, meta.needsSafeIntegers)) {
    const key = keyOf(dialect.encode(column.type, dialect.decode(column.type, rawValue)))
    const idKey = keyOf(dialect.encode(meta.idColumn.type, dialect.decode(meta.idColumn.type, rawId)))
    const ids = holders.get(key)
    if (ids) ids.push(idKey)
    else holders.set(key, [idKey])
  }
  return holders
}

/** A reference the flush wrote to a row it did not insert itself, which may be gone. */
interface WrittenReference {
  readonly entity: Stateful
  readonly relation: RelationMetadata
  readonly id: unknown
  readonly idKey: string
}

/**
 * The instances whose written reference (a to-one value, or a member a to-many relation gains) points at
 * a row that does not exist: another process deleted it since it was loaded.
 */
async function explainMissingReferences(dialect: Dialect, connection: Connection, taken: TakenWork, error: ForeignKeyError): Promise<OrmError> {
  const references = writtenReferences(dialect, taken)
  if (references.length === 0) return error
  const byTarget = new Map<EntityMetadata, Map<string, unknown>>()
  for (const reference of references) {
    const target = reference.relation.target
    let ids = byTarget.get(target)
    if (!ids) byTarget.set(target, (ids = new Map()))
    ids.set(reference.idKey, reference.id)
  }
  const missing = new Set<string>()
  for (const [target, ids] of byTarget) {
    const existing = await readExistingIds(dialect, connection, target, [...ids.values()])
    for (const idKey of ids.keys()) if (!existing.has(idKey)) missing.add(`${target.className}:${idKey}`)
  }
  const found = references.filter((reference) => missing.has(`${reference.relation.target.className}:${reference.idKey}`))
  if (found.length === 0) return error
  const instances: PendingInstance[] = []
  const described: MissingReference[] = []
  for (const { entity, relation, id } of found) {
    // An instance at fault through several references is listed once, with its first.
    if (!instances.includes(asPending(entity))) instances.push(asPending(entity))
    described.push({ row: describeRow(entity[STATE]), path: relation.path, target: relation.target.describeRow(id) })
  }
  return ForeignKeyError.inFlush(error, instances, described)
}

/**
 * The references to persisted rows that the flush wrote: every to-one value and to-many member of an
 * insert, and the changed to-one values and gained members of an update. References to instances the
 * flush inserts cannot dangle.
 */
function writtenReferences(dialect: Dialect, taken: TakenWork): WrittenReference[] {
  const references: WrittenReference[] = []
  const add = (entity: Stateful, relation: RelationMetadata, value: unknown): void => {
    const id = value instanceof Reference ? value.id : isManaged(value) ? value[STATE].values[0] : undefined
    if (id === undefined || id === null) return
    references.push({ entity, relation, id, idKey: keyOf(dialect.encode(relation.target.idColumn.type, id)) })
  }
  const addRelation = (entity: Stateful, state: EntityState, relation: RelationMetadata, isInsert: boolean): void => {
    const value = state.values[relation.slot]
    if (relation.kind === 'toOne') return add(entity, relation, value)
    if (relation.kind !== 'toMany' || !Array.isArray(value)) return
    const before = isInsert ? undefined : state.members?.[relation.slot]
    for (const item of value) if (!before?.includes(item as Stateful)) add(entity, relation, item)
  }
  for (const entity of taken.inserts) {
    const state = entity[STATE]
    for (const relation of state.meta.relations) addRelation(entity, state, relation, true)
  }
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    for (const slot of taken.updatedSlots[i] ?? []) {
      const relation = state.meta.relationAtSlot[slot]
      if (relation) addRelation(entity, state, relation, false)
    }
  })
  return references
}

/** Which of these ids of `meta` have a row (soft-deleted or not), as keys. */
async function readExistingIds(dialect: Dialect, connection: Connection, meta: EntityMetadata, ids: readonly unknown[]): Promise<Set<string>> {
  const idColumn = meta.idColumn
  const query = new LookupCompiler(dialect).selectExistingIds(meta, ids)
  const existing = new Set<string>()
  for (const [raw] of await connection.select(query.text, query.params, meta.needsSafeIntegers)) {
    existing.add(keyOf(dialect.encode(idColumn.type, dialect.decode(idColumn.type, raw))))
  }
  return existing
}

function isManaged(value: unknown): value is Stateful {
  return isStateful(value) && value[STATE].status === MANAGED
}

/** Every entity is a PendingInstance (it has `discard()`); the session layer only knows it as Stateful. */
function asPending(entity: Stateful): PendingInstance {
  return entity as unknown as PendingInstance
}

/** A comparable key of an encoded value: one column's values all have one type, so its text is enough. */
function keyOf(encoded: unknown): string {
  if (encoded instanceof Date) return encoded.toISOString()
  if (typeof encoded === 'object' && encoded !== null) return JSON.stringify(encoded)
  return String(encoded)
}
