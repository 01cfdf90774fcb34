// Peak memory while reading 1,000,000 rows: `stream()` against `find()` of the same rows, on SQLite (a
// file) and PostgreSQL. Each case runs in a child process of its own (`node --expose-gc`), which reports
// its resident set size after boot (the baseline) and its peak (the kernel's maxRSS, and samples taken
// every batch); the stream's peak must stay below 100 MB above the baseline.
// Run with `npm run bench:stream` (STREAM_ROWS overrides the row count, STREAM_BATCH_SIZE the batch size, STREAM_DIALECTS=sqlite
// runs one dialect; PostgreSQL from DATABASE_URL, skipped if unreachable).
import 'reflect-metadata'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { DATABASE_URL } from './bench-support.js'
import { Column, ORM, SoftDel, type BootOptions } from '../lib/index.js'

// Soft-deletable like the core bench's rows: every read filters deleted_at.
class StreamRow extends SoftDel {
  @Column() name: string
  @Column({ type: 'integer' }) score: number
  @Column() note: string
  constructor(name: string, score: number) {
    super()
    this.name = name
    this.score = score
    this.note = `a note of some forty characters, row ${score}`
  }
}

const ROWS = Number(process.env.STREAM_ROWS ?? 1_000_000)
const BATCH_SIZE = Number(process.env.STREAM_BATCH_SIZE ?? 1000)
const DIALECTS = (process.env.STREAM_DIALECTS ?? 'sqlite,postgres').split(',')
const SCHEMA = 'bench_stream'
const LIMIT_MB = 100
const MB = 1024 * 1024

type Mode = 'stream' | 'find'

/** What a child reports, in MB. */
interface Measurement {
  readonly rows: number
  readonly baseline: number
  readonly peak: number
  readonly ms: number
}

function bootOptions(dialect: string, target: string): BootOptions {
  return dialect === 'sqlite' ? { sqlite: target } : { postgres: { connectionString: DATABASE_URL, options: `-c search_path=${target}`, max: 2 } }
}

/** Child: boots on the seeded database, reads every row in `mode`, prints its measurement as JSON. */
async function child(dialect: string, target: string, mode: Mode): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run the child with --expose-gc')
  await ORM.boot([SoftDel, StreamRow], { ...bootOptions(dialect, target), skipTableCreation: true, autoFlush: false })
  gc()
  const baseline = process.memoryUsage().rss
  let sampled = baseline
  const start = performance.now()
  let rows = 0
  let checksum = 0
  if (mode === 'stream') {
    for await (const row of StreamRow.stream({ batchSize: BATCH_SIZE })) {
      checksum += row.score
      if (++rows % 1000 === 0) sampled = Math.max(sampled, process.memoryUsage().rss)
    }
  } else {
    const all = await StreamRow.find()
    sampled = Math.max(sampled, process.memoryUsage().rss)
    for (const row of all) checksum += row.score
    rows = all.length
  }
  const ms = performance.now() - start
  if (checksum !== (ROWS * (ROWS - 1)) / 2) throw new Error(`read ${rows} rows, checksum ${checksum}`)
  // maxRSS is in KB: the kernel's own peak, which also sees what happened between two samples.
  const peak = Math.max(sampled, process.resourceUsage().maxRSS * 1024)
  await ORM.close()
  const measurement: Measurement = { rows, baseline: baseline / MB, peak: peak / MB, ms }
  console.log(JSON.stringify(measurement))
}

/** Inserts ROWS rows through the ORM, 10,000 per flush, dropping each chunk so memory stays flat. */
async function seed(options: BootOptions): Promise<void> {
  await ORM.boot([SoftDel, StreamRow], { ...options, autoFlush: false })
  for (let i = 0; i < ROWS; ) {
    for (const end = Math.min(ROWS, i + 10_000); i < end; i++) new StreamRow(`row ${i}`, i)
    await ORM.flush()
  }
  await ORM.close()
}

function runChild(dialect: string, target: string, mode: Mode): Measurement | string {
  const script = fileURLToPath(import.meta.url)
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', script, 'child', dialect, target, mode], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return JSON.parse(out.trim().split('\n').pop() as string) as Measurement
  } catch (error) {
    return `failed: ${String((error as { stderr?: string }).stderr ?? error).split('\n').find((line) => line.trim()) ?? 'unknown'}`
  }
}

function printRow(dialect: string, mode: Mode, result: Measurement | string): boolean {
  if (typeof result === 'string') {
    console.log(`| ${dialect} | ${mode}() | ${result} | | | | |`)
    return mode !== 'stream'
  }
  const above = result.peak - result.baseline
  const verdict = mode === 'stream' ? (above < LIMIT_MB ? 'met' : 'MISSED') : ''
  console.log(
    `| ${dialect} | ${mode}() | ${result.rows.toLocaleString('en')} | ${result.baseline.toFixed(0)} MB | ${result.peak.toFixed(0)} MB | ` +
      `**${above.toFixed(0)} MB** | ${(result.ms / 1000).toFixed(1)} s | ${verdict} |`,
  )
  return mode !== 'stream' || above < LIMIT_MB
}

async function main(): Promise<void> {
  const targets: [string, string][] = []
  const dir = mkdtempSync(join(tmpdir(), 'veil-bench-stream-'))
  if (DIALECTS.includes('sqlite')) targets.push(['sqlite', join(dir, 'rows.sqlite')])
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
  try {
    if (DIALECTS.includes('postgres')) {
      await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`)
      targets.push(['postgres', SCHEMA])
    }
  } catch (error) {
    console.log(`PostgreSQL skipped: ${(error as Error).message}`)
  }
  let isWithinLimit = true
  try {
    for (const [dialect, target] of targets) {
      const start = performance.now()
      await seed(bootOptions(dialect, target))
      console.error(`${dialect}: seeded ${ROWS.toLocaleString('en')} rows in ${((performance.now() - start) / 1000).toFixed(0)} s`)
    }
    console.log(`\n| dialect | read | rows | baseline RSS | peak RSS | peak above baseline | time | < ${LIMIT_MB} MB |`)
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |')
    for (const [dialect, target] of targets) {
      for (const mode of ['stream', 'find'] as const) isWithinLimit = printRow(dialect, mode, runChild(dialect, target, mode)) && isWithinLimit
    }
  } finally {
    if (targets.some(([dialect]) => dialect === 'postgres')) await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
    await admin.end()
    rmSync(dir, { recursive: true, force: true })
  }
  if (!isWithinLimit) process.exitCode = 1
}

const [, , role, dialect, target, mode] = process.argv
// `seed <dialect> <target>` and `child <dialect> <target> <mode>` run one step alone (to profile a case).
const run =
  role === 'child' ? child(dialect as string, target as string, mode as Mode) : role === 'seed' ? seed(bootOptions(dialect as string, target as string)) : main()
run.catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
