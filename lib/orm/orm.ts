import { PostgresDriver, type PostgresDriverOptions } from '../dialect/postgres/postgres-driver.js'
import { SqliteDriver } from '../dialect/sqlite/sqlite-driver.js'
import type { Driver } from '../dialect/dialect.js'
import { onServer, type QueryEvent } from '../dialect/query-event.js'
import { PostgresReplicas } from '../dialect/postgres/postgres-replicas.js'
import { Entity, type EntityClass } from '../entity/entity.js'
import { installAccessors } from '../entity/accessors.js'
import { SoftDel, SoftDelUuid } from '../entity/soft-del.js'
import { BootError } from '../errors/boot-error.js'
import { ConnectionError } from '../errors/connection-error.js'
import { buildMetadata } from '../metadata/build-metadata.js'
import { syncSchema, verifySchema } from '../schema/schema-sync.js'
import { readSchemaDiff } from '../schema/schema-lifecycle.js'
import { outsideTransactions } from './db-manager.js'
import { migrations } from './migrations.js'
import type { SchemaDifference } from '../schema/schema-diff.js'
import { analyzeRelations, type DependentClasses, type DependentsGraph } from '../graph/dependents-graph.js'
import { activeRuntime, requireRuntime, setActiveRuntime, setClosingRuntime } from '../session/active-runtime.js'
import { Runtime } from '../session/runtime.js'
import type { Logger } from '../util/logger.js'
import type { BootOptions, CloseOptions } from './boot-options.js'
import type { LifecycleEvent } from '../metadata/hook-decorators.js'
import type { LifecycleListener } from '../hooks/lifecycle-events.js'
import { queryListener } from './sql-log.js'
import { checkBootOptions } from './check-boot-options.js'
import { runActingAs } from '../soft-delete/deletion-audit.js'

/** The abstract classes built into veil-orm that boot accepts but never maps to a table. */
const builtinBases = new Set<EntityClass>([SoftDel, SoftDelUuid])

let isBooting = false
/** The close() in progress: boot() waits for it, a second close() joins it. */
let closing: Promise<number> | undefined

/**
 * The ORM's entry point: boot once at startup, then work with entity classes.
 *
 * ```ts
 * await ORM.boot([Account], { sqlite: './app.db' })
 * await ORM.close()
 * ```
 */
export class ORM {
  /**
   * Receives the error of a failed background (scheduled) flush as it happens (without it, boot's
   * `logger` does); the next ORM call rethrows it too, unless its work changed or was written since.
   * An `OrmError`, or the very Error one of your hooks or listeners threw.
   */
  static onError: ((error: Error) => void) | undefined = undefined

  /**
   * Validates the classes, opens the database, creates missing tables, columns and indexes.
   *
   * ```ts
   * await ORM.boot([Account, Order], { postgres: process.env.DATABASE_URL })
   * ```
   */
  static async boot(classes: readonly EntityClass[], options: BootOptions = {}): Promise<void> {
    if (closing && !isBooting) await closing.catch(() => undefined)
    if (activeRuntime() || isBooting || closing) throw BootError.alreadyBooted()
    isBooting = true
    try {
      const idTypeDefault = checkBootOptions(options)
      const logger = options.logger ?? console
      const registry = buildMetadata(classes, { entity: Entity, builtinBases }, idTypeDefault, (message) => logger.warn(message))
      const graph = analyzeRelations(registry)
      const runtimeRef: { current?: Runtime } = {}
      const reportError = (error: Error): void => ORM.onError?.(error)
      const onQuery = queryListener(options, logger)
      const driver = openDriver(options, onQuery, (error) => reportError(runtimeRef.current?.toOrmError(error) ?? ConnectionError.lost(error)))
      try {
        if (options.skipTableCreation) await verifySchema(driver, registry, logger)
        else await syncSchema(driver, registry, logger)
      } catch (error) {
        await driver.close().catch(() => undefined)
        throw driver.dialect.toOrmError(error, registry)
      }
      const runtime = new Runtime(driver, registry, graph, {
        autoFlush: options.autoFlush ?? true,
        reportError: (error) => reportScheduledFlushError(error, logger),
        logger,
        ...(options.replicas?.length ? { replicas: new PostgresReplicas(options.replicas, logger, (index) => onServer(onQuery, 'replica', index), driverOptionsOf(options)) } : {}),
      })
      runtimeRef.current = runtime
      for (const meta of registry.entities) installAccessors(meta, runtime)
      setActiveRuntime(runtime)
    } finally {
      isBooting = false
    }
  }

  /**
   * Flushes pending changes, then closes the connections the ORM opened; a later boot() works again.
   * From the call on, every change and entity call throws `NotBootedError`. If the final flush fails,
   * close() rejects with its error and the ORM stays open: fix the changes and close again, or pass
   * `discardPending: true` to close without writing them. Resolves with the number of instances whose
   * pending inserts or changes were discarded (0 unless `discardPending`).
   *
   * ```ts
   * await ORM.close()
   * const dropped = await ORM.close({ discardPending: true })
   * ```
   */
  static close(options: CloseOptions = {}): Promise<number> {
    if (closing) return closing
    const runtime = activeRuntime()
    if (!runtime) return Promise.resolve(0)
    setActiveRuntime(undefined)
    setClosingRuntime(runtime)
    const closed = runtime.close(options.discardPending === true).then(
      ({ discarded }) => discarded,
      (error: unknown) => {
        // The final flush failed: the ORM stays open. A driver that failed to close is gone either way.
        if (!runtime.isClosing) setActiveRuntime(runtime)
        throw error
      },
    )
    closing = closed.finally(() => {
      closing = undefined
      setClosingRuntime(undefined)
    })
    return closing
  }

