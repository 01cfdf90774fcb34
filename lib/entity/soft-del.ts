import { Entity, type EntityClass } from './entity.js'
import type { Where } from './find-options.js'
import { requireRuntime } from '../session/active-runtime.js'
import type { Stateful } from '../state/entity-state.js'
import { checkOptions, defineOptions, type OptionKind } from '../util/check-options.js'
import { restoreWhere, softDeleteWhere } from '../operations/bulk-soft-deleter.js'
import { purgeDeleted, type PurgeResult } from '../operations/purger.js'
import { restoreInstance, softDeleteInstance } from '../operations/soft-deleter.js'
import type { CascadeCounts } from '../operations/soft-delete-cascade.js'

/** Options of `softDelete()` on an instance. */
export interface SoftDeleteOptions {
  /**
   * Also soft-delete, in the same transaction, every soft-deletable dependent reachable through
   * required relations (recursively), all with this one deletion time.
   */
  readonly cascade?: boolean
  /**
   * Why the row is soft-deleted (free text, at most 2000 characters), kept in `deletionReason` of an
   * audited class (`@Table({ audit: true })`) and of every row a cascade hides with it.
   */
  readonly reason?: string
}

/** Options of `Class.softDelete({ where })`. */
export interface SoftDeleteWhereOptions<T> {
  /** The rows to soft-delete; `{}` for every live row. */
  readonly where: Where<T>
  /** Why, kept in `deletionReason` of an audited class (as `softDelete({ reason })` on an instance). */
  readonly reason?: string
}

/** Options of `restore()` on an instance. */
export interface RestoreOptions {
  /** Also restore exactly the dependents that `softDelete({ cascade: true })` hid with this row. */
  readonly cascade?: boolean
  /** Also restore the soft-deleted parents along required relations, instead of refusing. */
  readonly withAncestors?: boolean
}

const WHERE_ONLY = { where: 'value' } as const satisfies Record<'where', OptionKind>
const CASCADE_HINT = { cascade: 'cascade applies to softDelete() and restore() on an instance' }

/** The options of the soft-delete calls, checked before they run. */
const OPTIONS = {
  softDelete: defineOptions('softDelete', { cascade: 'boolean', reason: 'value' } satisfies Record<keyof SoftDeleteOptions, OptionKind>),
  restore: defineOptions('restore', { cascade: 'boolean', withAncestors: 'boolean' } satisfies Record<keyof RestoreOptions, OptionKind>),
  softDeleteWhere: defineOptions('softDelete', { ...WHERE_ONLY, reason: 'value' }, CASCADE_HINT),
  restoreWhere: defineOptions('restore', WHERE_ONLY, CASCADE_HINT),
  purgeDeleted: defineOptions('purgeDeleted', { olderThan: 'value' }),
}

/**
 * The built-in abstract base of soft-deletable classes (ids of the `idTypeDefault` type, or the
 * `ormClassSettings_` of a direct child). Rows get a nullable, indexed `deleted_at`; instances get
 * `isDeleted` and `deletedAt`. Soft-deleted rows are hidden from every read until asked for.
 *
 * ```ts
 * class User extends SoftDel { @Column({ unique: true }) username: string }
 * user.isDeleted = true          // or: await user.softDelete()
 * ```
 */
export abstract class SoftDel extends Entity {
  /** Whether the row is soft-deleted; assign it to soft-delete (true) or restore (false) at the next flush. */
  declare isDeleted: boolean
  /** When the row was soft-deleted, or undefined for a live row. */
  declare readonly deletedAt: Date | undefined
  /**
   * Audited classes (`@Table({ audit: true })`): the `ORM.actingAs()` actor that soft-deleted the row (a
   * number actor reads back as its decimal text); undefined for a live row, without an actor, or on a
   * class that is not audited.
   */
  declare readonly deletedBy: string | undefined
  /** Audited classes: the `reason` given to the soft delete, or undefined. */
  declare readonly deletionReason: string | undefined

