import pg from 'pg'
import { ConnectionError } from '../../errors/connection-error.js'
import { DatabaseError, MISSING_SCHEMA_HINT } from '../../errors/database-error.js'
import { ForeignKeyError } from '../../errors/foreign-key-error.js'
import { OrmError } from '../../errors/orm-error.js'
import { UniqueConstraintError } from '../../errors/unique-constraint-error.js'
import { ValidationError } from '../../errors/validation-error.js'
import type { MetadataRegistry } from '../../metadata/metadata-registry.js'

/**
 * SQLSTATEs that mean the connection is gone or cannot be made: the class 08 codes of a failed or
 * lost connection, and a backend shut down or terminated (57P01-57P03). Not `08P01` (protocol
 * violation): the server refused one message and the connection stays usable.
 */
const LOST_CONNECTION_STATES = new Set(['08000', '08001', '08003', '08004', '08006', '08007', '57P01', '57P02', '57P03'])

/** Node socket error codes of a refused, reset, unreachable or timed-out connection. */
const LOST_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/**
 * pg raises these without any code when a connection ends, so they can only be told by their text
 * (pg/lib/client.js, pg-pool): the one exception to converting by code.
 */
const LOST_CONNECTION_MESSAGES = [
  /^Connection terminated\b/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^timeout exceeded when trying to connect$/,
]

/** Tells whether a pg error means the connection failed or was lost, not that one statement was refused. */
function isLostConnection(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) {
    // A protocol violation ends the session only when the server says so (FATAL, as at startup).
    if (error.code === '08P01') return error.severity === 'FATAL'
    return LOST_CONNECTION_STATES.has(error.code ?? '')
  }
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && LOST_SOCKET_CODES.has(code)) return true
  return LOST_CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message))
}

/**
 * @internal Converts a pg error by SQLSTATE; the original stays in `cause`. Only a failed or lost
 * connection is a ConnectionError; pg's own client-side refusals are DatabaseErrors.
 */
export function toPostgresError(error: unknown, registry: MetadataRegistry): OrmError {
  if (error instanceof OrmError) return error
  if (isLostConnection(error)) return ConnectionError.lost(error)
  if (!(error instanceof pg.DatabaseError)) {
    const reason = error instanceof Error ? error.message : String(error)
    return new DatabaseError(
      undefined,
      `The PostgreSQL client (pg) refused the statement before sending it: ${reason}. ` +
        'The connection is fine and this statement wrote nothing; check its SQL text and values.',
      { cause: error },
    )
  }
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
  if (code === '08P01') {
    return new DatabaseError(
      code,
      `PostgreSQL refused the statement as a protocol violation (${code}: ${error.message}). The connection ` +
        'is fine and this statement wrote nothing. A statement binds at most 65,535 parameters: pass a long ' +
        'list as one array parameter (= ANY($1)) or split the statement.',
      { cause: error },
    )
  }
  const hint = code === '42P01' || code === '42703' ? `. ${MISSING_SCHEMA_HINT}` : ''
  return new DatabaseError(code, `PostgreSQL error ${code}: ${error.message}${hint}`, { cause: error })
}
