import { DETACHED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { activeRuntime, requireRuntime } from '../session/active-runtime.js'
import type { Runtime } from '../session/runtime.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { installBuiltinAccessors } from './accessors.js'
import { OPTIONS, checkConsistency, type CountOptions, type DeleteOptions, type FindByIdOptions, type FindOptions, type Loaded, type Relations, type StreamOptions, type UpdateOptions, type UpdateValues } from './find-options.js'
import { checkOptions, type OptionsSpec } from '../util/check-options.js'
import { visibilityOf } from '../soft-delete/visibility.js'
import { updateWhere } from '../operations/bulk-updater.js'
import { deleteInstance, deleteWhere, getDependents, getReferencers } from '../operations/deleter.js'
import type { DependentsDict } from '../errors/dependents-error.js'
import { referencedId } from '../state/reference.js'
import { reloadInstance } from '../session/stale-rows.js'
import { streamInstances } from '../session/streamer.js'
import type { EntityId } from './entity-id.js'

export type { EntityId } from './entity-id.js'

/** Any class that extends Entity, abstract or concrete. */
export type EntityClass<T extends Entity = Entity> = abstract new (...args: never[]) => T

/**
 * An instance listed by `getDependents()` or `getReferencers()`: any entity, whose props can be read
 * and assigned by name (`instance[prop] = someoneElse`) to decouple it.
 */
export type DependentInstance = Entity & Record<string, unknown>

/** A plain object of an entity's mapped values, as `toJSON()` returns it. */
export type EntityJson = Record<string, unknown>

/**
 * The base class of every persisted class. Instances created after `ORM.boot()` are tracked and
 * inserted at the next flush; assignments to mapped properties are persisted the same way.
 *
 * ```ts
 * class Account extends Entity {
 *   @Column() name: string
 *   constructor(name: string) { super(); this.name = name }
 * }
 * const ann = new Account('Ann')
 * await ann.save()
 * ```
 */
export abstract class Entity {
  /** The row's id: set at the first flush for INT/BIGINT, at construction for UUID. */
  declare readonly id: EntityId
  /** When the row was inserted; set by the ORM at the first flush. */
  declare readonly createdAt: Date
  /** When the row last changed; set by the ORM on every persisted change. */
  declare readonly updatedAt: Date
  declare [STATE]: EntityState

  constructor() {
    // The message is built only when there is no runtime: this runs once per new instance.
    const runtime = activeRuntime() ?? requireRuntime(`create a ${new.target.name}`)
    runtime.tracker.trackNew(this as unknown as Stateful, runtime.metadataFor(new.target, new.target.name))
  }

  /**
   * Flushes every pending change of the current scope (this instance's included) and resolves
   * once they are committed; rejects with the flush's error.
   *
   * ```ts
   * account.name = 'Ann'
   * await account.save()
   * ```
   */
  async save(): Promise<void> {
    const runtime = requireRuntime(`save a ${this.constructor.name}`)
    runtime.enter()
    const state = this[STATE]
    if (state.status === DETACHED || state.epoch !== runtime.epoch) throw runtime.detachedError(state)
    await runtime.flush()
  }

  /**
   * Reads the row again (a soft-deleted one too): drops this instance's unflushed changes and takes every
   * column from the database, the version included; to-many relations load again when next read. Brings
   * back an instance detached by a `ConcurrencyError` for a changed row. Throws `ConcurrencyError` (and
   * detaches the instance) when the row is gone, and `ValidationError` for an instance never flushed.
   *
   * ```ts
   * await account.reload()
   * account.name = 'Ann'   // re-apply the change on the current version
   * ```
   */
  async reload(): Promise<void> {
    await reloadInstance(requireRuntime(`reload a ${this.constructor.name}`), this as unknown as Stateful)
  }

  /**
   * Drops this instance's pending work without writing it: a new instance is never inserted, a
   * persisted one forgets its unflushed changes. Either way it is detached (load the row again with
   * `findById()` to go on). Resolves with whether anything was pending.
   *
   * ```ts
   * await draft.discard() // the draft is not inserted
   * ```
   */
  async discard(): Promise<boolean> {
    const runtime = requireRuntime(`discard a ${this.constructor.name}`)
    return runtime.discard(this as unknown as Stateful)
  }

  /**
   * The mapped values as a plain object: id, timestamps, every column, and the target's id for each
   * to-one relation (collections are left out, so that related instances never recurse).
   */
  toJSON(): EntityJson {
    const state = this[STATE]
    const json: EntityJson = {}
    for (const column of state.meta.columns) {
      if (column === state.meta.discriminatorColumn) continue
      json[column.property] =
        column.role === 'relation' ? referencedId(state.values[column.index]) : (this as unknown as Record<string, unknown>)[column.property]
    }
    return json
  }

  /**
   * Lists the rows that must be decoupled before this instance can be hard-deleted: per dependent
   * class, its instances and the required props that can point here. Flushes pending changes first.
   * Soft-deleted dependents are listed too (they still block a hard delete) unless `withDeleted: false`.
   *
   * ```ts
   * const dependents = await user.getDependents() // { Story: [[story1], ['createdBy']] }
   * ```
   */
  async getDependents(options?: { readonly withDeleted?: boolean }): Promise<DependentsDict<DependentInstance>> {
    const runtime = requireRuntime(`get the dependents of a ${this.constructor.name}`)
    checkOptions(options, OPTIONS.getDependents, this.constructor.name)
    return getDependents(runtime, this as unknown as Stateful, options) as Promise<DependentsDict<DependentInstance>>
  }

  /**
   * Every instance that references this one through any relation (required, optional or to-many),
   * in the same shape as `getDependents()`.
   *
   * ```ts
   * const referencers = await tag.getReferencers() // { Story: [[story1], ['tags']] }
   * ```
   */
  async getReferencers(): Promise<DependentsDict<DependentInstance>> {
    const runtime = requireRuntime(`get the referencers of a ${this.constructor.name}`)
    return getReferencers(runtime, this as unknown as Stateful) as Promise<DependentsDict<DependentInstance>>
  }

  /**
   * Hard-deletes the row. Throws a `DependentsError` and changes nothing while a required relation of
   * another row points here; optional references are cleared and to-many memberships removed. The
   * instance is detached afterwards.
   *
   * ```ts
   * await story.delete()
   * ```
   */
  async delete(): Promise<void> {
    const runtime = requireRuntime(`delete a ${this.constructor.name}`)
    await deleteInstance(runtime, this as unknown as Stateful)
  }

  /**
   * Finds the rows that match, as instances (the same instance for a row already in memory).
   *
   * ```ts
   * const adults = await Account.find({ where: { age: sql`>= ${18}` }, orderBy: { name: 'asc' } })
   * ```
   */
  static async find<T extends Entity, R extends Relations<T> = {}>(this: EntityClass<T>, options?: FindOptions<T, R>): Promise<Loaded<T, R>[]> {
    const [runtime, meta] = enterStatic(this, OPTIONS.find, options)
    return runtime.find<Loaded<T, R>>(meta, options)
  }

  /**
   * The rows that match, as `find()` returns them, read and hydrated `batchSize` rows at a time, so that
   * memory stays bounded whatever the number of rows. Leaving the loop early (`break`, a throw) closes
   * the cursor. Bad options throw at once; see ORM.md, Streaming.
   *
   * ```ts
   * for await (const account of Account.stream({ where: { active: true }, batchSize: 1000 })) total += account.balance
   * ```
   */
  static stream<T extends Entity, R extends Relations<T> = {}>(this: EntityClass<T>, options?: StreamOptions<T, R>): AsyncIterableIterator<Loaded<T, R>> {
    const [runtime, meta] = enterStatic(this, OPTIONS.stream, options)
    return streamInstances<Loaded<T, R>>(runtime, meta, options)
  }

  /**
   * The first row that matches (in `orderBy` order, by id otherwise), or undefined.
   *
   * ```ts
   * const ann = await Account.findOne({ where: { email: 'ann@example.com' } })
   * ```
   */
  static async findOne<T extends Entity, R extends Relations<T> = {}>(
    this: EntityClass<T>,
    options?: FindOptions<T, R>,
  ): Promise<Loaded<T, R> | undefined> {
    const [runtime, meta] = enterStatic(this, OPTIONS.findOne, options)
    const [first] = await runtime.find<Loaded<T, R>>(meta, { ...options, limit: 1 })
    return first
  }

  /**
   * The row with this id, or undefined; `relations` are loaded as `find()` loads them.
   *
   * ```ts
   * const account = await Account.findById(1)
   * const story = await Story.findById(4, { relations: { createdBy: true } })   // story.createdBy is loaded
   * ```
   */
  static async findById<T extends Entity, R extends Relations<T> = {}>(
    this: EntityClass<T>,
    id: EntityId,
    options?: FindByIdOptions<T, R>,
  ): Promise<Loaded<T, R> | undefined> {
    const [runtime, meta] = enterStatic(this, OPTIONS.findById, options)
    return runtime.findById<Loaded<T, R>>(meta, id, visibilityOf(options), options?.relations, options?.consistency)
  }

  /**
   * The number of rows that match.
   *
   * ```ts
   * const active = await Account.count({ where: { active: true } })
   * ```
   */
  static async count<T extends Entity>(this: EntityClass<T>, options?: CountOptions<T>): Promise<number> {
    const [runtime, meta] = enterStatic(this, OPTIONS.count, options)
    return runtime.count(meta, options?.where, visibilityOf(options), options?.consistency)
  }

  /**
   * Hard-deletes every row that matches, in one transaction, and returns how many; if any of them has
   * dependents, throws a `DependentsError` for all of them and deletes nothing.
   *
   * ```ts
   * const removed = await Tag.delete({ where: { name: 'obsolete' } })
   * ```
   */
  static async delete<T extends Entity>(this: EntityClass<T>, options: DeleteOptions<T>): Promise<number> {
    const [runtime, meta] = enterStatic(this, OPTIONS.delete, options)
    return deleteWhere(runtime, meta, options)
  }

  /**
   * Sets `values` on every row that matches (live rows unless `withDeleted`/`onlyDeleted`) in one UPDATE,
   * moving updatedAt (and the version), and returns how many rows changed. Loaded instances take the new
   * values; update hooks load the rows first (see ORM.md, What bulk forms cost).
   *
   * ```ts
   * const n = await Account.update({ where: { active: false } }, { name: 'dormant' })
   * ```
   */
  static async update<T extends Entity>(this: EntityClass<T>, options: UpdateOptions<T>, values: UpdateValues<T>): Promise<number> {
    const [runtime, meta] = enterStatic(this, OPTIONS.update, options)
    return updateWhere(runtime, meta, options, values)
  }
}

/**
 * The booted runtime and the class's metadata for a static call, after rethrowing a background error
 * and checking the call's options.
 */
function enterStatic(ctor: EntityClass, spec: OptionsSpec, options: unknown): [Runtime, EntityMetadata] {
  const runtime = requireRuntime(`call ${ctor.name}.${spec.method}()`)
  runtime.enter()
  const meta = runtime.metadataFor(ctor, ctor.name)
  checkOptions(options, spec, meta.className)
  checkConsistency(options, spec, meta.className)
  return [runtime, meta]
}

installBuiltinAccessors(Entity.prototype)
