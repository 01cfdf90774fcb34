/** PostgreSQL truncates identifiers past 63 bytes, so longer names get a hash instead. */
const MAX_IDENTIFIER_LENGTH = 63

/** @internal Builds an index name that fits PostgreSQL's 63-byte identifier limit. */
export function indexName(table: string, column: string, suffix: string): string {
  const name = `${table}_${column}_${suffix}`
  if (name.length <= MAX_IDENTIFIER_LENGTH) return name
  let hash = 0
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return `${name.slice(0, MAX_IDENTIFIER_LENGTH - 9)}_${hash.toString(36).padStart(8, '0').slice(0, 8)}`
}
