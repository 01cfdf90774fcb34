import { BootError } from '../errors/boot-error.js'
import { EntityMetadata, RelationMetadata, type ColumnMetadata, type Hierarchy } from './entity-metadata.js'

/** The column of a hierarchy's shared table that names each row's class. */
export const DISCRIMINATOR_COLUMN = 'entity_type'

/** The links written here, once, before the metadata is frozen. */
type Writable<T, K extends keyof T> = Omit<T, K> & { -readonly [P in K]: T[P] }

/**
 * @internal Concrete inheritance: gives each booted class its place among the booted classes that share
 * its table (its root, nearest booted ancestor and booted descendants), marks the relations a class
 * inherits from a booted ancestor, and refuses two classes of one hierarchy that map one column differently.
 */
export function linkHierarchies(entities: readonly EntityMetadata[]): void {
  const byCtor = new Map(entities.map((meta) => [meta.ctor as object, meta]))
  const parentOf = (meta: EntityMetadata): EntityMetadata | undefined => {
    for (let klass: unknown = Object.getPrototypeOf(meta.ctor); typeof klass === 'function'; klass = Object.getPrototypeOf(klass)) {
      const found = byCtor.get(klass)
      if (found) return found
    }
    return undefined
  }
  const parents = new Map(entities.map((meta) => [meta, parentOf(meta)]))
  const rootOf = (meta: EntityMetadata): EntityMetadata => {
    let root = meta
    for (let parent = parents.get(root); parent; parent = parents.get(root)) root = parent
    return root
  }
  for (const meta of entities) {
    const parent = parents.get(meta)
    const descendants = entities.filter((other) => other !== meta && other.ctor.prototype instanceof meta.ctor)
    const hierarchy: Hierarchy = { root: rootOf(meta), parent, descendants, readColumns: readColumnsOf(meta, descendants) }
    ;(meta as Writable<EntityMetadata, 'hierarchy'>).hierarchy = Object.freeze(hierarchy)
    for (const relation of meta.relations) {
      const inherited = parent?.relationsByProperty.get(relation.property)
      ;(relation as Writable<RelationMetadata, 'inheritedFrom'>).inheritedFrom = inherited
    }
    if (parent === undefined && descendants.length > 0) checkSharedColumns([meta, ...descendants])
  }
}

/** What a read of `meta` selects: its columns, then those only its descendants map (empty without descendants). */
function readColumnsOf(meta: EntityMetadata, descendants: readonly EntityMetadata[]): readonly ColumnMetadata[] {
  if (descendants.length === 0) return []
  const columns = [...meta.columns]
  const names = new Set(columns.map((column) => column.name))
  for (const descendant of descendants) {
    for (const column of descendant.columns) {
      if (names.has(column.name)) continue
      names.add(column.name)
      columns.push(column)
    }
  }
  return Object.freeze(columns)
}

/** Two classes of one hierarchy may map one column only alike: same type, same role. */
function checkSharedColumns(classes: readonly EntityMetadata[]): void {
  const seen = new Map<string, [EntityMetadata, ColumnMetadata]>()
  for (const meta of classes) {
    for (const column of meta.columns) {
      const first = seen.get(column.name)
      if (!first) {
        seen.set(column.name, [meta, column])
        continue
      }
      const [owner, mapped] = first
      if (mapped.type !== column.type || mapped.role !== column.role) {
        throw BootError.hierarchyColumnClash(`${owner.className}.${mapped.property}`, `${meta.className}.${column.property}`, column.name)
      }
    }
  }
}

/**
 * @internal The metadata of each table, as the schema lifecycle sees it: a class's own, or for a booted
 * hierarchy the root's with every column any class of it maps. A column that only descendants map is
 * nullable in the database (a root's row has no value for it); the ORM still requires a value on write.
 */
export function tableMetadata(entities: readonly EntityMetadata[]): EntityMetadata[] {
  const tables: EntityMetadata[] = []
  for (const meta of entities) {
    const { root, descendants, readColumns } = meta.hierarchy
    if (root !== meta) continue
    if (descendants.length === 0) {
      tables.push(meta)
      continue
    }
    const rootColumns = new Set(meta.columns)
    const columns = readColumns.map((column, index) => ({ ...column, index, nullable: column.nullable || !rootColumns.has(column) }))
    const relations = readColumns.flatMap((column, index) => {
      if (column.role !== 'relation') return []
      const declared = [meta, ...descendants].find((klass) => klass.columns[column.index] === column)?.relationAtSlot[column.index]
      if (!declared) return []
      const relation = new RelationMetadata(declared.property, 'toOne', declared.nullable, index, columns[index], declared.targetClass, declared.options)
      const links = relation as Writable<RelationMetadata, 'owner' | 'target'>
      links.target = declared.target
      return [relation]
    })
    const table = new EntityMetadata(meta.ctor, meta.className, meta.tableName, meta.idType, columns, relations)
    for (const relation of relations) (relation as Writable<RelationMetadata, 'owner'>).owner = table
    tables.push(table)
  }
  return tables
}
