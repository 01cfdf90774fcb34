// Does veil-orm's cost grow linearly? The core workloads (`npm run bench`) at scale 1 and at scale 10
// (ten times the rows and lookups), each against its raw driver in the same run: the ratio veil-orm/raw
// at scale 10 should be at most 1.2 times the ratio at scale 1. After a warm-up round, scales and
// repetitions alternate, and each figure is the median of LINEARITY_REPS runs (5 by default).
// Run with `npm run bench:linearity` (PostgreSQL from DATABASE_URL, skipped if unreachable).
import 'reflect-metadata'
import { timings, withPostgres } from './bench-support.js'
import { benchOrm, benchRawPostgres, benchRawSqlite, setScale, WORKLOADS } from './core.js'

const REPS = Number(process.env.LINEARITY_REPS ?? 5)
const SCALES = [1, 10] as const
const MAX_GROWTH = 1.2

type Dialect = 'sqlite' | 'postgres'
/** dialect -> scale -> side -> one array of workload timings per repetition. */
const runs = new Map<string, number[][]>()

function keep(dialect: Dialect, scale: number, side: 'raw' | 'orm', times: number[]): void {
  const key = `${dialect}/${scale}/${side}`
  runs.set(key, [...(runs.get(key) ?? []), times])
}

/** Runs `bench` and returns the timings it recorded, in workload order. */
async function recorded(bench: () => Promise<void>): Promise<number[]> {
  timings.recorded = []
  await bench()
  const times = timings.recorded
  timings.recorded = undefined
  return times
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** The median time of workload `w` at this scale and side, or undefined when it did not run. */
function medianOf(dialect: Dialect, scale: number, side: 'raw' | 'orm', w: number): number | undefined {
  const reps = runs.get(`${dialect}/${scale}/${side}`)
  return reps && median(reps.map((times) => times[w] as number))
}

async function main(): Promise<void> {
  timings.quiet = true
  // A first round at scale 1, not kept: it pays for JIT compilation, which would inflate the scale-1 ratios.
  setScale(1)
  console.error('warm-up round')
  await recorded(() => benchRawSqlite())
  await recorded(() => benchOrm('', {}))
  await withPostgres(
    { raw: 'bench_linearity_raw', orm: 'bench_linearity_orm' },
    (pool) => recorded(() => benchRawPostgres(pool)).then(() => undefined),
    (options) => recorded(() => benchOrm('', options)).then(() => undefined),
  )
  for (let rep = 1; rep <= REPS; rep++) {
    for (const scale of SCALES) {
      setScale(scale)
      console.error(`repetition ${rep}/${REPS}, scale ${scale}`)
      keep('sqlite', scale, 'raw', await recorded(() => benchRawSqlite()))
      keep('sqlite', scale, 'orm', await recorded(() => benchOrm('', {})))
      await withPostgres(
        { raw: 'bench_linearity_raw', orm: 'bench_linearity_orm' },
        async (pool) => keep('postgres', scale, 'raw', await recorded(() => benchRawPostgres(pool))),
        async (options) => keep('postgres', scale, 'orm', await recorded(() => benchOrm('', options))),
      )
    }
  }
  console.log(`\n| dialect | workload | raw x1 | veil-orm x1 | ratio x1 | raw x10 | veil-orm x10 | ratio x10 | growth | <= ${MAX_GROWTH} |`)
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
  let flagged = 0
  for (const dialect of ['sqlite', 'postgres'] as const) {
    WORKLOADS.forEach((workload, w) => {
      const [raw1, orm1, raw10, orm10] = [medianOf(dialect, 1, 'raw', w), medianOf(dialect, 1, 'orm', w), medianOf(dialect, 10, 'raw', w), medianOf(dialect, 10, 'orm', w)]
      if (raw1 === undefined || orm1 === undefined || raw10 === undefined || orm10 === undefined) return
      const ratio1 = orm1 / raw1
      const ratio10 = orm10 / raw10
      const growth = ratio10 / ratio1
      if (growth > MAX_GROWTH) flagged++
      const ms = (value: number): string => `${value.toFixed(1)} ms`
      console.log(
        `| ${dialect} | ${workload} | ${ms(raw1)} | ${ms(orm1)} | ${ratio1.toFixed(2)} | ${ms(raw10)} | ${ms(orm10)} | ${ratio10.toFixed(2)} | ` +
          `${growth.toFixed(2)} | ${growth > MAX_GROWTH ? '**FLAGGED**' : 'met'} |`,
      )
    })
  }
  console.log(`\n${flagged} workload(s) whose ratio to raw grows more than ${MAX_GROWTH}x from scale 1 to scale 10 (medians of ${REPS} runs).`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
