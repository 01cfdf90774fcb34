import type { Connection, Dialect } from '../dialect/dialect.js'
import type { DetachedInstanceError } from '../errors/detached-instance-error.js'
import type { OrmError } from '../errors/orm-error.js'
import type { DependentsGraph } from '../graph/dependents-graph.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { QueryCompiler } from '../query/query-compiler.js'
import type { Hydrator } from '../session/hydrator.js'
import type { RelationLoader } from '../session/relation-loader.js'
import type { StaleRowsHost } from '../session/stale-rows.js'
import type { UnitOfWork } from '../session/unit-of-work.js'
import type { EntityState, Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'
import type { HookRunner } from '../hooks/hook-runner.js'

/**
 * @internal The slice of the runtime that the explicit write operations (outside the flush) use: entering a
 * call, flushing before it, running it in a transaction on the caller's connection, typing its errors, and
 * (through StaleRowsHost) keeping memory in line with the rows they deleted or found missing.
 */
export interface OperationHost extends StaleRowsHost {
  readonly epoch: number
  readonly dialect: Dialect
  readonly compiler: QueryCompiler
  readonly graph: DependentsGraph
  /** Lifecycle hooks and listeners (see `hook-calls.ts`). */
  readonly hooks: HookRunner
  /** Rethrows a failed scheduled flush's error, at the start of every public call. */
  enter(): void
  flush(): Promise<void>
  afterFlush<R>(run: (connection: Connection) => Promise<R>): Promise<R>
  transaction<T>(fn: () => Promise<T> | T): Promise<T>
  currentWork(): UnitOfWork
  toOrmError(error: unknown): OrmError
  detachedError(state: EntityState): DetachedInstanceError
}

/** @internal What `delete()`, `Class.delete()` and `getDependents()` use: they also read the dependents as instances. */
export interface DeleteHost extends OperationHost {
  readonly hydrator: Hydrator
  readonly loader: RelationLoader
}

/** @internal What `softDelete()`, `restore()` and `purgeDeleted()` use: they also change instances and draw deletion stamps. */
export interface SoftDeleteHost extends OperationHost {
  readonly identityMap: IdentityMap
  metadataFor(ctor: object, name: string): EntityMetadata
  onWrite(entity: Stateful, state: EntityState, index: number, value: unknown): void
  dropPendingChange(entity: Stateful, state: EntityState, slot: number, value: unknown): void
  nextDeletionStamp(forCascade?: boolean): Date
}
