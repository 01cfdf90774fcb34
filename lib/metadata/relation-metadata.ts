import type { EntityMetadata, RelationMetadata } from './entity-metadata.js'

// The relation types live with EntityMetadata (each refers to the other); re-exported for existing importers.
export { RelationMetadata, type JunctionMetadata, type RelationKind } from './entity-metadata.js'

/**
 * @internal The required relations of `meta` whose targets can be soft-deleted: a row of `meta` must not
 * come back (be restored) while one of them points at a soft-deleted row.
 */
export function requiredSoftDeletableParents(meta: EntityMetadata): RelationMetadata[] {
  return meta.relations.filter((relation) => relation.isDependency && relation.target.deletedAtColumn !== undefined)
}
