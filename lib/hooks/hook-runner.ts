import { HookError } from '../errors/hook-error.js'
import type { OrmError } from '../errors/orm-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { HookName, LifecycleEvent } from '../metadata/hook-decorators.js'
import { STATE, type Stateful } from '../state/entity-state.js'
import type { LifecycleEventInfo, LifecycleListener, LifecycleOperation } from './lifecycle-events.js'

const EVENTS: readonly LifecycleEvent[] = ['insert', 'update', 'softDelete', 'restore', 'delete']

/** @internal A committed (or about to commit) change of some rows of one class, for the after phase. */
export interface Happened {
  readonly meta: EntityMetadata
  readonly event: LifecycleEvent
  readonly operation: LifecycleOperation
  readonly isCascade?: boolean
  readonly ids: readonly unknown[]
  readonly instances: readonly object[]
}

/** @internal The scope a write ran in: inside a transaction, after-hooks wait for its outermost commit. */
export interface HookScope {
  readonly transaction: object | undefined
}

/** @internal `beforeSoftDelete` for ('before', 'softDelete'). */
export function hookName(phase: 'before' | 'after', event: LifecycleEvent): HookName {
  return `${phase}${event[0]?.toUpperCase()}${event.slice(1)}` as HookName
}

/**
 * @internal Runs the classes' lifecycle hooks and the `ORM.on()` listeners: before-hooks when asked,
 * after-hooks and listeners once the write's outermost transaction committed (dropped if it rolls back).
 */
export class HookRunner {
  readonly #listeners = new Map<LifecycleEvent, Set<LifecycleListener>>(EVENTS.map((event) => [event, new Set()]))
  #listenerCount = 0
  /** The after-phase work of each open transaction's scope, run or handed up when it commits. */
  readonly #queued = new WeakMap<object, Happened[]>()
  readonly #classesHaveHooks: boolean

  constructor(entities: readonly EntityMetadata[]) {
    this.#classesHaveHooks = entities.some((meta) => meta.hooks.hasAny)
  }

  /** The one cheap check the flush makes: false when no class declares a hook and nobody listens. */
  get isActive(): boolean {
    return this.#classesHaveHooks || this.#listenerCount > 0
  }

  /** Whether the class declares a before- or after-hook for the event: bulk forms then load the rows. */
  hasHooks(meta: EntityMetadata, event: LifecycleEvent): boolean {
    const declares = (klass: EntityMetadata): boolean => klass.hooks[hookName('before', event)].length > 0 || klass.hooks[hookName('after', event)].length > 0
    // A bulk form on a class of a hierarchy also reaches the rows of its descendants, each with its own hooks.
    return declares(meta) || meta.hierarchy.descendants.some(declares)
  }

