import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

// A real PgBouncer (Debian's `pgbouncer` package) in transaction pooling mode, started for one test
// file (or one benchmark run) with its own config in a temporary folder, run as the `postgres` user,
// in front of the test server. No vitest here: bench/scale.ts uses it too.

/** The server PgBouncer forwards to: the tests' DATABASE_URL (host, port, database). */
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Whether the `pgbouncer` binary is installed (Debian: `apt-get install -y pgbouncer`). */
export function hasPgBouncer(): boolean {
  return spawnSync('sh', ['-c', 'command -v pgbouncer'], { stdio: 'ignore' }).status === 0
}

export interface StartOptions {
  /** Server connections per database alias (PgBouncer's default_pool_size); clients share them. */
  readonly poolSize?: number
}

/** A schema of the test database, reached through PgBouncer under a database alias of its own. */
export interface PooledSchema {
  readonly schema: string
  /** The connection string through PgBouncer: every server connection it opens searches `schema`. */
  readonly url: string
}

/** A running PgBouncer. */
export interface PgBouncer {
  readonly port: number
  /**
   * Creates an empty schema on the server and a PgBouncer database alias for it, whose server
   * connections search it (`connect_query`): the per-test schema a transaction pooler can give, since
   * it forwards no `options` startup parameter.
   */
  freshSchema(): Promise<PooledSchema>
  /** What PgBouncer printed (its log goes to stderr). */
  log(): string
  /** Stops PgBouncer, drops the schemas it made and removes its folder. */
  stop(): Promise<void>
}

let schemaCounter = 0

/** Starts PgBouncer on a free local port and waits until it accepts connections. */
export async function startPgBouncer(options: StartOptions = {}): Promise<PgBouncer> {
  const server = new URL(SERVER_URL)
  const dir = mkdtempSync(join(tmpdir(), 'veil-pgbouncer-'))
  chmodSync(dir, 0o755) // pgbouncer runs as postgres and reads its config from here
  const port = await freePort()
  const aliases: string[] = []
  const schemas: string[] = []
  const configFile = join(dir, 'pgbouncer.ini')
  const writeConfig = (): void => {
    const databases = aliases.map((schema) =>
      `${schema} = host=${server.hostname} port=${server.port || 5432} dbname=${server.pathname.slice(1)} ` +
        `connect_query='SET search_path TO ${schema}'`,
    )
    writeFileSync(
      configFile,
      [
        '[databases]',
        ...databases,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'admin_users = postgres',
        'pool_mode = transaction',
        `default_pool_size = ${options.poolSize ?? 4}`,
        'max_client_conn = 1000',
        'server_reset_query =',
        '',
      ].join('\n'),
    )
    chmodSync(configFile, 0o644)
  }
  writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n')
  chmodSync(join(dir, 'users.txt'), 0o644)
  writeConfig()

  const child = spawn('runuser', ['-u', 'postgres', '--', 'pgbouncer', configFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const admin = new pg.Pool({ connectionString: SERVER_URL, max: 1 })

  const adminConsole = async (command: string): Promise<void> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'pgbouncer' })
    await client.connect()
    try {
      await client.query(command)
    } finally {
      await client.end().catch(() => undefined)
    }
  }

  const bouncer: PgBouncer = {
    port,
    async freshSchema() {
      const schema = `veil_scale_${process.pid}_${schemaCounter++}`
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
      schemas.push(schema)
      aliases.push(schema)
      writeConfig()
      await adminConsole('RELOAD')
      return { schema, url: `postgres://postgres@127.0.0.1:${port}/${schema}` }
    },
    log: () => output,
    async stop() {
      await stopProcess(child, exited)
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin.end()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    await waitUntilListening(port, child, () => output)
  } catch (error) {
    await bouncer.stop()
    throw error
  }
  return bouncer
}

/** SIGTERM (runuser passes it on; PgBouncer shuts down at once), SIGKILL if it is still there after 5 s. */
async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

async function waitUntilListening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with code ${child.exitCode}:\n${output()}`)
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'pgbouncer' })
    try {
      await client.connect()
      await client.end()
      return
    } catch (error) {
      await client.end().catch(() => undefined)
      if (Date.now() > deadline) throw new Error(`pgbouncer did not accept connections on ${port}: ${String(error)}\n${output()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
