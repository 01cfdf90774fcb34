import type { ColumnType } from './column-type.js'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MIN_BIGINT = -(2n ** 63n)
const MAX_BIGINT = 2n ** 63n - 1n
// Years 0001-9999: PostgreSQL's timestamptz input and an ISO-8601 string both end there, and SQLite's
// date functions too; one range keeps both databases alike.
const MIN_TIME = Date.parse('0001-01-01T00:00:00.000Z')
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
/** NUL, which PostgreSQL refuses in text and json, or a UTF-16 surrogate without its pair. */
const NUL_OR_LONE_SURROGATE = /[\0\p{Cs}]/u

/** @internal Words for error messages: what a column of this type accepts. */
export const EXPECTED_VALUE: Record<ColumnType, string> = {
  text: 'a string without NUL (\\u0000) or unpaired surrogate characters',
  integer: 'a 32-bit integer number (use a bigint column for larger values)',
  bigint: 'a bigint in the signed 64-bit range (-2^63 to 2^63-1)',
  real: 'a finite number',
  boolean: 'a boolean',
  date: 'a valid Date in the years 0001 to 9999',
  json: 'a JSON-serializable value without NUL (\\u0000) or unpaired surrogate characters in its strings and keys',
  uuid: 'a UUID string',
}

/** @internal Whether a non-null value may be written to a column of this type. */
export function isWritableValue(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string' && isStorableText(value)
    case 'integer':
      // PostgreSQL's integer is 32-bit; SQLite would take more. One range keeps both alike.
      return Number.isInteger(value) && (value as number) >= -2_147_483_648 && (value as number) <= 2_147_483_647
    case 'bigint':
      return isStorableBigint(value)
    case 'real':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'date':
      return isStorableDate(value)
    case 'uuid':
      return typeof value === 'string' && UUID_PATTERN.test(value)
    case 'json':
      return typeof value !== 'function' && typeof value !== 'symbol' && typeof value !== 'bigint' && isStorableJson(value)
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

/**
 * @internal Whether a value may be bound inside a `sql` fragment, where no column type applies: a
 * string, a finite number, a bigint, a boolean, a Date or null, each within what both databases store.
 */
export function isBindableValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return isStorableText(value)
    case 'number':
      return Number.isFinite(value)
    case 'bigint':
      return isStorableBigint(value)
    case 'boolean':
      return true
    default:
      return value === null || isStorableDate(value)
  }
}

/** @internal What {@link isBindableValue} accepts, for error messages. */
export const BINDABLE_VALUE =
  'a string without NUL or unpaired surrogate characters, a finite number, a 64-bit bigint, a boolean, a Date in the years 0001 to 9999, or null'

/**
 * @internal The canonical form of a value of a column: uuids in lower case, as PostgreSQL returns them,
 * so that an instance, SQLite and PostgreSQL all hold the same string.
 */
export function normalizeValue(type: ColumnType, value: unknown): unknown {
  return type === 'uuid' && typeof value === 'string' ? value.toLowerCase() : value
}

/**
 * Text both databases store as given: PostgreSQL refuses NUL, and both replace an unpaired UTF-16
 * surrogate with U+FFFD, which would change the value silently.
 */
function isStorableText(value: string): boolean {
  return !NUL_OR_LONE_SURROGATE.test(value)
}

function isStorableBigint(value: unknown): boolean {
  return typeof value === 'bigint' && value >= MIN_BIGINT && value <= MAX_BIGINT
}

function isStorableDate(value: unknown): boolean {
  if (!(value instanceof Date)) return false
  const time = value.getTime()
  return time >= MIN_TIME && time <= MAX_TIME
}

/**
 * Walks a json value as JSON.stringify would (toJSON included) and checks every string and key.
 * A cycle or a nesting too deep for the stack is left to JSON.stringify, which throws on it.
 */
function isStorableJson(value: unknown): boolean {
  try {
    return walkJson(value, [])
  } catch {
    return false
  }
}

function walkJson(value: unknown, ancestors: object[], callsToJSON = true): boolean {
  if (typeof value === 'string') return !NUL_OR_LONE_SURROGATE.test(value)
  if (typeof value !== 'object' || value === null) return true
  const toJSON = (value as { toJSON?: unknown }).toJSON
  // JSON.stringify calls toJSON once per value, not again on what it returns.
  if (callsToJSON && typeof toJSON === 'function') return walkJson(toJSON.call(value), ancestors, false)
  if (ancestors.includes(value)) return false
  ancestors.push(value)
  if (Array.isArray(value)) {
    for (const item of value) if (!walkJson(item, ancestors)) return false
  } else {
    for (const key of Object.keys(value)) {
      if (NUL_OR_LONE_SURROGATE.test(key) || !walkJson((value as Record<string, unknown>)[key], ancestors)) return false
    }
  }
  ancestors.pop()
  return true
}
