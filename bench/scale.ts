// Many processes through a transaction pooler: W3 (find by id) and W5 (live stories of a user) from
// 1, 2 and 4 processes through PgBouncer (pool_mode = transaction, started here like the scale tests
// start it), as throughput and scaling factor; then the cost of `pooler: 'transaction'` (unnamed
// statements) against named statements in one process on a direct connection.
// Run with `npm run bench:scale` (needs PostgreSQL from DATABASE_URL and the pgbouncer binary).
import 'reflect-metadata'
import { spawn } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Column, ORM, Relation, SoftDel, type BootOptions } from '../lib/index.js'
import { hasPgBouncer, SERVER_URL, startPgBouncer } from '../tests/scale/support/pgbouncer.js'

class ScaleUser extends SoftDel {
  @Column() username: string
  constructor(username: string) {
    super()
    this.username = username
  }
}

class ScaleStory extends SoftDel {
  @Column() title: string
  @Relation(() => ScaleUser) createdBy: ScaleUser
  constructor(title: string, createdBy: ScaleUser) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

const MODEL = [SoftDel, ScaleUser, ScaleStory]
const USERS = 1_000
const STORIES_PER_USER = 200 // 90% soft-deleted: 20 live stories per user, as the shared bench's W5
const RUN_MS = Number(process.env.SCALE_RUN_MS ?? 3_000)
const WARM_UP = 200
const ROUNDS = Number(process.env.SCALE_ROUNDS ?? 5)

type Workload = 'W3' | 'W5'
const WORKLOADS: Record<Workload, string> = { W3: 'W3 find by id', W5: 'W5 live stories of a user' }

/** One operation of the workload, for the i-th call. */
async function operation(workload: Workload, i: number): Promise<void> {
  const id = ((i * 7919) % USERS) + 1
  if (workload === 'W3') {
    if (!(await ScaleUser.findById(id))) throw new Error(`user ${id} not found`)
    return
  }
  const stories = await ScaleStory.find({ where: { createdBy: id } })
  if (stories.length !== STORIES_PER_USER / 10) throw new Error(`user ${id} has ${stories.length} live stories`)
}

/** A worker process: boots, warms up, says ready, runs the workload from "go" for RUN_MS, reports its count. */
async function worker(): Promise<void> {
  const workload = process.env.SCALE_WORKLOAD as Workload
  const options: BootOptions = {
    postgres: { connectionString: process.env.SCALE_URL, max: 2 },
    skipTableCreation: true,
    ...(process.env.SCALE_POOLER === 'transaction' ? { pooler: 'transaction' as const } : {}),
  }
  await ORM.boot(MODEL, options)
  for (let i = 0; i < WARM_UP; i++) await operation(workload, i)
  console.log('ready')
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()))
  const end = Date.now() + RUN_MS
  let ops = 0
  while (Date.now() < end) await operation(workload, WARM_UP + ops++)
  console.log(JSON.stringify({ ops }))
  await ORM.close()
}

/** Starts `processes` workers, lets them go together, and returns the summed operations per second. */
async function measure(processes: number, workload: Workload, url: string, pooler: boolean): Promise<number> {
  const script = fileURLToPath(import.meta.url)
  const env = { ...process.env, SCALE_ROLE: 'worker', SCALE_URL: url, SCALE_WORKLOAD: workload, SCALE_POOLER: pooler ? 'transaction' : '' }
  const workers = Array.from({ length: processes }, () => {
    const child = spawn(process.execPath, [script], { env, stdio: ['pipe', 'pipe', 'inherit'] })
    const lines = createInterface({ input: child.stdout })
    const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`a worker exited with code ${code}`))))
    exited.catch(() => undefined)
    const ready = Promise.race([new Promise<void>((resolve) => lines.once('line', () => resolve())), exited])
    const result = Promise.race([
      new Promise<number>((resolve) => lines.on('line', (line) => line.startsWith('{') && resolve((JSON.parse(line) as { ops: number }).ops))),
      exited,
    ])
    return { child, ready, result }
  })
  try {
    await Promise.all(workers.map((w) => w.ready))
    for (const w of workers) w.child.stdin.write('go\n')
    const counts = await Promise.all(workers.map((w) => w.result))
    return counts.reduce((sum, count) => sum + count, 0) / (RUN_MS / 1000)
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill()
  }
}

