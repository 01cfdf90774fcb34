import { AsyncLocalStorage } from 'node:async_hooks'
import { ValidationError } from '../errors/validation-error.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'

// THE audit rule of soft deletion: what a soft delete or a restore of an audited class writes besides
// deleted_at. Asked by the flag path (deletion-flag.ts) and by the explicit API's compiler alike.

/** The longest actor id `ORM.actingAs()` accepts, in characters. */
const MAX_ACTOR_LENGTH = 255
/** The longest reason `softDelete({ reason })` accepts, in characters. */
const MAX_REASON_LENGTH = 2000

/** @internal Who soft-deletes and why: stored in deleted_by and deletion_reason of an audited row. */
export interface DeletionAudit {
  readonly actor: string | undefined
  readonly reason: string | undefined
}

/** @internal One column an audited soft delete or restore writes, and its value (undefined: NULL). */
export interface AuditWrite {
  readonly column: ColumnMetadata
  readonly value: string | undefined
}

const actors = new AsyncLocalStorage<string>()
const NO_AUDIT: readonly AuditWrite[] = Object.freeze([])

/**
 * @internal Runs `fn` with `actor` as the actor of its async context (nested calls override; transactions
 * started inside keep it). A number is stored as its decimal text.
 */
export function runActingAs<T>(actor: unknown, fn: () => Promise<T> | T): Promise<T> {
  const valid =
    (typeof actor === 'string' && actor.trim().length > 0 && actor.length <= MAX_ACTOR_LENGTH) ||
    (typeof actor === 'number' && Number.isSafeInteger(actor))
  if (!valid) {
    throw ValidationError.wrongType('ORM.actingAs(actor, fn)', `a non-blank string of at most ${MAX_ACTOR_LENGTH} characters or a safe integer (a user id)`, actor)
  }
  if (typeof fn !== 'function') throw ValidationError.wrongType('ORM.actingAs(actor, fn)', 'a function as fn', fn)
  return actors.run(String(actor), async () => fn())
}

/** @internal The actor of the current async context, or undefined outside `ORM.actingAs()`. */
export function currentActor(): string | undefined {
  return actors.getStore()
}

/**
 * @internal Checks a `reason` option of `method` on `meta`: undefined, or a non-blank string of at most 2000
 * characters, on an audited class (another class has nowhere to keep it).
 */
export function checkReason(meta: EntityMetadata, method: string, reason: unknown): string | undefined {
  if (reason === undefined) return undefined
  const where = `${meta.className}.${method}({ reason })`
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw ValidationError.wrongType(where, `a non-blank string of at most ${MAX_REASON_LENGTH} characters`, reason)
  }
  if (!meta.deletionReasonColumn) {
    throw ValidationError.badOption(`${where}: ${meta.className} is not audited; declare @Table({ audit: true }) on it to record reasons.`)
  }
  return reason
}

/** @internal The audit of a soft delete made now: the current actor, and the given (checked) reason. */
export function auditNow(reason: string | undefined): DeletionAudit {
  return { actor: currentActor(), reason }
}

/**
 * @internal What a soft delete (with its audit) or a restore (`audit` undefined) of `meta` writes besides
 * deleted_at: on an audited class, the actor and reason, or NULL in both for a restore; nothing otherwise.
 */
export function auditWrites(meta: EntityMetadata, audit: DeletionAudit | undefined): readonly AuditWrite[] {
  const by = meta.deletedByColumn
  const reason = meta.deletionReasonColumn
  if (!by || !reason) return NO_AUDIT
  return [
    { column: by, value: audit?.actor },
    { column: reason, value: audit?.reason },
  ]
}
