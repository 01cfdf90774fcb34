/** Base class of every error veil-orm throws; the driver's original error, if any, is kept in `cause`. */
export class OrmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}
