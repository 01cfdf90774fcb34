import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { describeRun, messagesOf, runChild } from './support/child-process.js'
import { USER_STORY_MODEL } from './support/model.js'

/** ORM.close() leaves nothing running, and booting again and again does not grow the heap. */

const CYCLES = 200
const WARM_UP = 20
const MAX_HEAP_GROWTH = 20 * 1024 * 1024

describeEachDialect(
  'hygiene',
  (db) => {
    async function prepare(): Promise<Record<string, string>> {
      await db.boot([...USER_STORY_MODEL])
      await ORM.close()
      return { STRESS_BOOT: JSON.stringify(db.connectionOptions()) }
    }

    it('leaves no open handle after ORM.close(): a process that boots, works and closes exits by itself', async () => {
      const run = await runChild('close-and-exit.ts', { env: await prepare(), timeoutMs: 60_000 })
      expect(run.timedOut, describeRun(run)).toBe(false)
      expect(run.code, describeRun(run)).toBe(0)
      expect(messagesOf(run, 'closed'), describeRun(run)).toHaveLength(1)
    })

    it(`keeps heap growth under 20 MB over ${CYCLES} boot/close cycles`, async () => {
      const run = await runChild('boot-cycles.ts', {
        env: { ...(await prepare()), STRESS_CYCLES: String(CYCLES), STRESS_WARM_UP: String(WARM_UP) },
        timeoutMs: 240_000,
        exposeGc: true,
      })
      expect(run.code, describeRun(run)).toBe(0)
      const samples = messagesOf(run, 'heap')[0]?.samples as { cycle: number; heapUsed: number }[] | undefined
      const first = samples?.find((sample) => sample.cycle === WARM_UP)
      const last = samples?.find((sample) => sample.cycle === CYCLES)
      const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
      const trace = (samples ?? []).map((sample) => `after ${sample.cycle} cycles: ${mb(sample.heapUsed)}`).join('\n')
      console.log(`[${db.name}] heap used:\n${trace}`)
      expect(first && last, describeRun(run)).toBeTruthy()
      expect((last?.heapUsed ?? 0) - (first?.heapUsed ?? 0), trace).toBeLessThan(MAX_HEAP_GROWTH)
    })
  },
  ['sqlite-file', 'postgres'],
)
