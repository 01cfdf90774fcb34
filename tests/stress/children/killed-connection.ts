/**
 * The process of tests/stress/killed-connections.test.ts: boots on PostgreSQL with its own
 * application_name, and terminates its own backends from a second (admin) connection at the moment
 * STRESS_SCENARIO names: 'flush' (a flush waits on a lock), 'transaction' (an ORM.transaction
 * callback awaits a timer) or 'idle' (clients sit idle in the pool). It reports what the caller got
 * and what the database held after the failure and after the retry. It installs no
 * uncaughtException handler: an error nobody listened to must end it with a non-zero exit.
 */
import pg from 'pg'
import { ORM } from '../../../lib/index.js'
import { Story, User } from '../support/model.js'
import { bootOptions, describeError, quietLogger, report, setting, sleep } from '../support/child-io.js'

const scenario = setting('STRESS_SCENARIO')
const postgres = (bootOptions() as { postgres: pg.PoolConfig }).postgres
const applicationName = `veil_victim_${process.pid}`
const USERS = 40
const STORIES_PER_USER = 5

ORM.onError = (error) => report({ type: 'background', ...describeError(error) })
await ORM.boot([User, Story], { postgres: { ...postgres, application_name: applicationName, max: 3 }, logger: quietLogger })
const admin = new pg.Client({ connectionString: postgres.connectionString, options: postgres.options })
await admin.connect()

/** The backends of this process's pool (the admin connection has another application_name). */
async function victims(condition = ''): Promise<number[]> {
  const result = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 ${condition}`, [applicationName])
  return result.rows.map((row) => row.pid)
}

async function terminate(pids: readonly number[]): Promise<void> {
  for (const pid of pids) await admin.query('SELECT pg_terminate_backend($1)', [pid])
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return
    await sleep(10)
  }
  throw new Error(`gave up waiting until ${what}`)
}

/** New users with stories, all titled with `tag`: one flush inserts into two tables. */
function createWork(tag: string): void {
  for (let u = 0; u < USERS; u++) {
    const user = new User(`${tag}-${u}`)
    for (let s = 0; s < STORIES_PER_USER; s++) new Story(`${tag}-${u}-${s}`, user)
  }
}

/** What the database holds for `tag`, read on the admin connection. */
async function stored(tag: string): Promise<{ users: number; stories: number; distinctStories: number }> {
  const users = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "user" WHERE username LIKE $1`, [`${tag}-%`])
  const stories = await admin.query<{ n: string; d: string }>(`SELECT count(*) AS n, count(DISTINCT title) AS d FROM story WHERE title LIKE $1`, [`${tag}-%`])
  return { users: Number(users.rows[0]?.n), stories: Number(stories.rows[0]?.n), distinctStories: Number(stories.rows[0]?.d) }
}

async function outcome(run: () => Promise<unknown>): Promise<ReturnType<typeof describeError> | undefined> {
  try {
    await run()
    return undefined
  } catch (error) {
    return describeError(error)
  }
}

/** A flush of two tables whose second INSERT waits on a lock: its backend is terminated there. */
async function duringFlush(): Promise<void> {
  const blocker = new pg.Client({ connectionString: postgres.connectionString, options: postgres.options })
  await blocker.connect()
  await blocker.query('BEGIN')
  await blocker.query('LOCK TABLE story IN EXCLUSIVE MODE')
  createWork('flush')
  const flushing = outcome(() => ORM.flush())
  await waitUntil('the flush waits on the lock', async () => (await victims(`AND wait_event_type = 'Lock'`)).length > 0)
  await terminate(await victims(`AND wait_event_type = 'Lock'`))
  const failure = await flushing
  await blocker.query('ROLLBACK')
  await blocker.end()
  const afterFailure = await stored('flush')
  const retry = await outcome(() => ORM.flush())
  report({ type: 'result', failure, afterFailure, retry, afterRetry: await stored('flush') })
}

/** A transaction whose backend is terminated while the callback awaits a timer. */
async function duringTransaction(): Promise<void> {
  const work = async (kill: boolean): Promise<void> => {
    await ORM.transaction(async () => {
      createWork('transaction')
      await ORM.flush()
      if (!kill) return
      const [row] = await ORM.query('SELECT pg_backend_pid() AS pid')
      await terminate([Number(row?.pid)])
      await waitUntil('the backend is gone', async () => !(await victims(`AND pid = ${Number(row?.pid)}`)).length)
      await sleep(100)
    })
  }
  const failure = await outcome(() => work(true))
  const afterFailure = await stored('transaction')
  const retry = await outcome(() => work(false))
  report({ type: 'result', failure, afterFailure, retry, afterRetry: await stored('transaction') })
}

/** Every pooled client idle, all their backends terminated, then a flush. */
async function whileIdle(): Promise<void> {
  await Promise.all([User.count(), Story.count(), User.find(), Story.find()])
  const idle = await victims(`AND state = 'idle'`)
  await terminate(idle)
  await waitUntil('the backends are gone', async () => (await victims()).length === 0)
  await sleep(100)
  createWork('idle')
  const failure = await outcome(() => ORM.flush())
  const afterFailure = failure ? await stored('idle') : undefined
  const retry = failure ? await outcome(() => ORM.flush()) : undefined
  report({ type: 'result', terminated: idle.length, failure, afterFailure, retry, afterRetry: await stored('idle') })
}

const scenarios: Record<string, () => Promise<void>> = { flush: duringFlush, transaction: duringTransaction, idle: whileIdle }
await scenarios[scenario]?.()
await ORM.close()
await admin.end()
report({ type: 'done' })