  /**
   * Soft-deletes the row and flushes; a no-op when it already is. With `cascade: true`, resolves with the
   * rows soft-deleted per class (the root's class included).
   *
   * ```ts
   * const counts = await user.softDelete({ cascade: true })   // { User: 1, Story: 2, Review: 5 }
   * ```
   */
  softDelete(options: SoftDeleteOptions & { readonly cascade: true }): Promise<CascadeCounts>
  softDelete(options?: SoftDeleteOptions & { readonly cascade?: false }): Promise<void>
  softDelete(options?: SoftDeleteOptions): Promise<CascadeCounts | undefined>
  async softDelete(options?: SoftDeleteOptions): Promise<CascadeCounts | void> {
    const runtime = requireRuntime(`soft-delete a ${this.constructor.name}`)
    checkOptions(options, OPTIONS.softDelete, this.constructor.name)
    return softDeleteInstance(runtime, this as unknown as Stateful, options)
  }

  /**
   * Restores a soft-deleted row and flushes; a no-op for a live row. With `cascade: true`, resolves with
   * the rows restored per class (the root's class and any `withAncestors` parents included).
   *
   * ```ts
   * const counts = await user.restore({ cascade: true })      // { User: 1, Story: 2, Review: 5 }
   * ```
   */
  restore(options: RestoreOptions & { readonly cascade: true }): Promise<CascadeCounts>
  restore(options?: RestoreOptions & { readonly cascade?: false }): Promise<void>
  restore(options?: RestoreOptions): Promise<CascadeCounts | undefined>
  async restore(options?: RestoreOptions): Promise<CascadeCounts | void> {
    const runtime = requireRuntime(`restore a ${this.constructor.name}`)
    checkOptions(options, OPTIONS.restore, this.constructor.name)
    return restoreInstance(runtime, this as unknown as Stateful, options)
  }

  /**
   * Soft-deletes every live row that matches, in one statement; returns how many.
   *
   * ```ts
   * const n = await User.softDelete({ where: { lastSeen: sql`< ${cutoff}` }, reason: 'inactive' })
   * ```
   */
  static async softDelete<T extends SoftDel>(this: EntityClass<T>, options: SoftDeleteWhereOptions<T>): Promise<number> {
    const runtime = requireRuntime(`call ${this.name}.softDelete()`)
    checkOptions(options, OPTIONS.softDeleteWhere, this.name)
    return softDeleteWhere(runtime, this, options)
  }

  /**
   * Restores every soft-deleted row that matches, in one statement; returns how many.
   *
   * ```ts
   * const n = await User.restore({ where: { username: 'ann' } })
   * ```
   */
  static async restore<T extends SoftDel>(this: EntityClass<T>, options: { readonly where: Where<T> }): Promise<number> {
    const runtime = requireRuntime(`call ${this.name}.restore()`)
    checkOptions(options, OPTIONS.restoreWhere, this.name)
    return restoreWhere(runtime, this, options)
  }

  /**
   * Hard-deletes the rows soft-deleted before `olderThan`, skipping those that dependents still
   * reference; returns how many went and how many stayed for that reason.
   *
   * ```ts
   * const { purged, blocked } = await User.purgeDeleted({ olderThan: thirtyDaysAgo })
   * ```
   */
  static async purgeDeleted<T extends SoftDel>(this: EntityClass<T>, options: { readonly olderThan: Date }): Promise<PurgeResult> {
    const runtime = requireRuntime(`call ${this.name}.purgeDeleted()`)
    checkOptions(options, OPTIONS.purgeDeleted, this.name)
    return purgeDeleted(runtime, this, options)
  }
}

/**
 * The built-in abstract base of soft-deletable classes with UUIDv7 ids; otherwise as {@link SoftDel}.
 *
 * ```ts
 * class Review extends SoftDelUuid { @Relation(() => User) createdBy: User }
 * ```
 */
export abstract class SoftDelUuid extends SoftDel {
  static ormClassSettings_ = { idType: 'UUID' as const }
}
