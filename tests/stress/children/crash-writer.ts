/**
 * The writer of tests/stress/crash-safety.test.ts: loops large flushes into a SQLite file until the
 * parent kills it. Flush n inserts Batch n with STRESS_BATCH_ROWS rows and seals Batch n-1 (an
 * update), so a flush that was cut in half would show as a short batch or a wrong seal.
 */
import { ORM } from '../../../lib/index.js'
import { Batch, BatchRow } from '../support/model.js'
import { bootOptions, quietLogger, report, setting } from '../support/child-io.js'

const size = Number(setting('STRESS_BATCH_ROWS'))
// A bound in case the parent never kills: the test then fails on its kill count, not a hang.
const maxFlushes = 200

await ORM.boot([Batch, BatchRow], { ...bootOptions(), logger: quietLogger })
let previous = await Batch.findOne({ orderBy: { number: 'desc' } })
const first = (previous?.number ?? 0) + 1
report({ type: 'ready', first })
for (let number = first; number < first + maxFlushes; number++) {
  const batch = new Batch(number, size)
  for (let position = 0; position < size; position++) {
    new BatchRow(batch, position, `batch ${number} row ${position} ${'x'.repeat(40)}`)
  }
  if (previous) previous.sealed = true
  report({ type: 'flushing', number })
  const started = Date.now()
  await ORM.flush()
  report({ type: 'committed', number, ms: Date.now() - started })
  previous = batch
}
await ORM.close()
