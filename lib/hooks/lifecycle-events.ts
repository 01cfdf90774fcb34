import type { LifecycleEvent } from '../metadata/hook-decorators.js'

/**
 * The call that caused a lifecycle event: a flush (`save()`, `ORM.flush()`, the scheduled flush, the
 * `isDeleted` flag, the flush at a transaction's end), an instance method, or a bulk static form.
 */
export type LifecycleOperation = 'flush' | 'softDelete' | 'restore' | 'delete' | 'bulkDelete' | 'bulkSoftDelete' | 'bulkRestore' | 'bulkUpdate' | 'purgeDeleted'

/**
 * What an `ORM.on()` listener receives, once per class per committed write: the ids of every affected
 * row, and the instances this process holds for them (for a bulk form on a class without a hook for the
 * event, only those already in memory: rows are not loaded for listeners).
 */
export interface LifecycleEventInfo {
  readonly event: LifecycleEvent
  readonly className: string
  readonly operation: LifecycleOperation
  /** Soft-delete and restore cascades: true for the rows the cascade reached (not the one it started from). */
  readonly isCascade: boolean
  readonly ids: readonly (string | number | bigint)[]
  readonly instances: readonly object[]
}

/** A listener given to `ORM.on()`; a returned promise is awaited before the next listener runs. */
export type LifecycleListener = (event: LifecycleEventInfo) => void | Promise<void>
