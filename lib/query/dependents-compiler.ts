import type { Dialect } from '../dialect/dialect.js'
import { visibilitySql } from '../dialect/soft-delete-sql.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import type { CompiledQuery } from './param-list.js'
import type { QueryCompiler } from './query-compiler.js'

/** @internal Which rows of a dependent class `getDependents()` lists: live ones only, or soft-deleted ones too. */
export type DependentsVisibility = 'live' | 'all'

/**
 * @internal Builds the SELECT of `getDependents()`/`getReferencers()` for one instance: every column of the
 * rows of a class that point at its id through any of the given relations, in id order. The text depends
 * only on the relation list and the visibility, so it is built once and reused; the id is compared with
 * `=` (one parameter per relation), which lets the database walk the foreign key's index in id order
 * instead of matching a bound list and sorting.
 */
export class DependentsCompiler {
  readonly #dialect: Dialect
  /** Per relation list (the dependents graph hands out the same array every time), per visibility. */
  readonly #texts = new WeakMap<readonly RelationMetadata[], Partial<Record<DependentsVisibility, string>>>()

  constructor(readonly query: QueryCompiler) {
    this.#dialect = query.dialect
  }

  /** The rows of `owner` that point at the instance of `target` with this id through any of `relations`. */
  selectReferencingOne(
    owner: EntityMetadata,
    target: EntityMetadata,
    relations: readonly RelationMetadata[],
    id: unknown,
    visibility: DependentsVisibility,
  ): CompiledQuery {
    let texts = this.#texts.get(relations)
    if (!texts) this.#texts.set(relations, (texts = {}))
    const text = (texts[visibility] ??= this.#compile(owner, relations, visibility))
    const encoded = this.#dialect.encode(target.idColumn.type, id)
    return { text, params: relations.map(() => encoded) }
  }

  #compile(owner: EntityMetadata, relations: readonly RelationMetadata[], visibility: DependentsVisibility): string {
    const q = (name: string): string => this.#dialect.quote(name)
    const matches = relations.map((relation, i) => this.#matchSql(owner, relation, this.#dialect.placeholder(i + 1)))
    const visible = visibilitySql(owner, visibility, q)
    const where = matches.length === 1 ? (matches[0] as string) : `(${matches.join(' OR ')})`
    return (
      `SELECT ${this.query.selectList(owner)} FROM ${q(owner.tableName)} ` +
      `WHERE ${where}${visible ? ` AND ${visible}` : ''} ORDER BY ${q(owner.idColumn.name)}`
    )
  }

  /** "This row of `owner` points at the id bound at `placeholder` through `relation`." */
  #matchSql(owner: EntityMetadata, relation: RelationMetadata, placeholder: string): string {
    const q = (name: string): string => this.#dialect.quote(name)
    if (relation.kind === 'toOne') return `${q((relation.column as ColumnMetadata).name)} = ${placeholder}`
    const junction = relation.junction as JunctionMetadata
    return `${q(owner.idColumn.name)} IN (SELECT ${q(junction.ownerColumn)} FROM ${q(junction.tableName)} WHERE ${q(junction.targetColumn)} = ${placeholder})`
  }
}
