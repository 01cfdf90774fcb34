import { AsyncLocalStorage } from 'node:async_hooks'
import { v7 as uuidv7 } from 'uuid'
import type { Connection, Driver, TransactionConnection } from '../dialect/dialect.js'
import { DetachedInstanceError } from '../errors/detached-instance-error.js'
import { NotBootedError } from '../errors/not-booted-error.js'
import type { OrmError } from '../errors/orm-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import { QueryCompiler, UnsavedInstanceInWhere, type CompiledQuery, type RawFindOptions, type Visibility } from '../query/query-compiler.js'
import type { DependentsGraph } from '../graph/dependents-graph.js'
import type { Logger } from '../schema/schema-sync.js'
import { RelationLoader } from './relation-loader.js'
import type { RelationMetadata } from '../metadata/relation-metadata.js'
import { DETACHED, EntityState, MANAGED, NEW, STATE, clearPendingSlot, serializeMutable, type Stateful } from '../state/entity-state.js'
import { detectInPlaceChanges, flushWork, type FlushContext } from './flusher.js'
import { Hydrator } from './hydrator.js'
import { adoptOwnFields } from './own-fields.js'
import { IdentityMap } from '../state/identity-map.js'
import { hideSoftDeleted } from './applied-deletes.js'
import { explainMissedRows } from './stale-rows.js'
import { InverseView, Reference, isStateful } from '../state/reference.js'
import { trackedArray } from '../state/tracked-array.js'
import { UnitOfWork, type JournalEntry } from './unit-of-work.js'

/** @internal Boot options that shape runtime behaviour. */
export interface RuntimeOptions {
  readonly autoFlush: boolean
  /** Receives errors of background (scheduled) flushes as they happen. */
  readonly reportError: (error: OrmError) => void
  /** Where close() says how many pending changes it discarded. */
  readonly logger: Logger
}

/** @internal What `close()` did: how many instances' pending inserts or changes it discarded. */
export interface CloseResult {
  readonly discarded: number
}

let nextEpoch = 1

/**
 * @internal Everything a booted ORM holds: the driver, the metadata, the identity map and the units
 * of work. Entity methods reach it through {@link requireRuntime}.
 */
export class Runtime implements FlushContext {
  readonly epoch = nextEpoch++
  readonly dialect
  readonly compiler
  readonly identityMap = new IdentityMap()
  readonly hydrator
  readonly globalWork: UnitOfWork
  readonly loader: RelationLoader
  readonly #writeVersions = new Map<EntityMetadata, number>()
  readonly #scopes = new AsyncLocalStorage<UnitOfWork>()
  #openTransactions = 0
  readonly #transactions = new Set<Promise<unknown>>()
  #isFlushScheduled = false
  /** Set once close() was called: every later change throws, as the final flush could not write it. */
  #isClosing = false
  #lastCascadeStamp = 0
  /** Set while memory catches up with a change the database already made: not a pending change. */
  #isApplyingDatabaseChange = false

  constructor(
    readonly driver: Driver,
    readonly registry: MetadataRegistry,
    readonly graph: DependentsGraph,
    readonly options: RuntimeOptions,
  ) {
    this.dialect = driver.dialect
    this.compiler = new QueryCompiler(driver.dialect, (value) => (isStateful(value) ? { id: value[STATE].values[0], meta: value[STATE].meta } : undefined))
    this.hydrator = new Hydrator(driver.dialect, this.identityMap, this.epoch)
    this.globalWork = new UnitOfWork(driver.shared, undefined, undefined)
    this.loader = new RelationLoader(this)
  }

  /** Wraps a to-many relation's items in an array that marks the owner dirty when it changes. */
  readonly wrapCollection = (entity: Stateful, slot: number, items: Iterable<unknown>): unknown[] =>
    trackedArray(items, () => this.onCollectionChange(entity, entity[STATE], slot))

