import type { Dialect } from '../dialect/dialect.js'
import type { ColumnMetadata, EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { callWhereSql } from './call-where.js'
import type { QueryCompiler } from './query-compiler.js'
import { ParamList, type CompiledQuery } from './param-list.js'
import { liveParentsSql, visibilitySql } from '../dialect/soft-delete-sql.js'
import { auditWrites, type DeletionAudit } from '../soft-delete/deletion-audit.js'

/** @internal What an UPDATE of deleted_at does: soft-delete live rows, or restore soft-deleted ones. */
export type DeletedAtChange = 'softDelete' | 'restore'

/**
 * @internal Builds the statements of the explicit soft-delete API: the UPDATEs of deleted_at (one instance,
 * a where, a cascade level, a restore), the lookups of a restore's parent check and of a cascade, and purge.
 * Every UPDATE returns the ids it hit, then the new version of a versioned class (a bulk one may return nothing).
 */
export class SoftDeleteCompiler {
  readonly #dialect: Dialect

  constructor(readonly query: QueryCompiler) {
    this.#dialect = query.dialect
  }

  /**
   * The UPDATE of one instance's own row, which must hit it: soft-deleted (or live, for a restore), and at
   * `loadedVersion` for a versioned class.
   */
  updateRow(
    meta: EntityMetadata,
    change: DeletedAtChange,
    id: unknown,
    loadedVersion: number | undefined,
    stamp: Date | undefined,
    audit?: DeletionAudit,
  ): CompiledQuery {
    const version = meta.versionColumn
    return this.#updateDeletedAt(meta, change, stamp, audit, (params) => {
      const byId = this.#byIds(meta, [id], params)
      if (!version) return byId
      return `${byId} AND COALESCE(${this.#quote(version.name)}, 0) = ${params.bind(this.#dialect.encode('integer', loadedVersion))}`
    })
  }

  /**
   * `Class.softDelete({ where })` (with `stamp`) or `Class.restore({ where })`; a restore skips the rows
   * whose required soft-deletable parent stays soft-deleted. Without `returning`, the UPDATE returns no
   * rows (run it for its count of changed rows).
   */
  updateWhere(
    meta: EntityMetadata,
    change: DeletedAtChange,
    where: object,
    stamp: Date | undefined,
    audit?: DeletionAudit,
    returning = true,
  ): CompiledQuery {
    const guard = change === 'restore' ? this.#liveParents(meta) : []
    return this.#updateDeletedAt(meta, change, stamp, audit, (params) => callWhereSql(this.query, meta, where, params, change), guard, returning)
  }

  /** The rows (full, as `find` reads them) that {@link updateWhere} would change: a before phase's rows. */
  selectUpdateWhere(meta: EntityMetadata, change: DeletedAtChange, where: object): CompiledQuery {
    const guard = change === 'restore' ? this.#liveParents(meta) : []
    return this.#selectTargets(meta, change, undefined, (params) => callWhereSql(this.query, meta, where, params, change), guard)
  }

  /** Restores the rows with these ids, whatever their deletion time (a restore's ancestors). */
  restoreByIds(meta: EntityMetadata, ids: readonly unknown[]): CompiledQuery {
    return this.#updateDeletedAt(meta, 'restore', undefined, undefined, (params) => this.#byIds(meta, ids, params))
  }

  /** One level of a cascade: soft-deletes, with `stamp`, the live rows of `owner` that point at the ids. */
  cascadeSoftDelete(owner: EntityMetadata, relations: readonly RelationMetadata[], ids: readonly unknown[], stamp: Date, audit?: DeletionAudit): CompiledQuery {
    return this.#updateDeletedAt(owner, 'softDelete', stamp, audit, (params) => this.#referencesSql(relations, ids, params))
  }

  /** The rows (full) that {@link cascadeSoftDelete} would soft-delete. */
  selectCascadeSoftDelete(owner: EntityMetadata, relations: readonly RelationMetadata[], ids: readonly unknown[]): CompiledQuery {
    return this.#selectTargets(owner, 'softDelete', undefined, (params) => this.#referencesSql(relations, ids, params))
  }

  /** The rows (full) that {@link cascadeRestore} would restore. */
  selectCascadeRestore(owner: EntityMetadata, relations: readonly RelationMetadata[], ids: readonly unknown[], stamp: Date): CompiledQuery {
    return this.#selectTargets(owner, 'restore', stamp, (params) => this.#referencesSql(relations, ids, params), this.#liveParents(owner))
  }

  /**
   * One level of a cascade's restore: the rows of `owner` that point at the ids, deleted within the
   * millisecond of `stamp`, whose every required soft-deletable parent is live.
   */
  cascadeRestore(owner: EntityMetadata, relations: readonly RelationMetadata[], ids: readonly unknown[], stamp: Date): CompiledQuery {
    return this.#updateDeletedAt(owner, 'restore', stamp, undefined, (params) => this.#referencesSql(relations, ids, params), this.#liveParents(owner))
  }

  /** The ids of the rows of `owner` that point at the ids through any of `relations`, soft-deleted or not. */
  selectReferencingIds(owner: EntityMetadata, relations: readonly RelationMetadata[], ids: readonly unknown[]): CompiledQuery {
    const params = new ParamList(this.#dialect)
    const text = `SELECT ${this.#quote(owner.idColumn.name)} FROM ${this.#quote(owner.tableName)} WHERE ${this.#referencesSql(relations, ids, params)}`
    return { text, params: params.values }
  }

  /** A row's references through `relations` (its required soft-deletable parents), in that order. */
  selectParentIds(meta: EntityMetadata, relations: readonly RelationMetadata[], id: unknown): CompiledQuery {
    const columns = relations.map((relation) => this.#quote((relation.column as ColumnMetadata).name)).join(', ')
    return this.#selectById(meta, columns, id)
  }

  /** A row's deleted_at: whether a parent is soft-deleted. */
  selectDeletedAt(meta: EntityMetadata, id: unknown): CompiledQuery {
    return this.#selectById(meta, this.#quote((meta.deletedAtColumn as ColumnMetadata).name), id)
  }

  /**
   * `Class.purgeDeleted({ olderThan })`: the DELETE of the rows soft-deleted before `olderThan` that no
   * row of `dependencies` references (soft-deleted dependents included), returning their ids.
   */
  purge(meta: EntityMetadata, dependencies: ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>, olderThan: Date, onlyIds?: readonly unknown[]): CompiledQuery {
    const params = new ParamList(this.#dialect)
    let condition = this.#purgeable(meta, dependencies, olderThan, params)
    // The rows whose hooks ran: one that became purgeable meanwhile waits for the next purge.
    if (onlyIds) condition += ` AND ${params.inList(this.#quote(meta.idColumn.name), meta.idColumn.type, onlyIds)}`
    return { text: `DELETE FROM ${this.#quote(meta.tableName)} WHERE ${condition} RETURNING ${this.#quote(meta.idColumn.name)}`, params: params.values }
  }

  /** The rows (full) that {@link purge} would delete. */
  selectPurgeable(meta: EntityMetadata, dependencies: ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>, olderThan: Date): CompiledQuery {
    const params = new ParamList(this.#dialect)
    return this.#selectRows(meta, this.#purgeable(meta, dependencies, olderThan, params), params)
  }

  /** How many rows soft-deleted before `olderThan` are left after a purge: those dependents kept. */
  countPurgeBlocked(meta: EntityMetadata, olderThan: Date): CompiledQuery {
    const params = new ParamList(this.#dialect)
    const text = `SELECT COUNT(*) FROM ${this.#quote(meta.tableName)} WHERE ${this.#deletedBefore(meta, olderThan, params)}`
    return { text, params: params.values }
  }

  /**
   * One UPDATE of deleted_at over the rows matching the condition: live rows get `stamp` (soft delete), or
   * soft-deleted rows are restored (those deleted within the millisecond of `stamp` when given: PostgreSQL
   * keeps microseconds that a JavaScript Date drops). Every update of a versioned row increments its
   * version, soft delete and restore included. An audited class also gets the soft delete's `audit` (actor
   * and reason), or NULL in both for a restore. With `returning` it returns the ids, then the new versions.
   */
  #updateDeletedAt(
    meta: EntityMetadata,
    change: DeletedAtChange,
    stamp: Date | undefined,
    audit: DeletionAudit | undefined,
    buildCondition: (params: ParamList) => string,
    guard: readonly string[] = [],
    returning = true,
  ): CompiledQuery {
    const dialect = this.#dialect
    const deletedAt = this.#quote((meta.deletedAtColumn as ColumnMetadata).name)
    // Parameters are bound in the order they appear in the text: SQLite's `?` are positional.
    const params = new ParamList(dialect)
    let set = change === 'softDelete' ? `${deletedAt} = ${params.bind(dialect.encode('date', stamp))}` : `${deletedAt} = NULL`
    const recorded = change === 'softDelete' ? (audit ?? { actor: undefined, reason: undefined }) : undefined
    for (const { column, value } of auditWrites(meta, recorded)) {
      set += `, ${this.#quote(column.name)} = ${value === undefined ? 'NULL' : params.bind(dialect.encode(column.type, value))}`
    }
    const version = meta.versionColumn && this.#quote(meta.versionColumn.name)
    if (version) set += `, ${version} = COALESCE(${version}, 0) + 1`
    const condition = this.#targets(meta, change, stamp, buildCondition, guard, params)
    const text = `UPDATE ${this.#quote(meta.tableName)} SET ${set} WHERE ${condition}`
    if (!returning) return { text, params: params.values }
    return { text: `${text} RETURNING ${this.#quote(meta.idColumn.name)}${version ? `, ${version}` : ''}`, params: params.values }
  }

  /**
   * The rows an UPDATE of deleted_at with the same arguments would hit, read before it: the before phase
   * runs hooks on exactly these (a restore's guard included), never on a row the UPDATE then skips.
   */
  #selectTargets(
    meta: EntityMetadata,
    change: DeletedAtChange,
    stamp: Date | undefined,
    buildCondition: (params: ParamList) => string,
    guard: readonly string[] = [],
  ): CompiledQuery {
    const params = new ParamList(this.#dialect)
    return this.#selectRows(meta, this.#targets(meta, change, stamp, buildCondition, guard, params), params)
  }

  /** The WHERE of an UPDATE of deleted_at: the condition, the rows' current state (live, deleted, deleted at `stamp`) and the guard. */
  #targets(
    meta: EntityMetadata,
    change: DeletedAtChange,
    stamp: Date | undefined,
    buildCondition: (params: ParamList) => string,
    guard: readonly string[],
    params: ParamList,
  ): string {
    const dialect = this.#dialect
    const deletedAt = this.#quote((meta.deletedAtColumn as ColumnMetadata).name)
    const quote = (name: string): string => this.#quote(name)
    const condition = buildCondition(params)
    const conditions = condition ? [`(${condition})`] : []
    if (change === 'softDelete') conditions.push(visibilitySql(meta, 'live', quote))
    else if (stamp) {
      const from = params.bind(dialect.encode('date', stamp))
      const to = params.bind(dialect.encode('date', new Date(stamp.getTime() + 1)))
      conditions.push(`${deletedAt} >= ${from} AND ${deletedAt} < ${to}`)
    } else conditions.push(visibilitySql(meta, 'deleted', quote))
    conditions.push(...guard)
    return conditions.join(' AND ')
  }

  /** Full rows of `meta` (as `find` reads them, for the hydrator) matching `condition`, by id. */
  #selectRows(meta: EntityMetadata, condition: string, params: ParamList): CompiledQuery {
    const text = `SELECT ${this.query.selectList(meta)} FROM ${this.#quote(meta.tableName)} WHERE ${condition} ORDER BY ${this.#quote(meta.idColumn.name)}`
    return { text, params: params.values }
  }

  /** Rows soft-deleted before `olderThan` that no row of `dependencies` references: what a purge deletes. */
  #purgeable(meta: EntityMetadata, dependencies: ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>, olderThan: Date, params: ParamList): string {
    const id = this.#quote(meta.idColumn.name)
    const free: string[] = []
    for (const [owner, relations] of dependencies) {
      for (const relation of relations) {
        const fk = this.#quote((relation.column as ColumnMetadata).name)
        free.push(`${id} NOT IN (SELECT ${fk} FROM ${this.#quote(owner.tableName)} WHERE ${fk} IS NOT NULL)`)
      }
    }
    return [this.#deletedBefore(meta, olderThan, params), ...free].join(' AND ')
  }

  #selectById(meta: EntityMetadata, columns: string, id: unknown): CompiledQuery {
    const params = new ParamList(this.#dialect)
    const match = `${this.#quote(meta.idColumn.name)} = ${params.bind(this.#dialect.encode(meta.idColumn.type, id))}`
    return { text: `SELECT ${columns} FROM ${this.#quote(meta.tableName)} WHERE ${match}`, params: params.values }
  }

  #byIds(meta: EntityMetadata, ids: readonly unknown[], params: ParamList): string {
    return this.query.inIds(this.#quote(meta.idColumn.name), meta.idColumn.type, ids, params)
  }

  /** "This row points at one of the ids" through any of the (to-one) `relations`. */
  #referencesSql(relations: readonly RelationMetadata[], ids: readonly unknown[], params: ParamList): string {
    return relations
      .map((relation) => {
        const column = relation.column as ColumnMetadata
        return this.query.inIds(this.#quote(column.name), column.type, ids, params)
      })
      .join(' OR ')
  }

  /** Conditions that every required parent of a row of `meta` that can be soft-deleted is live. */
  #liveParents(meta: EntityMetadata): string[] {
    return liveParentsSql(meta, (name) => this.#quote(name))
  }

  #deletedBefore(meta: EntityMetadata, olderThan: Date, params: ParamList): string {
    const deletedAt = this.#quote((meta.deletedAtColumn as ColumnMetadata).name)
    return `${visibilitySql(meta, 'deleted', (name) => this.#quote(name))} AND ${deletedAt} < ${params.bind(this.#dialect.encode('date', olderThan))}`
  }

  #quote(name: string): string {
    return this.#dialect.quote(name)
  }
}
