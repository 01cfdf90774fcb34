import { AsyncLocalStorage } from 'node:async_hooks'
import type { Driver, TransactionConnection } from '../dialect/dialect.js'
import type { OrmError } from '../errors/orm-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { IdentityMap } from '../state/identity-map.js'
import type { HookRunner } from '../hooks/hook-runner.js'
import { handJournalToParent, revertJournal } from './journal.js'
import type { CollectionWrapper } from './own-fields.js'
import { UnitOfWork } from './unit-of-work.js'

/** @internal What running transactions needs from the booted ORM. */
export interface ScopeHost {
  readonly driver: Driver
  readonly identityMap: IdentityMap
  readonly wrapCollection: CollectionWrapper
  readonly hooks: HookRunner
  flush(work: UnitOfWork): Promise<void>
  toOrmError(error: unknown): OrmError
  noteWrite(meta: EntityMetadata, work: UnitOfWork): void
}

/**
 * @internal The units of work of the running code: the process-wide one, and one per `ORM.transaction()`,
 * found through the async context that the transaction's callback runs in.
 */
export class TransactionScopes {
  readonly globalWork: UnitOfWork
  readonly #host: ScopeHost
  readonly #scopes = new AsyncLocalStorage<UnitOfWork>()
  #openTransactions = 0
  /** The transactions in progress: close() lets them finish before it closes their connections. */
  readonly running = new Set<Promise<unknown>>()

  constructor(host: ScopeHost) {
    this.#host = host
    this.globalWork = new UnitOfWork(host.driver.shared, undefined, undefined)
  }

  /** The unit of work of the calling async context: its transaction's, or the process-wide one. */
  currentWork(): UnitOfWork {
    if (this.#openTransactions === 0) return this.globalWork
    return this.#scopes.getStore() ?? this.globalWork
  }

  /** Runs `fn` in a transaction nested in the caller's scope: commits its changes, or rolls back and reverts memory. */
  async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    const running = this.#transaction(fn)
    this.running.add(running)
    try {
      return await running
    } finally {
      this.running.delete(running)
    }
  }

  async #transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    const host = this.#host
    const parent = this.currentWork()
    await host.flush(parent)
    let connection: TransactionConnection
    try {
      connection = parent.transaction ? await parent.transaction.begin() : await host.driver.begin()
    } catch (error) {
      throw host.toOrmError(error)
    }
    const work = new UnitOfWork(connection, parent, new Map())
    this.#openTransactions++
    let result: T
    try {
      result = await this.#scopes.run(work, fn)
      await host.flush(work)
      try {
        await connection.commit()
      } catch (error) {
        throw host.toOrmError(error)
      }
      handJournalToParent(work, parent)
      for (const meta of work.touched) host.noteWrite(meta, parent)
    } catch (error) {
      await connection.rollback().catch((rollbackError: unknown) => {
        // The transaction's own error is what the caller needs; the rollback failure rides along.
        if (error instanceof Error && error.cause === undefined) error.cause = rollbackError
      })
      revertJournal(work, host.identityMap, host.wrapCollection)
      for (const meta of work.touched) host.noteWrite(meta, parent)
      host.hooks.rolledBack(work)
      throw error
    } finally {
      this.#openTransactions--
      // The ended scope can outlive the transaction (async resources created inside it keep its context):
      // its journal must not keep every instance it touched alive.
      work.journal?.clear()
    }
    // Committed: after-hooks join the enclosing transaction's, or run now; their error reaches the caller.
    await host.hooks.committed(work, parent)
    return result
  }
}