  /**
   * Counts writes per class, so that loaded inverse views know when they are stale. A write inside
   * transactions is counted again when each of them ends: a view read meanwhile, in or out of the
   * transaction, may show rows that a rollback removes or miss rows that a commit reveals.
   */
  noteWrite(meta: EntityMetadata, work?: UnitOfWork): void {
    this.#writeVersions.set(meta, (this.#writeVersions.get(meta) ?? 0) + 1)
    for (let scope = work; scope?.journal; scope = scope.parent) scope.touched.add(meta)
  }

  noteSoftDeleted(meta: EntityMetadata, ids: readonly unknown[], work: UnitOfWork): void {
    hideSoftDeleted(this, work, meta, ids)
  }

  explainMissedRows(work: UnitOfWork, missed: readonly Stateful[]): Promise<OrmError> {
    return explainMissedRows(this, work, missed)
  }

  /** A collection is about to be loaded into an instance: inside a transaction, journal it first. */
  journalLoad(entity: Stateful): void {
    const work = this.currentWork()
    if (work.journal) this.#journal(work, entity, entity[STATE])
  }

  writeVersion(meta: EntityMetadata): number {
    return this.#writeVersions.get(meta) ?? 0
  }

  toOrmError(error: unknown): OrmError {
    return this.dialect.toOrmError(error, this.registry)
  }

  metadataFor(ctor: object, name: string): EntityMetadata {
    const meta = this.registry.forClass(ctor)
    if (!meta) throw NotBootedError.notRegistered(name)
    return meta
  }

  /**
   * Called at the start of every public ORM call: rethrows a failed scheduled flush's error once, unless
   * its work changed since (then the call's own flush retries it and reports the outcome).
   */
  enter(): void {
    const work = this.globalWork
    const error = work.backgroundError
    if (error) {
      work.backgroundError = undefined
      if (work.isHeldBack) throw error
    }
  }

  /** Whether close() was called on this runtime (and has not failed). */
  get isClosing(): boolean {
    return this.#isClosing
  }

