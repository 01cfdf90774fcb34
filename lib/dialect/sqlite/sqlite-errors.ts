import { ConnectionError } from '../../errors/connection-error.js'
import { DatabaseError, MISSING_SCHEMA_HINT } from '../../errors/database-error.js'
import { ForeignKeyError } from '../../errors/foreign-key-error.js'
import { OrmError } from '../../errors/orm-error.js'
import { UniqueConstraintError } from '../../errors/unique-constraint-error.js'
import { ValidationError } from '../../errors/validation-error.js'
import type { MetadataRegistry } from '../../metadata/metadata-registry.js'

/** @internal Converts a better-sqlite3 error by its code; the original stays in `cause`. */
export function toSqliteError(error: unknown, registry: MetadataRegistry): OrmError {
  if (error instanceof OrmError) return error
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY': {
      // SQLite reports the offending columns only in its message: "UNIQUE constraint failed: t.c".
      const target = /failed: ([^.\s]+)\.([^,\s]+)/.exec(message)
      const resolved = target && registry.forTableColumn(target[1] ?? '', target[2] ?? '')
      return new UniqueConstraintError(
        resolved?.[0].className,
        resolved?.[1].property,
        target ? `${target[1]}.${target[2]}` : '',
        { cause: error },
      )
    }
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new ForeignKeyError(undefined, '', { cause: error })
    case 'SQLITE_CONSTRAINT_TRIGGER':
      // SQLite enforces ON DELETE RESTRICT through an internal trigger and reports it with the code of
      // any trigger abort; only its fixed text tells it apart from a RAISE() in an application's trigger.
      if (message === 'FOREIGN KEY constraint failed') return new ForeignKeyError(undefined, '', { cause: error })
      return new DatabaseError(code, `SQLite error ${code}: ${message}`, { cause: error })
    case 'SQLITE_CONSTRAINT_NOTNULL':
    case 'SQLITE_CONSTRAINT_CHECK':
    case 'SQLITE_CONSTRAINT_DATATYPE':
      return new ValidationError(`The database refused a value: ${message}.`, { cause: error })
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_IOERR':
      return ConnectionError.lost(error)
    default:
      if (typeof code === 'string' && code.startsWith('SQLITE_')) {
        const hint = /^no such (table|column)/.test(message) ? `. ${MISSING_SCHEMA_HINT}` : ''
        return new DatabaseError(code, `SQLite error ${code}: ${message}${hint}`, { cause: error })
      }
      return new DatabaseError(undefined, message, { cause: error })
  }
}
