import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'

/** Quotes an identifier the dialect's way. */
type Quote = (name: string) => string

const filters = new WeakMap<EntityMetadata, Map<string, string>>()

/**
 * @internal Concrete inheritance: the condition that keeps the rows of `meta` and its booted descendants in
 * the table their hierarchy shares, `"entity_type" IN ('Employee', 'Manager')`. The class names are
 * literals: boot accepts only PascalCase names (letters and digits), so they need no escaping, and a
 * statement cached per class stays one text.
 */
export function classFilterSql(meta: EntityMetadata, quote: Quote, qualifier = ''): string {
  let byQualifier = filters.get(meta)
  if (!byQualifier) filters.set(meta, (byQualifier = new Map()))
  let sql = byQualifier.get(qualifier)
  if (sql === undefined) {
    const column = meta.discriminatorColumn as ColumnMetadata
    const names = [meta, ...meta.hierarchy.descendants].map((klass) => `'${klass.className}'`)
    sql = names.length === 1 ? `${qualifier}${quote(column.name)} = ${names[0]}` : `${qualifier}${quote(column.name)} IN (${names.join(', ')})`
    byQualifier.set(qualifier, sql)
  }
  return sql
}
