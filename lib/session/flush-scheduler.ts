import { typedError } from '../hooks/hook-runner.js'
import { flushWork, type FlushContext } from './flusher.js'
import type { UnitOfWork } from './unit-of-work.js'

/** @internal What scheduling background flushes needs from the booted ORM. */
export interface SchedulerHost extends FlushContext {
  readonly globalWork: UnitOfWork
  readonly isClosing: boolean
  readonly options: {
    readonly autoFlush: boolean
    /** Receives errors of background (scheduled) flushes as they happen. */
    readonly reportError: (error: Error) => void
  }
}

/**
 * @internal Flushes the process-wide work in the background, once per event-loop turn after a change, and
 * hands a failed background flush's error to the next ORM call.
 */
export class FlushScheduler {
  readonly #host: SchedulerHost
  #isFlushScheduled = false

  constructor(host: SchedulerHost) {
    this.#host = host
  }

  /** Schedules a flush of the process-wide work for after the current event-loop turn (unless autoFlush is off). */
  schedule(): void {
    if (this.#isFlushScheduled || !this.#host.options.autoFlush) return
    this.#isFlushScheduled = true
    setImmediate(this.#runScheduledFlush)
  }

  /**
   * Called at the start of every public ORM call: rethrows a failed scheduled flush's error once, unless
   * its work changed since (then the call's own flush retries it and reports the outcome).
   */
  enter(): void {
    const work = this.#host.globalWork
    const error = work.backgroundError
    if (error) {
      work.backgroundError = undefined
      if (work.isHeldBack) throw error
    }
  }

  /** The scheduled flush; its error is stored for the next call by the flusher and reported here. */
  readonly #runScheduledFlush = (): void => {
    this.#isFlushScheduled = false
    const host = this.#host
    // close() runs the final flush itself.
    if (host.isClosing) return
    flushWork(host, host.globalWork, true).catch((error: unknown) => host.options.reportError(typedError(error, (cause) => host.toOrmError(cause))))
  }
}
