/**
 * Where the ORM reports what is not an error of a call: tables and columns that no class maps (at boot),
 * the error of a failed scheduled flush, and the `logSql` lines.
 */
export interface Logger {
  warn(message: string): void
  /** Receives the error of a failed scheduled flush when `ORM.onError` is not set (`warn` does without it). */
  error?(message: string): void
  /** Receives the `logSql` lines (`warn` does without it). */
  info?(message: string): void
}
