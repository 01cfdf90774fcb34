import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest'
import { ORM, type BootOptions, type EntityClass } from '../../../lib/index.js'
import { hasPgBouncer, SERVER_URL, startPgBouncer, type PgBouncer, type PooledSchema } from './pgbouncer.js'

const isCI = process.env.CI === 'true' || process.env.CI === '1'

/** Why the pooled suites cannot run here, or undefined when PostgreSQL and pgbouncer are both there. */
async function problem(): Promise<string | undefined> {
  if (!hasPgBouncer()) return 'pgbouncer is not installed (apt-get install -y pgbouncer)'
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return undefined
  } catch (error) {
    return `no PostgreSQL at ${SERVER_URL} (${error instanceof Error ? error.message : String(error)})`
  } finally {
    await client.end().catch(() => undefined)
  }
}

const pooledProblem = await problem()

/** What a pooled test gets: the file's PgBouncer and a boot on a fresh schema behind it. */
export interface PooledContext {
  /** The PgBouncer started for this file (in transaction pooling mode). */
  bouncer(): PgBouncer
  /** Boots `classes` through PgBouncer on a fresh schema with `pooler: 'transaction'`; closed after each test. */
  boot(classes: readonly EntityClass[], options?: BootOptions): Promise<PooledSchema>
}

/**
 * Declares a suite against PostgreSQL through a PgBouncer in transaction pooling mode, started for the
 * file and stopped after it. Its title ends in `[postgres]` (CI counts those tests); without a server
 * or the pgbouncer binary it is skipped with the reason, except under CI, where it fails.
 */
export function describePooled(title: string, body: (context: PooledContext) => void, poolSize?: number): void {
  const fullTitle = `${title} [postgres]`
  if (pooledProblem) {
    if (isCI) describe(fullTitle, () => it('has PostgreSQL and pgbouncer to run against', () => { throw new Error(`CI: ${pooledProblem}`) }))
    else describe.skip(`${fullTitle} (skipped: ${pooledProblem})`, () => body(unavailable))
    return
  }
  describe(fullTitle, () => {
    let bouncer: PgBouncer | undefined
    beforeAll(async () => {
      bouncer = await startPgBouncer({ poolSize })
    })
    // A test may leave pending changes that cannot be written: close without them then.
    afterEach(() => ORM.close().catch(() => ORM.close({ discardPending: true })).catch(() => undefined))
    afterAll(async () => {
      await bouncer?.stop()
    })
    const current = (): PgBouncer => {
      if (!bouncer) throw new Error('PgBouncer has not started')
      return bouncer
    }
    body({
      bouncer: current,
      async boot(classes, options = {}) {
        const target = await current().freshSchema()
        await ORM.boot(classes, { postgres: { connectionString: target.url, max: 8 }, pooler: 'transaction', ...options })
        return target
      },
    })
  })
}

const unavailable: PooledContext = {
  bouncer: () => {
    throw new Error('no PgBouncer')
  },
  boot: () => Promise.reject(new Error('no PgBouncer')),
}
