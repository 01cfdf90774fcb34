import type { Connection, Driver } from '../dialect/dialect.js'
import type { ReadReplicas } from '../dialect/read-replicas.js'
import { NotBootedError } from '../errors/not-booted-error.js'
import type { DetachedInstanceError } from '../errors/detached-instance-error.js'
import type { OrmError } from '../errors/orm-error.js'
import type { DependentsGraph } from '../graph/dependents-graph.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import { QueryCompiler, type RawFindOptions } from '../query/query-compiler.js'
import type { Logger } from '../util/logger.js'
import { DeletionClock } from '../soft-delete/deletion-clock.js'
import { hideSoftDeleted } from '../soft-delete/soft-delete-memory.js'
import { STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { IdentityMap } from '../state/identity-map.js'
import { isStateful } from '../state/reference.js'
import { ChangeTracker } from './change-tracker.js'
import { Closer, type CloseHost, type CloseResult } from './closer.js'
import { discardInstance, discardPendingWork, type DiscardHost } from './discarder.js'
import { FlushScheduler, type SchedulerHost } from './flush-scheduler.js'
import { flushWork } from './flusher.js'
import { Hydrator } from './hydrator.js'
import { journalInstance } from './journal.js'
import type { CollectionWrapper } from './own-fields.js'
import { Reader, type Consistency, type ReadHost } from './reader.js'
import { ReadRouter } from './read-router.js'
import { RelationLoader, type LoaderHost } from './relation-loader.js'
import { explainMissedRows, type StaleRowsHost } from './stale-rows.js'
import { TransactionScopes, type ScopeHost } from './transaction-scopes.js'
import type { UnitOfWork } from './unit-of-work.js'
import { WriteVersions } from './write-versions.js'
import type { Visibility } from '../soft-delete/visibility.js'
import { HookRunner } from '../hooks/hook-runner.js'

/** @internal Boot options that shape runtime behaviour. */
export interface RuntimeOptions {
  readonly autoFlush: boolean
  /** Receives errors of background (scheduled) flushes as they happen. */
  readonly reportError: (error: Error) => void
  /** Where close() says how many pending changes it discarded. */
  readonly logger: Logger
  /** Read replicas (PostgreSQL): reads outside transactions go to them, keeping read-your-writes. */
  readonly replicas?: ReadReplicas
}

let nextEpoch = 1

/**
 * @internal Everything a booted ORM holds: the driver, the metadata, the identity map, and the parts that
 * track changes, run transactions, schedule flushes, read and close. It implements each part's host port,
 * mostly by delegating to another part. Entity methods reach it through `requireRuntime()`.
 */
export class Runtime implements ScopeHost, SchedulerHost, CloseHost, DiscardHost, ReadHost, LoaderHost, StaleRowsHost {
  readonly epoch = nextEpoch++
  readonly dialect
  readonly compiler
  readonly identityMap = new IdentityMap()
  readonly hydrator
  readonly globalWork: UnitOfWork
  readonly transactions: ReadonlySet<Promise<unknown>>
  /** Change tracking; property accessors call it directly, as it runs on every assignment. */
  readonly tracker: ChangeTracker
  /** Reads and lazy loading; relation accessors call it directly. */
  readonly reader: Reader
  readonly loader: RelationLoader
  readonly wrapCollection: CollectionWrapper
  /** Lifecycle hooks and `ORM.on()` listeners. */
  readonly hooks: HookRunner
  readonly #scopes: TransactionScopes
  readonly #scheduler: FlushScheduler
  readonly #closer: Closer
  readonly #writeVersions = new WriteVersions()
  readonly #clock = new DeletionClock()

  constructor(
    readonly driver: Driver,
    readonly registry: MetadataRegistry,
    readonly graph: DependentsGraph,
    readonly options: RuntimeOptions,
  ) {
    this.dialect = driver.dialect
    this.compiler = new QueryCompiler(driver.dialect, (value) => (isStateful(value) ? { id: value[STATE].values[0], meta: value[STATE].meta } : undefined))
    this.hydrator = new Hydrator(driver.dialect, this.identityMap, this.epoch)
    this.hooks = new HookRunner(registry.entities)
    this.#scopes = new TransactionScopes(this)
    this.globalWork = this.#scopes.globalWork
    this.transactions = this.#scopes.running
    this.#closer = new Closer(this)
    this.#scheduler = new FlushScheduler(this)
    this.tracker = new ChangeTracker({ epoch: this.epoch, scopes: this.#scopes, scheduler: this.#scheduler, closer: this.#closer })
    this.wrapCollection = this.tracker.wrapCollection
    this.reader = new Reader(this, options.replicas && new ReadRouter(options.replicas, registry.entities))
    this.loader = new RelationLoader(this)
  }

  /** Whether close() was called on this runtime (and has not failed). */
  get isClosing(): boolean {
    return this.#closer.isClosing
  }

  /** The unit of work of the calling async context: its transaction's, or the process-wide one. */
  currentWork(): UnitOfWork {
    return this.#scopes.currentWork()
  }

  /** Called at the start of every public ORM call: rethrows a failed scheduled flush's error once. */
  enter(): void {
    this.#scheduler.enter()
  }

  async flush(work: UnitOfWork = this.currentWork()): Promise<void> {
    await flushWork(this, work)
  }

  toOrmError(error: unknown): OrmError {
    return this.dialect.toOrmError(error, this.registry)
  }

  metadataFor(ctor: object, name: string): EntityMetadata {
    const meta = this.registry.forClass(ctor)
    if (!meta) throw NotBootedError.notRegistered(name)
    return meta
  }

  // --- memory catching up with writes (flusher, stale rows, deletes) ---

  noteWrite(meta: EntityMetadata, work?: UnitOfWork): void {
    this.#writeVersions.note(meta, work)
    if (!work?.journal) this.reader.noteCommitted(meta)
  }

  writeVersion(meta: EntityMetadata): number {
    return this.#writeVersions.of(meta)
  }

  noteSoftDeleted(meta: EntityMetadata, ids: readonly unknown[], work: UnitOfWork): void {
    hideSoftDeleted(this, work, meta, ids)
  }

  explainMissedRows(work: UnitOfWork, missed: readonly Stateful[]): Promise<OrmError> {
    return explainMissedRows(this, work, missed)
  }

  journal(work: UnitOfWork, entity: Stateful, state: EntityState): void {
    journalInstance(work, entity, state)
  }

  /** A collection is about to be loaded into an instance: inside a transaction, journal it first. */
  journalLoad(entity: Stateful): void {
    journalInstance(this.currentWork(), entity, entity[STATE])
  }

  /** The deleted_at for a soft delete made now (see {@link DeletionClock}). */
  nextDeletionStamp(forCascade = false): Date {
    return this.#clock.next(forCascade)
  }

  // --- change tracking (operations/ write through these) ---

  onWrite(entity: Stateful, state: EntityState, index: number, value: unknown): void {
    this.tracker.onWrite(entity, state, index, value)
  }

  dropPendingChange(entity: Stateful, state: EntityState, slot: number, value: unknown): void {
    this.tracker.dropPendingChange(entity, state, slot, value)
  }

  applyDatabaseChange(apply: () => void): void {
    this.tracker.applyDatabaseChange(apply)
  }

  detachedError(state: EntityState): DetachedInstanceError {
    return this.tracker.detachedError(state)
  }

  // --- reads, transactions, discarding, closing ---

  find<T>(meta: EntityMetadata, options: (RawFindOptions & { consistency?: Consistency }) | undefined): Promise<T[]> {
    return this.reader.find<T>(meta, options)
  }

  findById<T>(meta: EntityMetadata, id: unknown, visibility: Visibility, relations?: object, consistency?: Consistency): Promise<T | undefined> {
    return this.reader.findById<T>(meta, id, visibility, relations, consistency)
  }

  count(meta: EntityMetadata, where: object | undefined, visibility: Visibility, consistency?: Consistency): Promise<number> {
    return this.reader.count(meta, where, visibility, consistency)
  }

  query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return this.reader.query(text, params)
  }

  afterFlush<R>(run: (connection: Connection) => Promise<R>): Promise<R> {
    return this.reader.afterFlush(run)
  }

  transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.#scopes.transaction(fn)
  }

  discard(entity: Stateful): Promise<boolean> {
    return discardInstance(this, entity)
  }

  discardPending(work: UnitOfWork = this.currentWork()): Promise<number> {
    return discardPendingWork(this, work)
  }

  async close(discardPending: boolean): Promise<CloseResult> {
    const result = await this.#closer.close(discardPending)
    await this.options.replicas?.close()
    return result
  }
}
