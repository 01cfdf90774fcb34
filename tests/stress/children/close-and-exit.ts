/**
 * Boots, does a bit of everything, closes, and then simply ends: tests/stress/hygiene.test.ts
 * checks that the process exits by itself, which it does only if ORM.close() left no open handle
 * (socket, timer, pool, database file). It never calls process.exit().
 */
import { ORM } from '../../../lib/index.js'
import { Story, User, USER_STORY_MODEL } from '../support/model.js'
import { bootOptions, quietLogger, report } from '../support/child-io.js'

await ORM.boot([...USER_STORY_MODEL], { ...bootOptions(), logger: quietLogger })
const ann = new User(`ann-${process.pid}`)
const story = new Story('hello', ann)
await ORM.flush()
story.title = 'changed'
await ORM.transaction(async () => {
  new Story('in a transaction', ann)
  await Story.find({ where: { createdBy: ann } })
})
await story.softDelete()
await story.restore()
await Promise.all([User.count(), Story.count(), Story.find({ relations: { createdBy: true } })])
// A change left pending for close() to flush.
new Story('flushed by close', ann)
await ORM.close()
report({ type: 'closed' })
