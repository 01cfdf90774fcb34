import type { Connection } from './dialect.js'

/** @internal One read replica, as the read router uses it. */
export interface ReadReplica {
  /** Its position in boot's `replicas` list. */
  readonly index: number
  /** Runs reads on it (outside transactions only). */
  readonly connection: Connection
}

/**
 * @internal The read replicas of a booted ORM: how far each has replayed the primary's WAL, which of
 * them are out of use (unreachable, or far behind), and the warnings about them. WAL positions are
 * byte offsets (`pg_lsn - '0/0'`) as bigints.
 */
export interface ReadReplicas {
  /** The WAL position the primary has written up to now: every commit made before the call is at or below it. */
  primaryPosition(primary: Connection): Promise<bigint>
  /** A replica in use that has replayed `position`, or undefined: read on the primary. Never throws. */
  pick(position: bigint): Promise<ReadReplica | undefined>
  /** A statement on `replica` failed: when it lost its connection, the replica is out of use for a while. */
  failed(replica: ReadReplica, error: unknown): void
  close(): Promise<void>
}