  /**
   * Drops every pending insert and change of the current scope (a transaction's, inside one) without
   * writing them; resolves with the number of instances that had some. Those instances are detached.
   *
   * ```ts
   * const dropped = await ORM.discardPending() // e.g. 2
   * ```
   */
  static async discardPending(): Promise<number> {
    const runtime = requireRuntime('discard pending changes')
    return runtime.discardPending()
  }

  /**
   * Writes every pending change of the current scope in one transaction.
   *
   * ```ts
   * new Account('Ann', 'ann@example.com')
   * await ORM.flush()
   * ```
   */
  static async flush(): Promise<void> {
    const runtime = requireRuntime('flush')
    runtime.enter()
    await runtime.flush()
  }

  /**
   * Runs `fn` in one database transaction: a throw rolls it back and rethrows; nesting uses savepoints.
   *
   * ```ts
   * await ORM.transaction(async () => {
   *   from.balance -= 10
   *   to.balance += 10
   * })
   * ```
   */
  static async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    const runtime = requireRuntime('start a transaction')
    runtime.enter()
    return runtime.transaction(fn)
  }

  /**
   * Runs `fn` with `actor` (a user id: a non-blank string or a safe integer) as who is acting: soft deletes
   * of audited classes (`@Table({ audit: true })`) made inside record it in `deletedBy`. Nested calls
   * override it; transactions and flushes started inside keep it. Needs no booted ORM.
   *
   * ```ts
   * await ORM.actingAs(currentUser.id, () => story.softDelete({ reason: 'spam' }))
   * ```
   */
  static async actingAs<T>(actor: string | number, fn: () => Promise<T> | T): Promise<T> {
    return runActingAs(actor, fn)
  }

  /**
   * Runs raw SQL with the dialect's placeholders (`?` on SQLite, `$1` on PostgreSQL) after flushing.
   *
   * ```ts
   * const rows = await ORM.query('SELECT count(*) AS n FROM account WHERE age > ?', [18])
   * ```
   */
  static async query(text: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const runtime = requireRuntime('run a query')
    runtime.enter()
    return runtime.query(text, params)
  }

  /**
   * Calls `listener` after every committed insert, update, soft delete, restore or hard delete of any
   * class, once per class per write, with the ids and instances; returns the function that unsubscribes.
   * Inside `ORM.transaction()` it waits for the outermost commit and never runs for a rollback.
   *
   * ```ts
   * const stop = ORM.on('softDelete', ({ className, ids }) => audit.push(`${className} ${ids.join(',')} hidden`))
   * stop()
   * ```
   */
  static on(event: LifecycleEvent, listener: LifecycleListener): () => void {
    return requireRuntime('subscribe to events').hooks.on(event, listener)
  }

  /** The table a booted class maps to. */
  static tableOf(ctor: EntityClass): string {
    const runtime = requireRuntime('look up a table')
    return runtime.metadataFor(ctor, ctor.name).tableName
  }

  /**
   * The classes whose rows can block the hard deletion of `ctor`'s rows, with their required props.
   *
   * ```ts
   * ORM.dependentsOf(User) // { Story: ['createdBy'], Review: ['createdBy', 'approvedBy'] }
   * ```
   */
  static dependentsOf(ctor: EntityClass): DependentClasses {
    const runtime = requireRuntime('read the dependents graph')
    return runtime.graph.dependentsOf(runtime.metadataFor(ctor, ctor.name).className)
  }

  /**
   * The whole dependents graph built at boot, with a Mermaid rendering.
   *
   * ```ts
   * console.log(ORM.dependentsGraph().toMermaid())
   * ```
   */
  static dependentsGraph(): DependentsGraph {
    return requireRuntime('read the dependents graph').graph
  }

  /**
   * The differences between the booted classes and the database, each with the statements that would
   * apply it on this database; changes nothing. Empty when the database is what boot would create.
   *
   * ```ts
   * for (const d of await ORM.schemaDiff()) console.log(d.kind, d.table, d.column, d.destructive, d.sql)
   * ```
   */
  static async schemaDiff(): Promise<SchemaDifference[]> {
    const runtime = outsideTransactions('compare the schema (ORM.schemaDiff())')
    return readSchemaDiff(runtime.driver, runtime.registry)
  }

  /** Generates, lists and runs migration files: see {@link migrations}. */
  static readonly migrations = migrations

  /** The database in use: 'sqlite' or 'postgres'. */
  static get dialect(): 'sqlite' | 'postgres' {
    return requireRuntime('read the dialect').dialect.name
  }
}

/** A scheduled flush's error goes to ORM.onError, or to the logger when none is set. */
function reportScheduledFlushError(error: Error, logger: Logger): void {
  if (ORM.onError) {
    ORM.onError(error)
    return
  }
  const message = `veil-orm: a scheduled flush failed; its changes stay pending and the next ORM call rethrows this error. ${error.name}: ${error.message}`
  if (logger.error) logger.error(message)
  else logger.warn(message)
}

function openDriver(options: BootOptions, onQuery: ((event: QueryEvent) => void) | undefined, onIdleError: (error: Error) => void): Driver {
  try {
    if (options.postgres !== undefined) {
      return new PostgresDriver(options.postgres, onIdleError, onServer(onQuery, 'primary'), driverOptionsOf(options))
    }
    return new SqliteDriver(options.sqlite, onServer(onQuery, 'primary'))
  } catch (error) {
    throw ConnectionError.lost(error)
  }
}

/** Behind a transaction pooler, statements run unnamed: a named one would not survive the transaction. */
function driverOptionsOf(options: BootOptions): PostgresDriverOptions {
  return { namedStatements: options.pooler !== 'transaction' }
}
