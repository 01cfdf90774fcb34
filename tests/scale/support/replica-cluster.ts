import { execFileSync } from 'node:child_process'
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * A PostgreSQL primary with one streaming replica, made in a temporary folder for the replica tests:
 * `initdb -A trust` run as the postgres user, replication allowed from 127.0.0.1, the primary started on
 * a free port, `pg_basebackup -R -X stream` into a second folder, the replica started on another port.
 * `stop()` stops both and removes the folder; call it in `afterAll` (it also runs when start() fails).
 */
export class ReplicaCluster {
  readonly folder: string
  primaryPort = 0
  replicaPort = 0
  #bindir = ''
  #started: string[] = []

  constructor() {
    this.folder = mkdtempSync(join(tmpdir(), 'veil-replicas-'))
    chmodSync(this.folder, 0o777)
  }

  get primaryUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.primaryPort}/postgres`
  }

  get replicaUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.replicaPort}/postgres`
  }

  async start(): Promise<void> {
    try {
      this.#bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim()
      const primary = join(this.folder, 'primary')
      const replica = join(this.folder, 'replica')
      this.primaryPort = await freePort()
      this.replicaPort = await freePort()
      this.#asPostgres('initdb', ['-A', 'trust', '-U', 'postgres', '-D', primary])
      appendFileSync(primary + '/pg_hba.conf', '\nhost replication all 127.0.0.1/32 trust\n')
      this.#startServer(primary, this.primaryPort)
      this.#asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(this.primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream'])
      this.#startServer(replica, this.replicaPort)
    } catch (error) {
      await this.stop()
      throw error
    }
  }

  /** Stops the replica's server (fast shutdown): its connections end, new ones are refused. */
  stopReplica(): void {
    const replica = join(this.folder, 'replica')
    this.#asPostgres('pg_ctl', ['stop', '-m', 'fast', '-w', '-D', replica])
    this.#started = this.#started.filter((dir) => dir !== replica)
  }

  /** Starts the replica's server again after {@link stopReplica}. */
  startReplica(): void {
    this.#startServer(join(this.folder, 'replica'), this.replicaPort)
  }

  /** Runs one statement on a server and returns its rows. */
  async sql(url: string, text: string): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query(text)).rows as Record<string, unknown>[]
    } finally {
      await client.end()
    }
  }

  pauseReplay(): Promise<unknown> {
    return this.sql(this.replicaUrl, 'SELECT pg_wal_replay_pause()')
  }

  resumeReplay(): Promise<unknown> {
    return this.sql(this.replicaUrl, 'SELECT pg_wal_replay_resume()')
  }

  /** Waits until the replica has replayed everything the primary has written so far. */
  async caughtUp(timeoutMs = 20_000): Promise<void> {
    const [row] = await this.sql(this.primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn')
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const [done] = await this.sql(this.replicaUrl, `SELECT pg_last_wal_replay_lsn() >= '${String(row?.lsn)}'::pg_lsn AS ok`)
      if (done?.ok === true) return
      if (Date.now() > deadline) throw new Error('the replica did not catch up in time')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async stop(): Promise<void> {
    for (const dir of this.#started.reverse()) {
      try {
        this.#asPostgres('pg_ctl', ['stop', '-m', 'immediate', '-w', '-D', dir])
      } catch {
        // Already stopped: the folder goes anyway.
      }
    }
    this.#started = []
    rmSync(this.folder, { recursive: true, force: true })
  }

  #startServer(dir: string, port: number): void {
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${this.folder}' -c fsync=off`
    this.#asPostgres('pg_ctl', ['start', '-w', '-D', dir, '-l', `${dir}.log`, '-o', options])
    this.#started.push(dir)
  }

  #asPostgres(program: string, args: readonly string[]): void {
    const binary = join(this.#bindir, program)
    const asRoot = process.getuid?.() === 0
    execFileSync(asRoot ? 'runuser' : binary, asRoot ? ['-u', 'postgres', '--', binary, ...args] : [...args], { stdio: 'pipe', timeout: 60_000 })
  }
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
