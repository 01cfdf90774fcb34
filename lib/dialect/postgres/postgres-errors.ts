import pg from 'pg'
import { ConnectionError } from '../../errors/connection-error.js'
import { DatabaseError } from '../../errors/database-error.js'
import { ForeignKeyError } from '../../errors/foreign-key-error.js'
import { OrmError } from '../../errors/orm-error.js'
import { UniqueConstraintError } from '../../errors/unique-constraint-error.js'
import { ValidationError } from '../../errors/validation-error.js'
import type { MetadataRegistry } from '../../metadata/metadata-registry.js'

/**
 * @internal Converts a pg error by SQLSTATE; the original stays in `cause`. Anything that is not
 * a server-reported error (refused, reset or terminated sockets) is a lost connection.
 */
export function toPostgresError(error: unknown, registry: MetadataRegistry): OrmError {
  if (error instanceof OrmError) return error
  if (!(error instanceof pg.DatabaseError)) return ConnectionError.lost(error)
  const code = error.code ?? ''
  if (code === '23505') {
    const resolved = error.constraint ? registry.forIndexName(error.constraint) : undefined
    return new UniqueConstraintError(resolved?.[0].className, resolved?.[1].property, error.detail ?? '', {
      cause: error,
    })
  }
  if (code === '23503') return new ForeignKeyError(error.table, error.detail ?? '', { cause: error })
  if (code === '23502' || code === '23514' || code.startsWith('22')) {
    return new ValidationError(`The database refused a value: ${error.message}.`, { cause: error })
  }
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') {
    return ConnectionError.lost(error)
  }
  return new DatabaseError(code, `PostgreSQL error ${code}: ${error.message}`, { cause: error })
}
