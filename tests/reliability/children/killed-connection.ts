// Run by tests/reliability/pg-connections.test.ts in its own process: kills this process's
// PostgreSQL backends at one moment (argv[2]) and prints what the caller saw as one JSON line.
// No 'uncaughtException' handler on purpose: an unheard 'error' event ends the process with code 1.
import pg from 'pg'
import { ORM } from '../../../lib/index.js'
import { CHILD_MODEL, Label, Member } from './model.js'

const moment = process.argv[2]
const config = JSON.parse(process.env.VEIL_PG_CONFIG ?? '{}') as pg.PoolConfig
const APP = `veil_killed_${process.pid}`
const admin = new pg.Client({ connectionString: config.connectionString, options: config.options })
await admin.connect()
// Holds the table locks that keep a statement in flight; pg_stat_activity is read outside any transaction.
const locker = new pg.Client({ connectionString: config.connectionString, options: config.options })
await locker.connect()
// A hung child must not hold locks that other test files wait on.
setTimeout(() => {
  console.error(`killed-connection ${process.argv[2]}: still running after 60 s`)
  process.exit(3)
}, 60_000).unref()

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Terminates the backends this process's pool opened that match `where`, then waits until they are gone. */
async function terminate(where: string): Promise<number> {
  const killed = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
    [APP],
  )
  const pids = killed.rows.map((row) => row.pid)
  await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int4[]) AS pid', [pids])
  while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int4[])', [pids])).rowCount) await sleep(10)
  return pids.length
}

/** Waits until some backend of this process waits on a lock: the statement is in flight. */
async function untilBlocked(): Promise<void> {
  const sql = `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`
  while (!(await admin.query(sql, [APP])).rowCount) await sleep(10)
}

const errorName = (error: unknown): string => (error instanceof Error ? error.constructor.name : typeof error)
const report: Record<string, unknown> = { moment }
const poolConfig: pg.PoolConfig = { ...config, application_name: APP, max: 4 }

if (moment === 'idle-in-callers-pool') {
  const pool = new pg.Pool(poolConfig)
  await ORM.boot(CHILD_MODEL, { postgres: pool, autoFlush: false })
  await Promise.all([Member.count(), Label.count()])
  report.killed = await terminate('true')
  // pg-pool drops an idle client once it has heard its error; the ORM's listener must be the one hearing it.
  while (pool.totalCount > 0) await sleep(10)
  new Member('ann')
  await ORM.flush()
  report.afterwards = await Member.count()
  await ORM.close()
  report.listenersLeft = pool.listenerCount('error')
  await pool.end()
} else if (moment === 'transaction-await') {
  await ORM.boot(CHILD_MODEL, { postgres: poolConfig, autoFlush: false })
  try {
    await ORM.transaction(async () => {
      new Member('ann')
      await ORM.flush()
      const [row] = await ORM.query('SELECT pg_backend_pid() AS pid')
      report.killed = await terminate(`pid = ${Number(row?.pid)}`)
      // The callback awaits something else while its client hears the connection end.
      await sleep(200)
    })
    report.error = 'none'
  } catch (error) {
    report.error = errorName(error)
  }
  await ORM.transaction(async () => void new Member('bob'))
  report.afterwards = (await Member.find()).map((member) => member.handle)
  await ORM.close()
} else if (moment === 'write') {
  await ORM.boot(CHILD_MODEL, { postgres: poolConfig, autoFlush: false })
  await locker.query('BEGIN')
  await locker.query('LOCK TABLE member, label IN ACCESS EXCLUSIVE MODE')
  new Member('ann')
  new Label('news')
  // Two inserts: the write checks a client out of the pool for its own transaction.
  const flushing = ORM.flush().then(
    () => 'none',
    (error: unknown) => errorName(error),
  )
  await untilBlocked()
  report.killed = await terminate(`wait_event_type = 'Lock'`)
  report.error = await flushing
  await locker.query('COMMIT')
  await ORM.flush()
  report.afterwards = [await Member.count(), await Label.count()]
  await ORM.close()
} else if (moment === 'ddl') {
  // The older table's columns are added as nullable, with a warning this case does not check.
  const ddlOptions = { postgres: poolConfig, autoFlush: false, logger: { warn: () => undefined } }
  // An older table without the handle column: boot must add it, and waits for the lock held below.
  await admin.query('CREATE TABLE member (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY)')
  await locker.query('BEGIN')
  await locker.query('LOCK TABLE member IN ACCESS EXCLUSIVE MODE')
  const booting = ORM.boot(CHILD_MODEL, ddlOptions).then(
    () => 'none',
    (error: unknown) => errorName(error),
  )
  await untilBlocked()
  report.killed = await terminate(`wait_event_type = 'Lock'`)
  report.error = await booting
  await locker.query('COMMIT')
  await ORM.boot(CHILD_MODEL, ddlOptions)
  new Member('ann')
  await ORM.flush()
  report.afterwards = await Member.count()
  await ORM.close()
} else {
  throw new Error(`unknown moment ${moment}`)
}

await Promise.all([admin.end(), locker.end()])
console.log(JSON.stringify(report))
