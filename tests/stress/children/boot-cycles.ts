/**
 * Boots and closes STRESS_CYCLES times, working a little each time, and reports heapUsed after a
 * forced garbage collection (the parent starts it with --expose-gc) after the warm-up and at the end.
 */
import { ORM } from '../../../lib/index.js'
import { Story, User, USER_STORY_MODEL } from '../support/model.js'
import { bootOptions, quietLogger, report, setting } from '../support/child-io.js'

const cycles = Number(setting('STRESS_CYCLES'))
const warmUp = Number(setting('STRESS_WARM_UP'))
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('boot-cycles.ts needs node --expose-gc')

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc?.()
  return process.memoryUsage().heapUsed
}

const options = bootOptions()
const samples: { cycle: number; heapUsed: number }[] = []
for (let cycle = 1; cycle <= cycles; cycle++) {
  await ORM.boot([...USER_STORY_MODEL], { ...options, logger: quietLogger })
  const user = new User(`cycle-${cycle}`)
  for (let i = 0; i < 10; i++) new Story(`story-${cycle}-${i}`, user)
  await ORM.flush()
  await Story.find({ where: { createdBy: user }, relations: { createdBy: true } })
  await user.getDependents()
  await ORM.close()
  if (cycle === warmUp || cycle === cycles || cycle % 50 === 0) samples.push({ cycle, heapUsed: heapUsed() })
}
report({ type: 'heap', samples })
