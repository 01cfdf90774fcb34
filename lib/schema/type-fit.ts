import type { ColumnType } from '../metadata/column-type.js'

/**
 * @internal Database types that hold every value of a class type and read back as that type, though they
 * are not what veil-orm would create (a wider or looser type): boot warns about them instead of failing.
 */
const WIDER: Record<'sqlite' | 'postgres', Partial<Record<ColumnType, readonly string[]>>> = {
  sqlite: {
    // A REAL column stores integers exactly up to 2^53 and reads them back as numbers.
    integer: ['real', 'int', 'any'],
    bigint: ['int', 'any'],
    boolean: ['int', 'any'],
    date: ['int', 'any'],
    real: ['any'],
    text: ['any'],
    json: ['any'],
    uuid: ['any'],
  },
  postgres: {
    integer: ['double precision'],
    text: ['character varying'],
    json: ['json'],
    date: ['timestamp without time zone'],
    uuid: ['text'],
  },
}

/**
 * @internal How a column's database type fits the class's type: `same` (what boot creates), `wider`
 * (holds every value, a warning), or `incompatible` (values would be refused or read back as another type).
 */
export function typeFit(dialect: 'sqlite' | 'postgres', expected: string, actual: string, type: ColumnType): 'same' | 'wider' | 'incompatible' {
  if (actual === expected) return 'same'
  const wider = WIDER[dialect][type] ?? []
  return wider.some((name) => actual === name || actual.startsWith(`${name}(`)) ? 'wider' : 'incompatible'
}
