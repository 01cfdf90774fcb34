import type { Driver } from '../dialect/dialect.js'
import type { Logger } from '../util/logger.js'
import type { UnitOfWork } from './unit-of-work.js'

/** @internal What closing needs from the booted ORM. */
export interface CloseHost {
  readonly driver: Driver
  readonly globalWork: UnitOfWork
  /** The transactions in progress, which close() lets finish first. */
  readonly transactions: ReadonlySet<Promise<unknown>>
  readonly options: {
    /** Where close() says how many pending changes it discarded. */
    readonly logger: Logger
  }
  flush(work: UnitOfWork): Promise<void>
  discardPending(work: UnitOfWork): Promise<number>
}

/** @internal What `close()` did: how many instances' pending inserts or changes it discarded. */
export interface CloseResult {
  readonly discarded: number
}

/** @internal Closes a runtime, and owns its closing state: from close() on, every change is refused. */
export class Closer {
  readonly #host: CloseHost
  #isClosing = false

  constructor(host: CloseHost) {
    this.#host = host
  }

  /** Whether close() was called (and has not failed). */
  get isClosing(): boolean {
    return this.#isClosing
  }

  /**
   * Refuses every change from now on, writes what is pending (or discards it), then closes the
   * connections. If the final flush fails, the runtime stays open and the error says so.
   */
  async close(discardPending: boolean): Promise<CloseResult> {
    const host = this.#host
    this.#isClosing = true
    // Transactions in progress commit what they changed before close() was called (later changes throw).
    while (host.transactions.size > 0) await Promise.allSettled(host.transactions)
    let discarded = 0
    if (discardPending) {
      discarded = await host.discardPending(host.globalWork)
      if (discarded > 0) {
        host.options.logger.warn(`ORM.close({ discardPending: true }) discarded the pending inserts or changes of ${discarded} instance(s); they were not written.`)
      }
    } else {
      try {
        await host.flush(host.globalWork)
      } catch (error) {
        this.#isClosing = false
        throw notClosed(error)
      }
    }
    await host.driver.close()
    return { discarded }
  }
}

/** The final flush's error, extended to say that nothing was written and the ORM is still open. */
function notClosed(error: unknown): unknown {
  if (error instanceof Error) {
    error.message +=
      ' ORM.close() wrote none of the pending changes and left the ORM open: fix them and call ORM.close() again, ' +
      'or drop them with ORM.close({ discardPending: true }).'
  }
  return error
}
