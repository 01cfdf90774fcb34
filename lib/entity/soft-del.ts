import { Entity, type EntityClass } from './entity.js'
import type { Where } from './find-options.js'
import { requireRuntime } from '../session/active-runtime.js'
import type { Stateful } from '../state/entity-state.js'
import { checkOptions, defineOptions, type OptionKind } from '../util/check-options.js'
import { restoreWhere, softDeleteWhere } from '../operations/bulk-soft-deleter.js'
import { purgeDeleted, type PurgeResult } from '../operations/purger.js'
import { restoreInstance, softDeleteInstance } from '../operations/soft-deleter.js'

/** Options of `softDelete()` on an instance. */
export interface SoftDeleteOptions {
  /**
   * Also soft-delete, in the same transaction, every soft-deletable dependent reachable through
   * required relations (recursively), all with this one deletion time.
   */
  readonly cascade?: boolean
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
  softDelete: defineOptions('softDelete', { cascade: 'boolean' } satisfies Record<keyof SoftDeleteOptions, OptionKind>),
  restore: defineOptions('restore', { cascade: 'boolean', withAncestors: 'boolean' } satisfies Record<keyof RestoreOptions, OptionKind>),
  softDeleteWhere: defineOptions('softDelete', WHERE_ONLY, CASCADE_HINT),
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
   * Soft-deletes the row and flushes; a no-op when it already is.
   *
   * ```ts
   * await user.softDelete({ cascade: true })   // the user, their stories, those stories' reviews
   * ```
   */
  async softDelete(options?: SoftDeleteOptions): Promise<void> {
    const runtime = requireRuntime(`soft-delete a ${this.constructor.name}`)
    checkOptions(options, OPTIONS.softDelete, this.constructor.name)
    await softDeleteInstance(runtime, this as unknown as Stateful, options)
  }

  /**
   * Restores a soft-deleted row and flushes; a no-op for a live row.
   *
   * ```ts
   * await user.restore({ cascade: true })
   * ```
   */
  async restore(options?: RestoreOptions): Promise<void> {
    const runtime = requireRuntime(`restore a ${this.constructor.name}`)
    checkOptions(options, OPTIONS.restore, this.constructor.name)
    await restoreInstance(runtime, this as unknown as Stateful, options)
  }

  /**
   * Soft-deletes every live row that matches, in one statement; returns how many.
   *
   * ```ts
   * const n = await User.softDelete({ where: { lastSeen: sql`< ${cutoff}` } })
   * ```
   */
  static async softDelete<T extends SoftDel>(this: EntityClass<T>, options: { readonly where: Where<T> }): Promise<number> {
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