  /** The unit of work of the calling async context: its transaction's, or the process-wide one. */
  currentWork(): UnitOfWork {
    if (this.#openTransactions === 0) return this.globalWork
    return this.#scopes.getStore() ?? this.globalWork
  }

  // --- tracking hooks, called by Entity and its property accessors ---

  trackNew(entity: Stateful, meta: EntityMetadata): void {
    const values = new Array<unknown>(meta.slotCount).fill(undefined)
    if (!meta.isIdGenerated) values[0] = uuidv7()
    const state = new EntityState(meta, this.epoch, values, NEW)
    entity[STATE] = state
    const work = this.currentWork()
    state.owner = work
    work.newEntities.add(entity)
    work.isHeldBack = false
    work.journal?.set(entity, { created: true })
    if (work === this.globalWork) this.scheduleFlush()
  }

  onWrite(entity: Stateful, state: EntityState, index: number, value: unknown): void {
    this.#assertChangeable(state, index)
    const work = state.status === NEW ? undefined : this.currentWork()
    if (state.status === NEW) {
      state.values[index] = value
      const owner = state.owner
      // Taken by a flush that is still running: record the change so it is not lost.
      if (owner && !owner.newEntities.has(entity)) this.#markDirty(entity, state, index, owner)
      else if (owner?.isHeldBack) this.#resume(owner)
      return
    }
    const previous = state.values[index]
    if (previous === value && (typeof value !== 'object' || value === null)) return
    this.#journal(work as UnitOfWork, entity, state)
    state.values[index] = value
    this.#markDirty(entity, state, index, work as UnitOfWork)
  }

  /**
   * Puts back the value a slot had before its pending change, which is no change: the slot is no
   * longer dirty (nor the instance, when nothing else is).
   */
  dropPendingChange(entity: Stateful, state: EntityState, slot: number, value: unknown): void {
    this.#assertChangeable(state, slot)
    clearPendingSlot(entity, state, slot, value)
  }

  /** A to-many relation's array is about to change (called before the change, so the journal sees the old items). */
  onCollectionChange(entity: Stateful, state: EntityState, slot: number): void {
    if (this.#isApplyingDatabaseChange) return
    this.#assertChangeable(state, slot)
    if (state.status === NEW) {
      const owner = state.owner
      if (owner && !owner.newEntities.has(entity)) this.#markDirty(entity, state, slot, owner)
      else if (owner?.isHeldBack) this.#resume(owner)
      return
    }
    const work = this.currentWork()
    this.#journal(work, entity, state)
    this.#markDirty(entity, state, slot, work)
  }

  /** Reading an unloaded to-one relation: the target from memory, or a promise that loads it. */
  readReference(entity: Stateful, state: EntityState, relation: RelationMetadata, reference: Reference): unknown {
    const found = this.identityMap.get(relation.target, reference.id)
    if (found) {
      state.values[relation.slot] = found
      return found
    }
    return this.#loadLazily(entity, state, relation)
  }

  /** Reading an unloaded to-many relation or a stale inverse view: a promise of its loaded value. */
  readCollection(entity: Stateful, state: EntityState, relation: RelationMetadata): unknown {
    const value = state.values[relation.slot]
    if (relation.kind === 'toMany') {
      if (value !== undefined) return value
      if (state.status === NEW) return (state.values[relation.slot] = this.wrapCollection(entity, relation.slot, []))
    } else {
      const mirroredOwner = (relation.mirrored as RelationMetadata).owner
      if (value instanceof InverseView && value.version === this.writeVersion(mirroredOwner)) return value.items
      if (state.status === NEW) return Object.freeze([])
    }
    return this.#loadLazily(entity, state, relation)
  }

  async #loadLazily(entity: Stateful, state: EntityState, relation: RelationMetadata): Promise<unknown> {
    if (this.#isClosing) throw NotBootedError.closing(`load ${relation.path}`)
    this.enter()
    if (state.status === DETACHED || state.epoch !== this.epoch) throw this.detachedError(state)
    await this.afterFlush((connection) => this.loader.loadRelation(relation, [entity], connection))
    const value = state.values[relation.slot]
    if (value instanceof InverseView) return value.items
    // A target deleted meanwhile stays a Reference: there is nothing to return.
    return value instanceof Reference ? undefined : value
  }

  /**
   * The deleted_at for a soft delete made now. A cascade's rows share one stamp and its restore finds
   * them by it, so cascades use odd milliseconds, each a new one, and every other soft delete an even
   * one: a cascade is never confused with a soft delete of this process (thousands of plain ones in
   * one flush keep the current time).
   */
  nextDeletionStamp(forCascade = false): Date {
    const now = Date.now()
    if (!forCascade) return new Date(now - (now % 2))
    const stamp = Math.max(now + 1 - (now % 2), this.#lastCascadeStamp + 2)
    this.#lastCascadeStamp = stamp
    return new Date(stamp)
  }


  /**
   * Runs `apply`, which brings memory in line with a change the database already made: changes it
   * makes to to-many arrays are not pending changes.
   */
  applyDatabaseChange(apply: () => void): void {
    this.#isApplyingDatabaseChange = true
    try {
      apply()
    } finally {
      this.#isApplyingDatabaseChange = false
    }
  }

  /** A json/date object was handed out: snapshot it so an in-place edit is detected at flush. */
  onMutableRead(entity: Stateful, state: EntityState, index: number): void {
    if (state.status !== MANAGED || state.epoch !== this.epoch || this.#isClosing) return
    const snapshots = (state.snapshots ??= [])
    if (snapshots[index] === undefined) snapshots[index] = serializeMutable(state.values[index])
    const work = this.currentWork()
    this.#journal(work, entity, state)
    work.suspects.add(entity)
    if (work === this.globalWork) this.scheduleFlush()
  }

  detachedError(state: EntityState): DetachedInstanceError {
    const why = state.epoch !== this.epoch ? 'it belongs to an earlier ORM.boot()' : (state.detachedBecause ?? 'detached')
    return DetachedInstanceError.detached(state.meta.className, state.values[0], why)
  }

  /** Throws when a change cannot be accepted: close() was called, or the instance is detached. */
  #assertChangeable(state: EntityState, slot: number): void {
    if (state.status === DETACHED || state.epoch !== this.epoch || this.#isClosing) throw this.#refuseChange(state, slot)
  }

  /** Why a change cannot be accepted: close() was called, or the instance is detached. */
  #refuseChange(state: EntityState, slot: number): OrmError {
    if (!this.#isClosing || state.epoch !== this.epoch) return this.detachedError(state)
    const property = state.meta.columns[slot]?.property ?? state.meta.relationAtSlot[slot]?.property
    return NotBootedError.closing(`change ${state.meta.className}.${property ?? 'a property'}`)
  }

  #markDirty(entity: Stateful, state: EntityState, index: number, work: UnitOfWork): void {
    ;(state.dirty ??= new Set()).add(index)
    if (state.owner !== work) {
      state.owner?.dirtyEntities.delete(entity)
      state.owner = work
    }
    work.dirtyEntities.add(entity)
    work.isHeldBack = false
    if (work === this.globalWork) this.scheduleFlush()
  }

  /** A change to work that a failed flush handed back: the scheduled flush may try it again. */
  #resume(work: UnitOfWork): void {
    work.isHeldBack = false
    if (work === this.globalWork) this.scheduleFlush()
  }

  /** Records how an instance looked before a transaction first changed it. */
  journal(work: UnitOfWork, entity: Stateful, state: EntityState): void {
    this.#journal(work, entity, state)
  }

  #journal(work: UnitOfWork, entity: Stateful, state: EntityState): void {
    if (!work.journal || work.journal.has(entity)) return
    const values = state.values.map((value, i) => {
      const type = state.meta.columns[i]?.type
      if (Array.isArray(value)) return [...value]
      return (type === 'json' || type === 'date') && value !== null && typeof value === 'object' ? structuredClone(value) : value
    })
    work.journal.set(entity, {
      created: false,
      values,
      dirty: state.dirty && new Set(state.dirty),
      owner: state.owner,
      status: state.status,
      members: state.members,
    })
  }

  // --- flushing ---

  scheduleFlush(): void {
    if (this.#isFlushScheduled || !this.options.autoFlush) return
    this.#isFlushScheduled = true
    setImmediate(this.#runScheduledFlush)
  }

  /** The scheduled flush; its error is stored for the next call by the flusher and reported here. */
  readonly #runScheduledFlush = (): void => {
    this.#isFlushScheduled = false
    // close() runs the final flush itself.
    if (this.#isClosing) return
    flushWork(this, this.globalWork, true).catch((error: unknown) => this.options.reportError(this.toOrmError(error)))
  }

  async flush(work: UnitOfWork = this.currentWork()): Promise<void> {
    await flushWork(this, work)
  }

  // --- reads ---

  async find<T>(meta: EntityMetadata, options: RawFindOptions | undefined): Promise<T[]> {
    this.loader.check(meta, options?.relations)
    const compile = (): CompiledQuery => this.compiler.select(meta, options)
    const early = compileBeforeFlush(compile)
    return this.afterFlush(async (connection) => {
      const query = early ?? compile()
      const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
      const instances = this.hydrator.hydrate<Stateful>(meta, rows)
      await this.loader.load(meta, instances, options?.relations, connection)
      return instances as T[]
    })
  }

  async findById<T>(meta: EntityMetadata, id: unknown, visibility: Visibility): Promise<T | undefined> {
    if (id === undefined || id === null) {
      throw ValidationError.wrongType(`${meta.className}.findById()`, `an id`, id)
    }
    const query = this.compiler.selectById(meta, id, visibility)
    const rows = await this.afterFlush((connection) => connection.select(query.text, query.params, meta.needsSafeIntegers))
    return this.hydrator.hydrate<T>(meta, rows)[0]
  }

  async count(meta: EntityMetadata, where: object | undefined, visibility: Visibility): Promise<number> {
    const compile = (): CompiledQuery => this.compiler.count(meta, where, visibility)
    const early = compileBeforeFlush(compile)
    const rows = await this.afterFlush((connection) => {
      const query = early ?? compile()
      return connection.select(query.text, query.params, false)
    })
    return Number(rows[0]?.[0] ?? 0)
  }

  async query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return this.afterFlush((connection) => connection.query(text, params))
  }

  /**
   * Flushes the caller's scope so the query sees its changes, then runs it on that scope's
   * connection; database errors come out typed.
   */
  async afterFlush<R>(run: (connection: Connection) => Promise<R>): Promise<R> {
    const work = this.currentWork()
    await this.flush(work)
    try {
      return await run(work.connection)
    } catch (error) {
      throw this.toOrmError(error)
    }
  }

  // --- transactions ---

  async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    const running = this.#transaction(fn)
    // close() lets the transactions in progress finish before it closes their connections.
    this.#transactions.add(running)
    try {
      return await running
    } finally {
      this.#transactions.delete(running)
    }
  }

  async #transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    const parent = this.currentWork()
    await this.flush(parent)
    let connection: TransactionConnection
    try {
      connection = parent.transaction ? await parent.transaction.begin() : await this.driver.begin()
    } catch (error) {
      throw this.toOrmError(error)
    }
    const work = new UnitOfWork(connection, parent, new Map())
    this.#openTransactions++
    try {
      const result = await this.#scopes.run(work, fn)
      await this.flush(work)
      try {
        await connection.commit()
      } catch (error) {
        throw this.toOrmError(error)
      }
      if (parent.journal) {
        for (const [entity, entry] of work.journal as Map<Stateful, JournalEntry>) {
          if (!parent.journal.has(entity)) parent.journal.set(entity, entry)
        }
      }
      for (const meta of work.touched) this.noteWrite(meta, parent)
      return result
    } catch (error) {
      await connection.rollback().catch((rollbackError: unknown) => {
        // The transaction's own error is what the caller needs; the rollback failure rides along.
        if (error instanceof Error && error.cause === undefined) error.cause = rollbackError
      })
      this.#revert(work)
      for (const meta of work.touched) this.noteWrite(meta, parent)
      throw error
    } finally {
      this.#openTransactions--
    }
  }

