// What every benchmark file shares: the timer and a PostgreSQL schema per contender.
import pg from 'pg'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Where {@link time} puts its measurements: printed, and appended to `recorded` when it is set. */
export const timings: { quiet: boolean; recorded: number[] | undefined } = { quiet: false, recorded: undefined }

/** Prints the title of a group of timings (unless quiet). */
export function heading(label: string): void {
  if (!timings.quiet) console.log(label)
}

/** Runs `fn` once and prints how long it took under `label`; returns the milliseconds. */
export async function time(label: string, fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  timings.recorded?.push(ms)
  if (!timings.quiet) console.log(`  ${label.padEnd(46)} ${ms.toFixed(1).padStart(8)} ms`)
  return ms
}

/**
 * Recreates the schemas `raw` and `orm`, then runs the raw pg benchmark on a pool searching `raw` and
 * the veil-orm one with options searching `orm`. Prints a line and returns when PostgreSQL is down.
 */
export async function withPostgres(
  schemas: { raw: string; orm: string },
  runRaw: (pool: pg.Pool) => Promise<void>,
  runOrm: (options: { postgres: pg.PoolConfig }) => Promise<void>,
): Promise<void> {
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
  try {
    await admin.query('SELECT 1')
  } catch (error) {
    console.log(`PostgreSQL skipped: ${(error as Error).message}`)
    await admin.end()
    return
  }
  for (const schema of [schemas.raw, schemas.orm]) {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
  }
  await admin.end()
  const raw = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schemas.raw}` })
  try {
    await runRaw(raw)
  } finally {
    await raw.end()
  }
  await runOrm({ postgres: { connectionString: DATABASE_URL, options: `-c search_path=${schemas.orm}` } })
}
