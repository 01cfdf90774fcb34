import type { RawRow } from '../dialect/dialect.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'

/** Per class read, per descendant: where each of the descendant's columns sits in a row of the read. */
const positionsCache = new WeakMap<EntityMetadata, Map<EntityMetadata, readonly number[]>>()

/**
 * @internal Concrete inheritance: a row read through `meta` (its `hierarchy.readColumns`) belongs to the class
 * its discriminator names, `meta` or a booted descendant. Returns that class and the row in its slot order;
 * a row whose discriminator names no such class (a class no longer booted) is read as `meta`.
 */
export function rowOfClass(meta: EntityMetadata, row: RawRow): [EntityMetadata, RawRow] {
  const name = row[(meta.discriminatorColumn as ColumnMetadata).index]
  if (name === meta.className) return [meta, row]
  const actual = meta.hierarchy.descendants.find((descendant) => descendant.className === name)
  if (!actual) return [meta, row]
  const positions = positionsOf(meta, actual)
  const projected = new Array<unknown>(positions.length)
  for (let c = 0; c < positions.length; c++) projected[c] = row[positions[c] as number]
  return [actual, projected]
}

function positionsOf(meta: EntityMetadata, actual: EntityMetadata): readonly number[] {
  let byClass = positionsCache.get(meta)
  if (!byClass) positionsCache.set(meta, (byClass = new Map()))
  let positions = byClass.get(actual)
  if (!positions) {
    const names = meta.hierarchy.readColumns.map((column) => column.name)
    positions = actual.columns.map((column) => names.indexOf(column.name))
    byClass.set(actual, positions)
  }
  return positions
}
