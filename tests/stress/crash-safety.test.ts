import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { describeRun, messagesOf, startChild, type ChildRun } from './support/child-process.js'
import { Batch, BatchRow } from './support/model.js'

/**
 * A child (tests/stress/children/crash-writer.ts) loops large flushes into one SQLite file; the
 * parent kills it with SIGKILL at a random point of a flush, KILLS times, each time restarting it on
 * the same file. The file must open cleanly and hold every flush completely or not at all.
 */

const KILLS = 12
const BATCH_ROWS = 10_000

interface KillPoint {
  readonly run: ChildRun
  readonly delayMs: number
  /** The batch whose flush was running when the kill landed, if any. */
  readonly duringFlushOf: number | undefined
}

/**
 * Starts the writer and kills it at a random point (up to 1.2 flush durations) after the start of
 * its `flushNumber`-th flush; a flush duration is learned from the writer's earlier commits.
 */
async function killDuringFlush(env: Record<string, string>, flushMs: { current?: number }, flushNumber: number): Promise<KillPoint> {
  let delayMs = 0
  let flushesSeen = 0
  const child = startChild('crash-writer.ts', {
    env,
    timeoutMs: 120_000,
    onMessage(message) {
      if (message.type === 'committed') flushMs.current = Number(message.ms)
      if (message.type !== 'flushing' || ++flushesSeen !== flushNumber) return
      delayMs = Math.round(Math.random() * (flushMs.current ?? 500) * 1.2)
      setTimeout(() => child.process.kill('SIGKILL'), delayMs)
    },
  })
  const run = await child.done
  const flushing = messagesOf(run, 'flushing').map((message) => Number(message.number))
  const committed = new Set(messagesOf(run, 'committed').map((message) => Number(message.number)))
  return { run, delayMs, duringFlushOf: flushing.find((number) => !committed.has(number)) }
}

/** Everything wrong with the file: integrity, foreign keys, partial batches, seals, lost commits. */
function inspect(file: string, committed: ReadonlySet<number>): { problems: string[]; batches: number; rows: number } {
  const db = new Database(file)
  try {
    const problems: string[] = []
    const integrity = db.pragma('integrity_check', { simple: true })
    if (integrity !== 'ok') problems.push(`PRAGMA integrity_check: ${String(integrity)}`)
    const foreignKeys = db.pragma('foreign_key_check') as unknown[]
    if (foreignKeys.length > 0) problems.push(`PRAGMA foreign_key_check: ${JSON.stringify(foreignKeys.slice(0, 5))}`)
    const batches = db
      .prepare('SELECT b.number, b.size, b.sealed, (SELECT count(*) FROM batch_row r WHERE r.batch_id = b.id) AS rows FROM batch b ORDER BY b.number')
      .all() as { number: number; size: number; sealed: number; rows: number }[]
    batches.forEach((batch, i) => {
      if (batch.number !== i + 1) problems.push(`batch numbers are not 1..n: found ${batch.number} at position ${i + 1}`)
      if (batch.rows !== batch.size) problems.push(`batch ${batch.number} holds ${batch.rows} of its ${batch.size} rows: a flush was written in part`)
      const isLast = i === batches.length - 1
      if (Boolean(batch.sealed) === isLast) {
        problems.push(`batch ${batch.number} is ${batch.sealed ? '' : 'not '}sealed although it is ${isLast ? '' : 'not '}the last: a flush's update and inserts were split`)
      }
    })
    const present = new Set(batches.map((batch) => batch.number))
    for (const number of committed) if (!present.has(number)) problems.push(`batch ${number} was reported committed but is not in the file`)
    const rows = (db.prepare('SELECT count(*) AS n FROM batch_row').get() as { n: number }).n
    return { problems, batches: batches.length, rows }
  } finally {
    db.close()
  }
}

describeEachDialect(
  'crash safety',
  (db) => {
    it(
      `keeps every flush whole or absent when the process is killed ${KILLS} times during large flushes`,
      async () => {
        await db.boot([Batch, BatchRow])
        await ORM.close()
        const file = (db.connectionOptions() as { sqlite: string }).sqlite
        const env = { STRESS_BOOT: JSON.stringify(db.connectionOptions()), STRESS_BATCH_ROWS: String(BATCH_ROWS) }
        const flushMs: { current?: number } = {}
        const kills: KillPoint[] = []
        const committed = new Set<number>()
        const problems: string[] = []
        for (let k = 0; k < KILLS; k++) {
          // Every other kill lands in a writer's first flush, the others after it committed one.
          const kill = await killDuringFlush(env, flushMs, flushMs.current === undefined || k % 2 === 1 ? 2 : 1)
          kills.push(kill)
          for (const message of messagesOf(kill.run, 'committed')) committed.add(Number(message.number))
          if (kill.run.signal !== 'SIGKILL' || kill.run.timedOut || messagesOf(kill.run, 'flushing').length === 0) {
            problems.push(`kill ${k + 1} did not land during the writer's work: ${describeRun(kill.run)}`)
          }
          problems.push(...inspect(file, committed).problems.map((problem) => `after kill ${k + 1}: ${problem}`))
        }
        const { batches, rows } = inspect(file, committed)
        const duringFlush = kills.filter((kill) => kill.duringFlushOf !== undefined).length
        const story = kills.map((kill, i) => `kill ${i + 1}, ${kill.delayMs} ms after a flush began: ${kill.duringFlushOf === undefined ? 'between flushes' : `during the flush of batch ${kill.duringFlushOf}`}`)
        console.log(`[crash safety] ${batches} batches (${rows} rows) survived ${KILLS} kills, ${duringFlush} during a flush:\n${story.join('\n')}`)
        expect(problems, story.join('\n')).toEqual([])
        expect(duringFlush, `no kill landed during a flush:\n${story.join('\n')}`).toBeGreaterThan(0)

        // The file opens through the ORM too, and a new flush continues where the last whole one ended.
        await db.boot([Batch, BatchRow], { sqlite: file })
        expect(await Batch.count()).toBe(batches)
        expect(await BatchRow.count()).toBe(batches * BATCH_ROWS)
      },
      600_000,
    )
  },
  ['sqlite-file'],
)
