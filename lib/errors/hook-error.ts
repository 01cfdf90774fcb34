import { OrmError } from './orm-error.js'

/**
 * A lifecycle hook or an `ORM.on()` listener threw a value that is not an Error (`throw 'locked'`); that
 * value is `cause`. (A thrown Error reaches the caller as it is.) From a before-hook, the flush or
 * operation wrote nothing; from an after-hook or listener, the write is committed and stays.
 */
export class HookError extends OrmError {
  constructor(
    /** Who threw: `Post.checkLocked` or `ORM.on('softDelete') listener`. */
    readonly source: string,
    /** The hook: `beforeSoftDelete`, ..., or the event name for a listener. */
    readonly hook: string,
    /** Whether the write it was about is committed (after-hooks and listeners). */
    readonly isAfterCommit: boolean,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    const outcome = isAfterCommit ? 'the write is committed and stays' : 'nothing was written; the changes stay pending'
    super(`${source} (${hook}) threw: ${reason}. ${outcome}. The thrown error is in cause.`, { cause })
  }
}