/** Creates the tables through ORM.boot, then fills them with one INSERT ... SELECT each. */
async function seed(url: string): Promise<void> {
  await ORM.boot(MODEL, { postgres: url, pooler: 'transaction' })
  await ORM.query(`INSERT INTO scale_user (created_at, updated_at, username) SELECT now(), now(), 'user ' || g FROM generate_series(1, ${USERS}) AS g`)
  await ORM.query(
    `INSERT INTO scale_story (created_at, updated_at, deleted_at, title, created_by_id)
     SELECT now(), now(), CASE WHEN g % 10 = 0 THEN NULL ELSE now() END, 'story ' || g, (g - 1) / ${STORIES_PER_USER} + 1
     FROM generate_series(1, ${USERS * STORIES_PER_USER}) AS g`,
  )
  await ORM.query('ANALYZE scale_user; ANALYZE scale_story')
  await ORM.close()
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

function row(cells: readonly string[]): void {
  console.log(`| ${cells.join(' | ')} |`)
}

async function main(): Promise<void> {
  if (!hasPgBouncer()) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer)')
  const bouncer = await startPgBouncer({ poolSize: 8 })
  try {
    const target = await bouncer.freshSchema()
    await seed(target.url)
    const direct = `${SERVER_URL}?options=${encodeURIComponent(`-c search_path=${target.schema}`)}`
    // Every configuration once per round, rounds one after another: a change in the machine's load
    // then touches every configuration alike, and each figure is the median of its rounds.
    const configs = [
      ...(['W3', 'W5'] as const).flatMap((workload) => [1, 2, 4].map((processes) => ({ key: `${workload} pooled ${processes}`, run: () => measure(processes, workload, target.url, true) }))),
      ...(['W3', 'W5'] as const).flatMap((workload) => [
        { key: `${workload} named`, run: () => measure(1, workload, direct, false) },
        { key: `${workload} unnamed`, run: () => measure(1, workload, direct, true) },
      ]),
    ]
    const samples = new Map<string, number[]>(configs.map((config) => [config.key, []]))
    const loadBefore = loadavg()[0] ?? 0
    for (let round = 0; round < ROUNDS; round++) for (const config of configs) samples.get(config.key)?.push(await config.run())
    const rate = (key: string): number => median(samples.get(key) ?? [])
    console.log(`Median of ${ROUNDS} rounds of ${RUN_MS / 1000} s runs; load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after (${cpus().length} cores)\n`)
    console.log(`Through PgBouncer (pool_mode = transaction, 8 server connections), pooler: 'transaction'\n`)
    row(['workload', '1 process', '2 processes', '4 processes', 'scaling 2/1', 'scaling 4/1'])
    row(['---', '---:', '---:', '---:', '---:', '---:'])
    for (const workload of ['W3', 'W5'] as const) {
      const [one, two, four] = [1, 2, 4].map((processes) => rate(`${workload} pooled ${processes}`)) as [number, number, number]
      row([WORKLOADS[workload], ...[one, two, four].map((value) => `${value.toFixed(0)} ops/s`), `${(two / one).toFixed(2)}x`, `${(four / one).toFixed(2)}x`])
    }
    console.log(`\nOne process, direct connection: named statements (the default) against pooler: 'transaction' (unnamed)\n`)
    row(['workload', 'named', "pooler: 'transaction'", 'unnamed / named'])
    row(['---', '---:', '---:', '---:'])
    for (const workload of ['W3', 'W5'] as const) {
      const [named, unnamed] = [rate(`${workload} named`), rate(`${workload} unnamed`)]
      row([WORKLOADS[workload], `${named.toFixed(0)} ops/s`, `${unnamed.toFixed(0)} ops/s`, (unnamed / named).toFixed(2)])
    }
  } finally {
    await bouncer.stop()
  }
}

const run = process.env.SCALE_ROLE === 'worker' ? worker() : main()
run.catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
