import type { Pool, PoolConfig } from 'pg'
import type { Connection } from '../dialect.js'
import type { QueryListener } from '../query-event.js'
import type { ReadReplica, ReadReplicas } from '../read-replicas.js'
import type { Logger } from '../../util/logger.js'
import { PostgresDriver, type PostgresDriverOptions } from './postgres-driver.js'

/** Where the primary's WAL is written up to, as a byte offset (text: a bigint may not fit a JS number). */
const PRIMARY_POSITION_SQL = `SELECT (pg_current_wal_lsn() - '0/0')::text`
/**
 * How far a replica has replayed, as a byte offset. A server that is not a standby (no recovery) has
 * everything its own WAL holds; a standby that has replayed nothing yet counts as 0.
 */
const REPLAYED_POSITION_SQL =
  `SELECT (CASE WHEN pg_is_in_recovery() THEN COALESCE(pg_last_wal_replay_lsn(), '0/0') ELSE pg_current_wal_lsn() END - '0/0')::text`

/** A replica found behind is asked again at most this often; meanwhile reads that need more go to the primary. */
const RECHECK_MS = 50
/** A replica still behind a position this long after it was first found behind is lagging: one warning. */
const LAG_LIMIT_MS = 2000
/** An unreachable replica is tried again after this long. */
const RETRY_MS = 5000

/** @internal A replica target as boot accepts it. */
export type ReplicaTarget = string | PoolConfig | Pool

class Replica implements ReadReplica {
  /** The replayed position last read; -1 when unknown (never asked, or lost). */
  replayed = -1n
  checkedAt = 0
  checking: Promise<void> | undefined = undefined
  /** The first position a read needed that it has not replayed yet, and when it was found behind it. */
  unreached: { readonly position: bigint; readonly since: number } | undefined = undefined
  /** Out of use until then (0: in use). */
  downUntil = 0
  /** The trouble last warned about, so that one episode gives one warning. */
  warned: 'down' | 'lagging' | undefined = undefined

  constructor(
    readonly index: number,
    readonly label: string,
    readonly driver: PostgresDriver,
  ) {}

  get connection(): Connection {
    return this.driver.shared
  }
}

/**
 * @internal PostgreSQL streaming replicas: a pg pool per replica (a {@link PostgresDriver} used for reads
 * only), the WAL position each has replayed, and their health. A replica that cannot be reached, or
 * stays behind what a read needs for longer than {@link LAG_LIMIT_MS}, gets one warning through the
 * logger; reads it cannot serve go to the primary, so no caller ever sees a replica's error.
 */
export class PostgresReplicas implements ReadReplicas {
  readonly #replicas: Replica[]
  readonly #logger: Logger
  #next = 0

  constructor(
    targets: readonly ReplicaTarget[],
    logger: Logger,
    listenerOf: (index: number) => QueryListener | undefined,
    driverOptions?: PostgresDriverOptions,
  ) {
    this.#logger = logger
    this.#replicas = targets.map((target, index) => {
      let replica: Replica | undefined
      // An idle connection that ends (the replica stopped) is a lost replica, not an error of the ORM.
      const driver = new PostgresDriver(target, (error) => replica && this.failed(replica, error), listenerOf(index), driverOptions)
      replica = new Replica(index, describeTarget(target), driver)
      return replica
    })
  }

  async primaryPosition(primary: Connection): Promise<bigint> {
    const rows = await primary.select(PRIMARY_POSITION_SQL, [], false)
    return BigInt(String(rows[0]?.[0]))
  }

  async pick(position: bigint): Promise<ReadReplica | undefined> {
    const count = this.#replicas.length
    const first = this.#next++ % count
    for (let i = 0; i < count; i++) {
      const replica = this.#replicas[(first + i) % count] as Replica
      if (await this.#hasReplayed(replica, position)) return replica
    }
    return undefined
  }

  failed(replica: ReadReplica, error: unknown): void {
    if (!isConnectionLoss(error)) return
    const lost = replica as Replica
    lost.downUntil = Date.now() + RETRY_MS
    lost.replayed = -1n
    lost.unreached = undefined
    if (lost.warned === 'down') return
    lost.warned = 'down'
    this.#logger.warn(
      `veil-orm: read replica ${lost.index} (${lost.label}) cannot be reached (${describeError(error)}); ` +
        `reads go to the primary, and the replica is tried again every ${RETRY_MS / 1000} s.`,
    )
  }

  async close(): Promise<void> {
    await Promise.all(this.#replicas.map((replica) => replica.driver.close().catch(() => undefined)))
  }

  async #hasReplayed(replica: Replica, position: bigint): Promise<boolean> {
    const now = Date.now()
    if (replica.downUntil > now) return false
    if (replica.replayed < position && (replica.downUntil > 0 || now - replica.checkedAt >= RECHECK_MS)) {
      replica.checking ??= this.#check(replica).finally(() => (replica.checking = undefined))
      await replica.checking
    }
    if (replica.downUntil > Date.now()) return false
    const unreached = replica.unreached
    if (unreached && replica.replayed >= unreached.position) {
      replica.unreached = undefined
      if (replica.warned === 'lagging') this.#back(replica)
    }
    if (replica.replayed >= position) return true
    replica.unreached ??= { position, since: now }
    if (now - replica.unreached.since > LAG_LIMIT_MS && replica.warned === undefined) {
      replica.warned = 'lagging'
      this.#logger.warn(
        `veil-orm: read replica ${replica.index} (${replica.label}) has been behind this process's writes for more than ` +
          `${LAG_LIMIT_MS / 1000} s; reads that need them go to the primary until it catches up.`,
      )
    }
    return false
  }

  /** Asks the replica how far it has replayed; a failure counts as trouble with the replica, never the caller's. */
  async #check(replica: Replica): Promise<void> {
    try {
      const rows = await replica.connection.select(REPLAYED_POSITION_SQL, [], false)
      replica.replayed = BigInt(String(rows[0]?.[0]))
      replica.checkedAt = Date.now()
      if (replica.downUntil > 0) {
        replica.downUntil = 0
        this.#back(replica)
      }
    } catch (error) {
      replica.checkedAt = Date.now()
      this.failed(replica, error)
    }
  }

  #back(replica: Replica): void {
    replica.warned = undefined
    this.#logger.info?.(`veil-orm: read replica ${replica.index} (${replica.label}) is in use again.`)
  }
}

/**
 * Whether an error means the replica's connection is gone (or cannot be made): no SQLSTATE (a socket
 * error such as ECONNREFUSED, or "Connection terminated"), a connection exception (class 08), or a
 * server shutting down or starting (57P01-57P03). Other errors (a statement cancelled by a conflict
 * with recovery, a table the replica has not replayed yet) only send that read to the primary.
 */
function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03'
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** host:port/database of a replica, never its password. */
function describeTarget(target: ReplicaTarget): string {
  const config: PoolConfig =
    typeof target === 'string' ? parseUrl(target) : 'options' in target && typeof target.options === 'object' ? (target.options as PoolConfig) : (target as PoolConfig)
  if (config.connectionString) return describeTarget(config.connectionString)
  return `${config.host ?? 'localhost'}:${config.port ?? 5432}${config.database ? `/${config.database}` : ''}`
}

function parseUrl(url: string): PoolConfig {
  try {
    const parsed = new URL(url)
    return { host: parsed.hostname, port: Number(parsed.port || 5432), database: parsed.pathname.slice(1) || undefined }
  } catch {
    return { host: 'an unparsable connection string' }
  }
}
