import { BootError } from '../errors/boot-error.js'
import { toSnakeCase } from '../util/naming.js'
import type { EntityMetadata, RelationMetadata } from './entity-metadata.js'
import { indexName } from './index-name.js'

/** A relation while it is linked: the only place its links are written, before the metadata is frozen. */
type Linking = Omit<RelationMetadata, LinkKey> & { -readonly [K in LinkKey]: RelationMetadata[K] }
type LinkKey = 'owner' | 'target' | 'junction' | 'mirrored'

/**
 * @internal Connects every relation to its target's metadata, its junction table or the relation it
 * mirrors; `tables` (table name -> who took it) refuses a junction table whose name is taken.
 */
export function linkRelations(entities: readonly EntityMetadata[], tables: Map<string, string>): void {
  const byCtor = new Map(entities.map((meta) => [meta.ctor as object, meta]))
  // Ancestors first: a to-many relation inherited from a booted ancestor shares its junction table.
  for (const owner of [...entities].sort((a, b) => depth(a) - depth(b))) {
    for (const relation of owner.relations as readonly Linking[]) {
      relation.owner = owner
      relation.target = byCtor.get(relation.targetClass) as EntityMetadata
      if (relation.kind !== 'toMany') continue
      if (relation.inheritedFrom) {
        relation.junction = relation.inheritedFrom.junction
        continue
      }
      const target = relation.target
      const tableName = relation.options.through ?? `${owner.tableName}_${toSnakeCase(relation.property)}`
      const taken = tables.get(tableName)
      if (taken) throw BootError.duplicateTable(tableName, taken, relation.path)
      tables.set(tableName, relation.path)
      const ownerColumn = `${owner.tableName}_id`
      let targetColumn = `${target.tableName}_id`
      // A to-many relation to its own class: the second column is named after the property.
      if (targetColumn === ownerColumn) targetColumn = `${toSnakeCase(relation.property)}_id`
      if (targetColumn === ownerColumn) targetColumn = `${toSnakeCase(relation.property)}_target_id`
      relation.junction = {
        tableName,
        ownerColumn,
        targetColumn,
        ownerType: owner.idColumn.type,
        targetType: target.idColumn.type,
        targetIndexName: indexName(tableName, targetColumn, 'idx'),
        owner,
        target,
      }
    }
  }
  for (const owner of entities) {
    for (const relation of owner.relations as readonly Linking[]) {
      if (relation.kind !== 'inverse') continue
      const mirrored = relation.target.relationsByProperty.get(relation.options.inverse as string)
      if (!mirrored || mirrored.kind === 'inverse' || !owner.isA(mirrored.target)) {
        throw BootError.badInverse(relation.path, relation.target.className, relation.options.inverse as string, owner.className)
      }
      relation.mirrored = mirrored
    }
  }
}

/** How many booted ancestors a class has. */
function depth(meta: EntityMetadata): number {
  let count = 0
  for (let parent = meta.hierarchy.parent; parent; parent = parent.hierarchy.parent) count++
  return count
}
