/** The column types veil-orm maps; each has one JavaScript type on both databases. */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'real' | 'boolean' | 'date' | 'json' | 'uuid'

/** The id strategies: database-generated integers (`INT`, `BIGINT`) or UUIDv7 strings made at construction. */
export type IdType = 'INT' | 'BIGINT' | 'UUID'

/** @internal Every valid column type, for validating explicit `type` options. */
export const COLUMN_TYPES: readonly ColumnType[] = [
  'text',
  'integer',
  'bigint',
  'real',
  'boolean',
  'date',
  'json',
  'uuid',
]

/** @internal Every valid id type. */
export const ID_TYPES: readonly IdType[] = ['INT', 'BIGINT', 'UUID']

/** @internal Maps a `design:type` constructor to a column type, or undefined when none fits. */
export function columnTypeFromDesignType(designType: unknown): ColumnType | undefined {
  switch (designType) {
    case String:
      return 'text'
    case Number:
      return 'real'
    case Boolean:
      return 'boolean'
    case Date:
      return 'date'
    case BigInt:
      return 'bigint'
    case Array:
      return 'json'
    case Object:
      return 'json'
    default:
      return undefined
  }
}