  /** Puts every instance a rolled-back transaction touched back as it was before it. */
  #revert(work: UnitOfWork): void {
    for (const [entity, entry] of work.journal as Map<Stateful, JournalEntry>) {
      const state = entity[STATE]
      work.newEntities.delete(entity)
      work.dirtyEntities.delete(entity)
      if (entry.created) {
        if (state.status === MANAGED) this.identityMap.delete(state.meta, state.values[0])
        // Never-flushed instances may still hold their fields as own properties, which would
        // hide the accessors that refuse changes to a detached instance.
        adoptOwnFields(entity, state, this.wrapCollection)
        state.status = DETACHED
        state.detachedBecause = 'it was created in a transaction that rolled back'
        state.dirty = undefined
        state.owner = undefined
        continue
      }
      state.values = entry.values.map((value, slot) =>
        state.meta.relationAtSlot[slot]?.kind === 'toMany' && Array.isArray(value) ? this.wrapCollection(entity, slot, value) : value,
      )
      state.dirty = entry.dirty
      state.owner = entry.owner
      state.members = entry.members
      state.snapshots = undefined
      if (state.status !== entry.status) {
        // Deleted inside the transaction: the row is back, and so is the instance.
        state.status = entry.status
        state.detachedBecause = undefined
        if (entry.status === MANAGED) this.identityMap.set(state.meta, state.values[0], entity)
      }
      if (entry.dirty && entry.owner) entry.owner.dirtyEntities.add(entity)
    }
  }

  // --- discarding pending work ---

  /**
   * Drops one instance's pending insert or changes: a new instance is never inserted, a persisted one
   * forgets its unflushed changes. Either way it is detached. Returns whether anything was pending.
   */
  async discard(entity: Stateful): Promise<boolean> {
    const state = entity[STATE]
    if (state.epoch !== this.epoch) throw this.detachedError(state)
    const work = this.currentWork()
    // A flush that took the instance decides first: it may write it (then there is nothing to drop) or hand it back.
    for (const scope of new Set([work, state.owner ?? work])) {
      while (scope.flushing) await scope.flushing.catch(() => undefined)
      detectInPlaceChanges(scope)
    }
    if (state.status === DETACHED || (state.status === MANAGED && !state.dirty)) return false
    this.#discard(entity, state, work)
    return true
  }

  /** Drops every pending insert and change of the current scope; returns how many instances had some. */
  async discardPending(work: UnitOfWork = this.currentWork()): Promise<number> {
    while (work.flushing) await work.flushing.catch(() => undefined)
    detectInPlaceChanges(work)
    const pending = new Set([...work.newEntities, ...work.dirtyEntities])
    for (const entity of pending) this.#discard(entity, entity[STATE], work)
    work.isHeldBack = false
    work.backgroundError = undefined
    return pending.size
  }

  #discard(entity: Stateful, state: EntityState, scope: UnitOfWork): void {
    // Inside a transaction, journal first: a rollback brings the instance and its changes back.
    this.#journal(scope, entity, state)
    state.owner?.newEntities.delete(entity)
    state.owner?.dirtyEntities.delete(entity)
    if (state.status === NEW) {
      // Fields that class initializers defined as own properties would hide the refusing accessors.
      adoptOwnFields(entity, state, this.wrapCollection)
      state.detachedBecause = 'its pending insert was discarded'
    } else {
      this.identityMap.delete(state.meta, state.values[0])
      state.detachedBecause = 'its unflushed changes were discarded; load the row again with findById()'
    }
    state.status = DETACHED
    state.dirty = undefined
    state.owner = undefined
    state.snapshots = undefined
  }

  // --- closing ---

  /**
   * Refuses every change from now on, writes what is pending (or discards it), then closes the
   * connections. If the final flush fails, the runtime stays open and the error says so.
   */
  async close(discardPending: boolean): Promise<CloseResult> {
    this.#isClosing = true
    // Transactions in progress commit what they changed before close() was called (later changes throw).
    while (this.#transactions.size > 0) await Promise.allSettled(this.#transactions)
    let discarded = 0
    if (discardPending) {
      discarded = await this.discardPending(this.globalWork)
      if (discarded > 0) {
        this.options.logger.warn(`ORM.close({ discardPending: true }) discarded the pending inserts or changes of ${discarded} instance(s); they were not written.`)
      }
    } else {
      try {
        await this.flush(this.globalWork)
      } catch (error) {
        this.#isClosing = false
        throw this.#notClosed(error)
      }
    }
    await this.driver.close()
    return { discarded }
  }

  /** The final flush's error, extended to say that nothing was written and the ORM is still open. */
  #notClosed(error: unknown): unknown {
    if (error instanceof Error) {
      error.message +=
        ' ORM.close() wrote none of the pending changes and left the ORM open: fix them and call ORM.close() again, ' +
        'or drop them with ORM.close({ discardPending: true }).'
    }
    return error
  }
}

/**
 * @internal Compiles a query before the flush that precedes it, so that a bad query changes nothing; a where
 * naming a not-yet-inserted instance is compiled again after the flush gave it an id.
 */
export function compileBeforeFlush(compile: () => CompiledQuery): CompiledQuery | undefined {
  try {
    return compile()
  } catch (error) {
    if (error instanceof UnsavedInstanceInWhere) return undefined
    throw error
  }
}

let active: Runtime | undefined

/** @internal The runtime whose close() is running, so that refusals can say why. */
let closing: Runtime | undefined

/** @internal The booted runtime, or a NotBootedError naming what was attempted. */
export function requireRuntime(action: string): Runtime {
  if (!active) throw closing ? NotBootedError.closing(action) : NotBootedError.notBooted(action)
  return active
}

/** @internal Records the runtime whose close() is running (undefined once it is over). */
export function setClosingRuntime(runtime: Runtime | undefined): void {
  closing = runtime
}

/** @internal The booted runtime, if any. */
export function activeRuntime(): Runtime | undefined {
  return active
}

/** @internal Installs or clears the booted runtime. */
export function setActiveRuntime(runtime: Runtime | undefined): void {
  active = runtime
}
