import type { MetadataRegistry } from './metadata-registry.js'

/**
 * @internal Freezes what boot built (each class's metadata, its columns, relations, junction tables and
 * their lists, and the registry) so that nothing can change it afterwards: a write throws in strict
 * mode. Maps stay typed `ReadonlyMap`; the user's classes and decorator options are not ours to freeze.
 */
export function freezeMetadata(registry: MetadataRegistry): MetadataRegistry {
  for (const meta of new Set([...registry.entities, ...registry.tables])) {
    for (const column of meta.columns) Object.freeze(column)
    for (const relation of meta.relations) {
      if (relation.junction) Object.freeze(relation.junction)
      Object.freeze(relation)
    }
    for (const list of [meta.columns, meta.relations, meta.insertColumns, meta.mutableColumns, meta.propertyNames, meta.relationAtSlot, meta.collectionRelations]) {
      Object.freeze(list)
    }
    Object.freeze(meta)
  }
  Object.freeze(registry.entities)
  Object.freeze(registry.tables)
  Object.freeze(registry.junctions)
  Object.freeze(registry)
  return registry
}
