import type { ColumnType } from '../metadata/column-type.js'

/**
 * @internal Database types that hold every value of a class type and read back as that type, though they
 * are not what veil-orm would create (a wider or looser type): boot warns about them instead of failing.
 */
const WIDER_POSTGRES: Partial<Record<ColumnType, readonly string[]>> = {
  integer: ['double precision'],
  text: ['character varying'],
  json: ['json'],
  date: ['timestamp without time zone'],
  uuid: ['text'],
}

type Affinity = 'integer' | 'text' | 'blob' | 'real' | 'numeric'

/**
 * SQLite's rule for the affinity of a declared type (https://sqlite.org/datatype3.html, 3.1), in its
 * order. Tables other tools create use names such as DATETIME, TIMESTAMP or BOOLEAN, which SQLite
 * treats by affinity, so a fit is judged by affinity rather than by name.
 */
function sqliteAffinity(declared: string): Affinity {
  if (declared.includes('int')) return 'integer'
  if (declared.includes('char') || declared.includes('clob') || declared.includes('text')) return 'text'
  if (declared === '' || declared.includes('blob')) return 'blob'
  if (declared.includes('real') || declared.includes('floa') || declared.includes('doub')) return 'real'
  return 'numeric'
}

/**
 * Per class type, the SQLite affinities that store its encoded values unchanged: integers (and dates as
 * milliseconds, booleans as 0/1) keep their value under INTEGER, NUMERIC and REAL affinity (REAL is exact up
 * to 2^53, so not for bigint); text under TEXT; BLOB affinity (no declared type) stores anything as given.
 */
const SQLITE_AFFINITIES: Record<ColumnType, readonly Affinity[]> = {
  integer: ['integer', 'numeric', 'real', 'blob'],
  bigint: ['integer', 'numeric', 'blob'],
  boolean: ['integer', 'numeric', 'real', 'blob'],
  date: ['integer', 'numeric', 'real', 'blob'],
  real: ['real', 'numeric', 'blob'],
  text: ['text', 'blob'],
  json: ['text', 'blob'],
  uuid: ['text', 'blob'],
}

/**
 * @internal How a column's database type fits the class's type: `same` (what boot creates), `wider`
 * (holds every value, a warning), or `incompatible` (values would be refused or read back as another type).
 */
export function typeFit(dialect: 'sqlite' | 'postgres', expected: string, actual: string, type: ColumnType): 'same' | 'wider' | 'incompatible' {
  if (actual === expected) return 'same'
  // ANY in a STRICT table keeps every value as given.
  if (dialect === 'sqlite') return actual === 'any' || SQLITE_AFFINITIES[type].includes(sqliteAffinity(actual)) ? 'wider' : 'incompatible'
  const wider = WIDER_POSTGRES[type] ?? []
  return wider.some((name) => actual === name || actual.startsWith(`${name}(`)) ? 'wider' : 'incompatible'
}
