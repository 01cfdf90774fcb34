import type { BootOptions, Logger } from '../../../lib/index.js'

/**
 * The child side of tests/stress/support/child-process.ts: a child receives its settings in
 * environment variables and reports to the parent with one JSON object per stdout line.
 */

/** Writes one message for the parent. Writes to a pipe are synchronous on Linux, so a message
 * reported before a SIGKILL has reached the parent. */
export function report(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`)
}

/** The boot options the parent passed in STRESS_BOOT (a SQLite file or a PostgreSQL schema). */
export function bootOptions(): BootOptions {
  const text = process.env.STRESS_BOOT
  if (!text) throw new Error('STRESS_BOOT is not set: this script is started by a stress test.')
  return JSON.parse(text) as BootOptions
}

/** A setting the parent passed in the environment. */
export function setting(name: string): string {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set: this script is started by a stress test.`)
  return value
}

/** Children boot onto a schema the parent created; unmapped fixture tables need no warning. */
export const quietLogger: Logger = { warn: () => undefined }

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** An error as plain data for a report: its class name, message and stack. */
export function describeError(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack }
  return { name: typeof error, message: String(error) }
}
