import type { ColumnType } from './column-type.js'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** @internal Words for error messages: what a column of this type accepts. */
export const EXPECTED_VALUE: Record<ColumnType, string> = {
  text: 'a string',
  integer: 'a 32-bit integer number (use a bigint column for larger values)',
  bigint: 'a bigint',
  real: 'a finite number',
  boolean: 'a boolean',
  date: 'a valid Date',
  json: 'a JSON-serializable value',
  uuid: 'a UUID string',
}

/** @internal Whether a non-null value may be written to a column of this type. */
export function isWritableValue(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string'
    case 'integer':
      // PostgreSQL's integer is 32-bit; SQLite would take more. One range keeps both alike.
      return Number.isInteger(value) && (value as number) >= -2_147_483_648 && (value as number) <= 2_147_483_647
    case 'bigint':
      return typeof value === 'bigint'
    case 'real':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'date':
      return value instanceof Date && !Number.isNaN(value.getTime())
    case 'uuid':
      return typeof value === 'string' && UUID_PATTERN.test(value)
    case 'json':
      return typeof value !== 'function' && typeof value !== 'symbol' && typeof value !== 'bigint'
  }
}

/**
 * @internal Whether a non-null value may be compared with a column of this type in a where clause.
 * Looser than writes in one place: a bigint column also matches a safe-integer number.
 */
export function isComparableValue(type: ColumnType, value: unknown): boolean {
  if (type === 'bigint' && Number.isSafeInteger(value)) return true
  return isWritableValue(type, value)
}