  /** Whether anything (a class hook or a listener) wants to hear of the event on this class. */
  wants(meta: EntityMetadata, event: LifecycleEvent): boolean {
    return this.hasHooks(meta, event) || (this.#listeners.get(event)?.size ?? 0) > 0
  }

  /** Adds a listener; returns the function that removes it. */
  on(event: LifecycleEvent, listener: LifecycleListener): () => void {
    const listeners = this.#listeners.get(event)
    if (!listeners) throw ValidationError.badOption(`ORM.on(): unknown event ${JSON.stringify(event)}; use one of ${EVENTS.join(', ')}.`)
    if (typeof listener !== 'function') throw ValidationError.badOption(`ORM.on('${event}', listener): the listener must be a function.`)
    // The same function added twice is called twice, and each unsubscribe removes one.
    const entry: LifecycleListener = (info) => listener(info)
    listeners.add(entry)
    this.#listenerCount++
    return () => {
      if (listeners.delete(entry)) this.#listenerCount--
    }
  }

  /** Runs the class's before-hooks on each instance, in order; the first throw aborts (see {@link hookFailure}). */
  async before(meta: EntityMetadata, event: LifecycleEvent, instances: Iterable<object>): Promise<void> {
    const name = hookName('before', event)
    if (meta.hooks[name].length === 0 && meta.hierarchy.descendants.length === 0) return
    for (const instance of instances) {
      const own = classOf(instance, meta)
      for (const method of own.hooks[name]) await call(own, name, instance, method, false)
    }
  }

  /** A write happened in `scope`: outside a transaction its after phase runs now, inside one it waits. */
  async after(scope: HookScope, happened: readonly Happened[]): Promise<void> {
    if (happened.length === 0) return
    if (!scope.transaction) return this.#run(happened)
    const queue = this.#queued.get(scope)
    if (queue) queue.push(...happened)
    else this.#queued.set(scope, [...happened])
  }

  /** A transaction's scope committed into `parent`: its after phase joins the parent's, or runs if that is not a transaction. */
  async committed(scope: HookScope, parent: HookScope): Promise<void> {
    const queue = this.#queued.get(scope)
    if (!queue) return
    this.#queued.delete(scope)
    await this.after(parent, queue)
  }

  /** A transaction's scope rolled back: what it wrote never happened. */
  rolledBack(scope: HookScope): void {
    this.#queued.delete(scope)
  }

  /** After-hooks, then listeners, for each change in order; every one runs, and the first error is thrown. */
  async #run(happened: readonly Happened[]): Promise<void> {
    let failure: Error | undefined
    const attempt = async (fn: () => Promise<void>): Promise<void> => {
      try {
        await fn()
      } catch (error) {
        failure ??= error as Error
      }
    }
    for (const change of happened) {
      const name = hookName('after', change.event)
      for (const instance of change.instances) {
        const own = classOf(instance, change.meta)
        for (const method of own.hooks[name]) await attempt(() => call(own, name, instance, method, true))
      }
      const listeners = [...(this.#listeners.get(change.event) ?? [])]
      if (listeners.length === 0) continue
      const info: LifecycleEventInfo = Object.freeze({
        event: change.event,
        className: change.meta.className,
        operation: change.operation,
        isCascade: change.isCascade ?? false,
        ids: Object.freeze([...change.ids]) as LifecycleEventInfo['ids'],
        instances: Object.freeze([...change.instances]),
      })
      for (const listener of listeners) {
        await attempt(async () => {
          try {
            await listener(info)
          } catch (error) {
            throw hookFailure(`ORM.on('${change.event}') listener`, change.event, true, error)
          }
        })
      }
    }
    if (failure) throw failure
  }
}

/** The class whose hooks run on an instance: its own, which is `meta` or (in a hierarchy) a descendant of it. */
function classOf(instance: object, meta: EntityMetadata): EntityMetadata {
  return (instance as Partial<Stateful>)[STATE]?.meta ?? meta
}

async function call(meta: EntityMetadata, hook: HookName, instance: object, method: string, isAfterCommit: boolean): Promise<void> {
  try {
    await (instance as Record<string, () => unknown>)[method]?.()
  } catch (error) {
    throw hookFailure(`${meta.className}.${method}`, hook, isAfterCommit, error)
  }
}

/** The errors hooks and listeners threw: the application's own, which reach the caller untouched. */
const thrownByHooks = new WeakSet<Error>()

/**
 * What the caller gets when a hook threw: the very Error it threw (so that `instanceof` the application's
 * class and identity hold), or a HookError carrying a thrown non-Error value as `cause`.
 */
function hookFailure(source: string, hook: string, isAfterCommit: boolean, thrown: unknown): Error {
  if (!(thrown instanceof Error)) return new HookError(source, hook, isAfterCommit, thrown)
  thrownByHooks.add(thrown)
  return thrown
}

/**
 * @internal A caught error as a call rethrows it: one a hook threw stays as it is, any other is typed by
 * `toOrmError` (a driver error becomes a DatabaseError, ...).
 */
export function typedError(error: unknown, toOrmError: (error: unknown) => OrmError): Error {
  return error instanceof Error && thrownByHooks.has(error) ? error : toOrmError(error)
}
