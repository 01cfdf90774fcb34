import type { Pool, PoolClient } from 'pg'

/** The 'error' listener of a checked-out client, removed when it goes back to the pool. */
function ignoreClientError(): void {}

/**
 * @internal Takes a client from the pool for several statements. pg emits 'error' on a checked-out client
 * whose connection ends (a killed backend), which would end the process if nobody listened; the
 * listener only keeps it alive: the statement that runs next on the client fails as a lost
 * connection, and that is what the caller gets.
 */
export async function checkOut(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect()
  client.on('error', ignoreClientError)
  return client
}

/** @internal Gives a checked-out client back; with an error, the pool destroys it instead of reusing it. */
export function checkIn(client: PoolClient, error?: unknown): void {
  client.removeListener('error', ignoreClientError)
  if (error === undefined) client.release()
  else client.release(error instanceof Error ? error : new Error(String(error)))
}

/** @internal Rolls back with `statement`, then gives the client back (destroyed if the rollback failed too). */
export async function rollbackAndRelease(client: PoolClient, statement: string, error: unknown): Promise<void> {
  try {
    await client.query(statement)
    checkIn(client)
  } catch {
    // The connection itself is broken: destroy it rather than return it to the pool.
    checkIn(client, error)
  }
}
