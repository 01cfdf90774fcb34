import type { DependentsGraph } from '../graph/dependents-graph.js'
import type { ColumnMetadata, EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { STATE, clearPendingSlot, setMembers, type EntityState, type Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'
import { referencedId } from '../state/reference.js'
import { auditWrites, type DeletionAudit } from './deletion-audit.js'

/**
 * @internal What bringing loaded instances in line with rows the database soft-deleted, restored or deleted
 * needs; `W` is the session's unit of work, which this module only passes back.
 */
export interface SoftDeleteMemoryHost<W> {
  /** Finds the loaded instances of a row or of a class. */
  readonly identityMap: IdentityMap
  readonly graph: DependentsGraph
  /** Records how an instance looked before `work`'s transaction first changed it, so a rollback restores it. */
  journal(work: W, entity: Stateful, state: EntityState): void
  /** Counts a write of `meta`'s rows or junction tables, so that loaded inverse views know they are stale. */
  noteWrite(meta: EntityMetadata, work: W): void
  /** Runs `apply` as memory catching up with the database: its changes to to-many arrays are not pending changes. */
  applyDatabaseChange(apply: () => void): void
}

/**
 * @internal After a soft delete or restore the database already made: identity-mapped instances take the new
 * deleted_at, and on an audited class the soft delete's `audit` (cleared by a restore); journaled, so that a
 * rolled-back transaction puts them back.
 */
export function applySoftDeleteState<W>(
  host: SoftDeleteMemoryHost<W>,
  work: W,
  meta: EntityMetadata,
  ids: readonly unknown[],
  deletedAt: Date | undefined,
  audit?: DeletionAudit,
): void {
  const slot = (meta.deletedAtColumn as ColumnMetadata).index
  const audited = auditWrites(meta, deletedAt === undefined ? undefined : (audit ?? { actor: undefined, reason: undefined }))
  for (const id of ids) {
    const entity = host.identityMap.get(meta, id) as Stateful | undefined
    if (!entity) continue
    const state = entity[STATE]
    host.journal(work, entity, state)
    clearPendingSlot(entity, state, slot, deletedAt)
    for (const { column, value } of audited) clearPendingSlot(entity, state, column.index, value)
  }
  if (deletedAt !== undefined) hideSoftDeleted(host, work, meta, ids)
  if (ids.length > 0) host.noteWrite(meta, work)
}

/**
 * @internal Whether memory could have to follow a soft delete (`hidesRows`) or restore of some of `meta`'s rows:
 * an instance of the class is loaded, or, for a soft delete, an instance of a class with a to-many relation
 * to it (its array may hold them). When not, the change needs no ids: see {@link noteRowsChanged}.
 */
export function mayShowRows<W>(host: SoftDeleteMemoryHost<W>, meta: EntityMetadata, hidesRows: boolean): boolean {
  if (isLoaded(host, meta)) return true
  return hidesRows && relationsToWalk(host, meta, false).some(([owner]) => isLoaded(host, owner))
}

/**
 * @internal After a soft delete (`hidesRows`) or restore of rows of `meta` that no loaded instance shows (see
 * {@link mayShowRows}): what {@link applySoftDeleteState} would do, which is only noting the writes, so that
 * inverse views loaded later read again.
 */
export function noteRowsChanged<W>(host: SoftDeleteMemoryHost<W>, work: W, meta: EntityMetadata, hidesRows: boolean): void {
  if (hidesRows) for (const [owner] of relationsToWalk(host, meta, false)) host.noteWrite(owner, work)
  host.noteWrite(meta, work)
}

function isLoaded<W>(host: SoftDeleteMemoryHost<W>, meta: EntityMetadata): boolean {
  return host.identityMap.instancesOf(meta).next().done !== true
}

/**
 * @internal Soft-deleted rows are hidden: they leave the loaded to-many arrays that hold them (their
 * junction rows stay). Restored ones come back when those arrays are next loaded.
 */
export function hideSoftDeleted<W>(host: SoftDeleteMemoryHost<W>, work: W, meta: EntityMetadata, ids: readonly unknown[]): void {
  if (ids.length > 0) forgetRows(host, work, meta, ids, false)
}

/**
 * @internal Takes the rows `rows` (ids) of `meta` out of the loaded to-many arrays that hold them (and out of their
 * persisted members, so no junction change follows), and, for a hard delete, clears the optional to-one
 * references to them. Walks the in-memory instances of each referencing class. The hard delete
 * (session/applied-deletes.ts) shares it.
 */
export function forgetRows<W>(
  host: SoftDeleteMemoryHost<W>,
  work: W,
  meta: EntityMetadata,
  rows: ReadonlySet<unknown> | readonly unknown[],
  isHardDelete: boolean,
): void {
  const walks = relationsToWalk(host, meta, isHardDelete)
  // The common case of a class referenced only by its dependents: nothing to walk, nothing to allocate.
  if (walks.length === 0) return
  const deleted = rows instanceof Set ? rows : new Set(rows)
  const isDeleted = (value: unknown): boolean => {
    const id = referencedId(value)
    return id !== undefined && deleted.has(id)
  }
  host.applyDatabaseChange(() => {
    for (const [owner, relations] of walks) {
      host.noteWrite(owner, work)
      for (const instance of host.identityMap.instancesOf(owner)) {
        const entity = instance as Stateful
        const state = entity[STATE]
        // The identity map holds a hierarchy's instances together: only the owner's class and descendants have the relation.
        if (state.meta !== owner && !state.meta.isA(owner)) continue
        for (const relation of relations) {
          const value = state.values[relation.slot]
          if (relation.kind === 'toOne') {
            if (state.dirty?.has(relation.slot) || !isDeleted(value)) continue
            host.journal(work, entity, state)
            state.values[relation.slot] = undefined
          } else if (Array.isArray(value) && value.some(isDeleted)) {
            host.journal(work, entity, state)
            for (let i = value.length - 1; i >= 0; i--) if (isDeleted(value[i])) value.splice(i, 1)
            const persisted = state.members?.[relation.slot]
            if (persisted) setMembers(state, relation.slot, persisted.filter((item) => !isDeleted(item)))
          }
        }
      }
    }
  })
}

type Walks = readonly (readonly [EntityMetadata, readonly RelationMetadata[]])[]

/** Per class (metadata is built per boot, like the graph): its walks for a hard delete and for a soft delete. */
const walksByClass = new WeakMap<EntityMetadata, { hard?: Walks; soft?: Walks }>()

/**
 * Per class referencing `meta`, the relations whose loaded values a hard delete (or soft delete) of its rows
 * changes. Required references cannot point at a hard-deleted row (the delete checked), and a soft delete
 * leaves to-one references as they are: only the rest make it worth walking the instances. Computed once
 * per class: every delete and soft delete asks.
 */
function relationsToWalk<W>(host: SoftDeleteMemoryHost<W>, meta: EntityMetadata, isHardDelete: boolean): Walks {
  let cached = walksByClass.get(meta)
  if (!cached) walksByClass.set(meta, (cached = {}))
  const known = isHardDelete ? cached.hard : cached.soft
  if (known) return known
  const walks: [EntityMetadata, RelationMetadata[]][] = []
  for (const [owner, references] of host.graph.referenceRelations(meta)) {
    const relations = references.filter((relation) => (isHardDelete ? !relation.isDependency : relation.kind === 'toMany'))
    if (relations.length > 0) walks.push([owner, relations])
  }
  if (isHardDelete) cached.hard = walks
  else cached.soft = walks
  return walks
}
