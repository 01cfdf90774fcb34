import type { Connection } from '../dialect/dialect.js'
import type { DetachedInstanceError } from '../errors/detached-instance-error.js'
import { NotBootedError } from '../errors/not-booted-error.js'
import type { OrmError } from '../errors/orm-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { compileBeforeFlush } from '../query/compile-before-flush.js'
import type { QueryCompiler, RawFindOptions } from '../query/query-compiler.js'
import { DETACHED, NEW, type EntityState, type Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'
import { InverseView, Reference } from '../state/reference.js'
import type { Hydrator } from './hydrator.js'
import type { CollectionWrapper } from './own-fields.js'
import type { ReadRouter } from './read-router.js'
import type { RelationLoader } from './relation-loader.js'
import type { UnitOfWork } from './unit-of-work.js'
import type { CompiledQuery } from '../query/param-list.js'
import type { Visibility } from '../soft-delete/visibility.js'
import { typedError } from '../hooks/hook-runner.js'

/** @internal What reading needs from the booted ORM. */
export interface ReadHost {
  readonly epoch: number
  readonly compiler: QueryCompiler
  readonly hydrator: Hydrator
  readonly identityMap: IdentityMap
  readonly loader: RelationLoader
  readonly wrapCollection: CollectionWrapper
  readonly isClosing: boolean
  currentWork(): UnitOfWork
  flush(work: UnitOfWork): Promise<void>
  toOrmError(error: unknown): OrmError
  enter(): void
  detachedError(state: EntityState): DetachedInstanceError
  /** How many writes of `meta` were counted: an inverse view loaded at another count is stale. */
  writeVersion(meta: EntityMetadata): number
}

/** @internal `'primary'`: the read runs on the primary even when boot was given read replicas. */
export type Consistency = 'primary' | undefined

/**
 * @internal Reads rows after flushing the caller's scope (queries see its changes), and loads unloaded
 * relations when an accessor reads them. With read replicas, reads outside transactions ask the
 * {@link ReadRouter} which server runs them; everything else runs on the caller's scope's connection.
 */
export class Reader {
  readonly #host: ReadHost
  readonly #router: ReadRouter | undefined

  constructor(host: ReadHost, router?: ReadRouter) {
    this.#host = host
    this.#router = router
  }

  /** The instances matching `options`, with the relations it names loaded. */
  async find<T>(meta: EntityMetadata, options: (RawFindOptions & { consistency?: Consistency }) | undefined): Promise<T[]> {
    const host = this.#host
    host.loader.check(meta, options?.relations)
    const compile = (): CompiledQuery => host.compiler.select(meta, options)
    const early = compileBeforeFlush(compile)
    return this.#read(meta, options?.consistency, async (connection) => {
      const query = early ?? compile()
      const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
      const instances = host.hydrator.hydrate<Stateful>(meta, rows)
      await host.loader.load(meta, instances, options?.relations, connection)
      return instances as T[]
    })
  }

  /** The instance of this id (among the rows `visibility` shows) with the `relations` loaded, or undefined. */
  async findById<T>(meta: EntityMetadata, id: unknown, visibility: Visibility, relations?: object, consistency?: Consistency): Promise<T | undefined> {
    if (id === undefined || id === null) {
      throw ValidationError.wrongType(`${meta.className}.findById()`, `an id`, id)
    }
    const host = this.#host
    host.loader.check(meta, relations)
    const query = host.compiler.selectById(meta, id, visibility)
    return this.#read(meta, consistency, async (connection) => {
      const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
      const instances = host.hydrator.hydrate<Stateful>(meta, rows)
      await host.loader.load(meta, instances, relations, connection)
      return instances[0] as T | undefined
    })
  }

  /** How many rows match `where` (among the rows `visibility` shows). */
  async count(meta: EntityMetadata, where: object | undefined, visibility: Visibility, consistency?: Consistency): Promise<number> {
    const compile = (): CompiledQuery => this.#host.compiler.count(meta, where, visibility)
    const early = compileBeforeFlush(compile)
    const rows = await this.#read(meta, consistency, (connection) => {
      const query = early ?? compile()
      return connection.select(query.text, query.params, false)
    })
    return Number(rows[0]?.[0] ?? 0)
  }

  /**
   * Runs a raw query on the caller's scope, after its flush. Outside a transaction it may have written
   * anything: every class's reads then wait for replicas to replay it.
   */
  async query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const isCommitted = !this.#host.currentWork().journal
    try {
      return await this.afterFlush((connection) => connection.query(text, params))
    } finally {
      if (isCommitted) this.#router?.noteCommitted()
    }
  }

  /** A write to `meta`'s rows was committed (outside every transaction, or by the outermost one). */
  noteCommitted(meta: EntityMetadata): void {
    this.#router?.noteCommitted(meta)
  }

  /**
   * Flushes the caller's scope so the query sees its changes, then runs it on that scope's
   * connection; database errors come out typed.
   */
  async afterFlush<R>(run: (connection: Connection) => Promise<R>): Promise<R> {
    const host = this.#host
    const work = host.currentWork()
    await host.flush(work)
    try {
      return await run(work.connection)
    } catch (error) {
      // A bulk form runs the hooks inside `run`: their own errors pass through.
      throw typedError(error, (cause) => host.toOrmError(cause))
    }
  }

  /**
   * {@link afterFlush} for a read of `meta`'s rows that guards no write: outside a transaction, with
   * read replicas, the router picks the server unless `consistency` is `'primary'`.
   */
  async #read<R>(meta: EntityMetadata, consistency: Consistency, run: (connection: Connection) => Promise<R>): Promise<R> {
    const router = this.#router
    if (!router || consistency === 'primary') return this.afterFlush(run)
    return this.afterFlush((primary) => (this.#host.currentWork().journal ? run(primary) : router.read(meta, primary, run)))
  }

  /** Reading an unloaded to-one relation: the target from memory, or a promise that loads it. */
  readReference(entity: Stateful, state: EntityState, relation: RelationMetadata, reference: Reference): unknown {
    const found = this.#host.identityMap.get(relation.target, reference.id)
    if (found) {
      state.values[relation.slot] = found
      return found
    }
    return this.#loadLazily(entity, state, relation)
  }

  /** Reading a to-many relation or an inverse view: its value, or a promise of it when unloaded or stale. */
  readCollection(entity: Stateful, state: EntityState, relation: RelationMetadata): unknown {
    const value = state.values[relation.slot]
    if (relation.kind === 'toMany') {
      if (value !== undefined) return value
      if (state.status === NEW) return (state.values[relation.slot] = this.#host.wrapCollection(entity, relation.slot, []))
    } else {
      const mirroredOwner = (relation.mirrored as RelationMetadata).owner
      if (value instanceof InverseView && value.version === this.#host.writeVersion(mirroredOwner)) return value.items
      if (state.status === NEW) return Object.freeze([])
    }
    return this.#loadLazily(entity, state, relation)
  }

  async #loadLazily(entity: Stateful, state: EntityState, relation: RelationMetadata): Promise<unknown> {
    const host = this.#host
    if (host.isClosing) throw NotBootedError.closing(`load ${relation.path}`)
    host.enter()
    if (state.status === DETACHED || state.epoch !== host.epoch) throw host.detachedError(state)
    await this.#read(relation.target, undefined, (connection) => host.loader.loadRelation(relation, [entity], connection))
    const value = state.values[relation.slot]
    if (value instanceof InverseView) return value.items
    // A target deleted meanwhile stays a Reference: there is nothing to return.
    return value instanceof Reference ? undefined : value
  }
}

